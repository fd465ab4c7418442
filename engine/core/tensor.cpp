#include "engine/core/tensor.h"

#include <cstring>

#include "engine/core/cuda.h"
#include "engine/core/error.h"

namespace mambascope {

std::string shape_str(const Shape& s) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); ++i) r += (i ? ", " : "") + std::to_string(s[i]);
  return r + "]";
}

int64_t shape_numel(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

Shape contiguous_strides(const Shape& s) {
  Shape st(s.size());
  int64_t acc = 1;
  for (size_t i = s.size(); i-- > 0;) {
    st[i] = acc;
    acc *= s[i];
  }
  return st;
}

// ---- Storage ----

std::shared_ptr<Storage> Storage::allocate(size_t bytes, Device dev, MemCategory cat) {
  Allocator& a = allocator_for(dev);
  void* p = a.allocate(bytes, cat);
  std::shared_ptr<Storage> s(new Storage());
  s->data_ = p;
  s->bytes_ = bytes;
  s->device_ = dev;
  s->category_ = cat;
  s->allocator_ = &a;
  return s;
}

std::shared_ptr<Storage> Storage::borrow(void* data, size_t bytes, Device dev,
                                         std::shared_ptr<const void> keepalive) {
  std::shared_ptr<Storage> s(new Storage());
  s->data_ = data;
  s->bytes_ = bytes;
  s->device_ = dev;
  s->keepalive_ = std::move(keepalive);
  return s;
}

Storage::~Storage() {
  if (allocator_) allocator_->deallocate(data_, bytes_, category_);
}

// ---- Tensor ----

namespace {
void check_shape(const Shape& shape) {
  for (int64_t d : shape)
    if (d < 0) throw Error("negative dimension in shape " + shape_str(shape), "tensor", "shape");
}
}  // namespace

Tensor Tensor::empty(const Shape& shape, DType dt, Device dev, MemCategory cat) {
  check_shape(shape);
  Tensor t;
  t.dtype_ = dt;
  t.shape_ = shape;
  t.strides_ = contiguous_strides(shape);
  t.storage_ = Storage::allocate(static_cast<size_t>(shape_numel(shape)) * dtype_size(dt), dev, cat);
  return t;
}

Tensor Tensor::zeros(const Shape& shape, DType dt, Device dev, MemCategory cat) {
  Tensor t = empty(shape, dt, dev, cat);
  if (dev == Device::Cpu) {
    std::memset(t.data(), 0, t.nbytes());
  } else {
    std::vector<uint8_t> z(t.nbytes(), 0);
    cuda_memcpy_h2d(t.data(), z.data(), z.size());
  }
  return t;
}

Tensor Tensor::borrow(void* data, const Shape& shape, DType dt, Device dev, std::shared_ptr<const void> keepalive) {
  check_shape(shape);
  Tensor t;
  t.dtype_ = dt;
  t.shape_ = shape;
  t.strides_ = contiguous_strides(shape);
  t.storage_ = Storage::borrow(data, static_cast<size_t>(shape_numel(shape)) * dtype_size(dt), dev,
                               std::move(keepalive));
  return t;
}

Tensor Tensor::from_f32(const std::vector<float>& values, const Shape& shape, DType dt) {
  if (static_cast<int64_t>(values.size()) != shape_numel(shape))
    throw Error(std::to_string(values.size()) + " values for shape " + shape_str(shape), "tensor", "from_f32");
  Tensor t = empty(shape, dt);
  switch (dt) {
    case DType::F32: std::memcpy(t.data(), values.data(), values.size() * 4); break;
    case DType::BF16: {
      auto* p = t.data_as<uint16_t>();
      for (size_t i = 0; i < values.size(); ++i) p[i] = f32_to_bf16(values[i]);
      break;
    }
    case DType::F16: {
      auto* p = t.data_as<uint16_t>();
      for (size_t i = 0; i < values.size(); ++i) p[i] = f32_to_f16(values[i]);
      break;
    }
    default: throw Error(std::string("from_f32 cannot store ") + dtype_name(dt), "tensor", "dtype");
  }
  return t;
}

Tensor Tensor::from_i32(const std::vector<int32_t>& values, const Shape& shape) {
  if (static_cast<int64_t>(values.size()) != shape_numel(shape))
    throw Error(std::to_string(values.size()) + " values for shape " + shape_str(shape), "tensor", "from_i32");
  Tensor t = empty(shape, DType::I32);
  std::memcpy(t.data(), values.data(), values.size() * 4);
  return t;
}

Tensor Tensor::from_i64(const std::vector<int64_t>& values, const Shape& shape) {
  if (static_cast<int64_t>(values.size()) != shape_numel(shape))
    throw Error(std::to_string(values.size()) + " values for shape " + shape_str(shape), "tensor", "from_i64");
  Tensor t = empty(shape, DType::I64);
  std::memcpy(t.data(), values.data(), values.size() * 8);
  return t;
}

int64_t Tensor::dim(int i) const {
  const int r = rank();
  if (i < -r || i >= r) throw Error("dimension " + std::to_string(i) + " out of range for " + describe(), "tensor", "dim");
  return shape_[i < 0 ? i + r : i];
}

int64_t Tensor::stride(int i) const {
  const int r = rank();
  if (i < -r || i >= r) throw Error("dimension " + std::to_string(i) + " out of range for " + describe(), "tensor", "stride");
  return strides_[i < 0 ? i + r : i];
}

bool Tensor::is_contiguous() const {
  int64_t acc = 1;
  for (size_t i = shape_.size(); i-- > 0;) {
    if (shape_[i] != 1 && strides_[i] != acc) return false;
    acc *= shape_[i];
  }
  return true;
}

void* Tensor::data() const {
  if (!storage_) throw Error("use of an undefined tensor", "tensor", "data");
  return static_cast<uint8_t*>(storage_->data()) + offset_;
}

void Tensor::check_elem(size_t size, int tag) const {
  bool ok = false;
  switch (tag) {
    case 1: ok = dtype_ == DType::F32; break;
    case 2: ok = dtype_ == DType::BF16 || dtype_ == DType::F16; break;
    case 3: ok = dtype_ == DType::I32; break;
    case 4: ok = dtype_ == DType::I64; break;
    case 5: ok = dtype_ == DType::U8; break;
    default: ok = size == dtype_size(dtype_);
  }
  if (!ok) throw Error("element type of " + std::to_string(size) + " bytes does not match " + describe(), "tensor", "data_as");
}

Tensor Tensor::view(const Shape& shape) const {
  if (!is_contiguous()) throw Error("view of a non-contiguous tensor " + describe(), "tensor", "view", "call contiguous() first");
  Shape s = shape;
  int infer = -1;
  int64_t known = 1;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == -1) {
      if (infer >= 0) throw Error("more than one -1 in view " + shape_str(shape), "tensor", "view");
      infer = static_cast<int>(i);
    } else {
      known *= s[i];
    }
  }
  if (infer >= 0) {
    if (known == 0 || numel() % known != 0)
      throw Error("cannot view " + describe() + " as " + shape_str(shape), "tensor", "view");
    s[infer] = numel() / known;
  }
  if (shape_numel(s) != numel()) throw Error("cannot view " + describe() + " as " + shape_str(shape), "tensor", "view");
  Tensor t = *this;
  t.shape_ = s;
  t.strides_ = contiguous_strides(s);
  return t;
}

Tensor Tensor::slice(int d, int64_t start, int64_t end) const {
  const int r = rank();
  if (d < 0) d += r;
  if (d < 0 || d >= r) throw Error("slice dimension out of range for " + describe(), "tensor", "slice");
  if (start < 0 || end < start || end > shape_[d])
    throw Error("slice [" + std::to_string(start) + ", " + std::to_string(end) + ") of dimension " +
                    std::to_string(d) + " of " + describe(), "tensor", "slice");
  Tensor t = *this;
  t.offset_ += static_cast<size_t>(start * strides_[d]) * dtype_size(dtype_);
  t.shape_[d] = end - start;
  return t;
}

Tensor Tensor::select(int d, int64_t index) const {
  const int r = rank();
  if (d < 0) d += r;
  Tensor t = slice(d, index, index + 1);
  t.shape_.erase(t.shape_.begin() + d);
  t.strides_.erase(t.strides_.begin() + d);
  return t;
}

Tensor Tensor::transpose(int a, int b) const {
  const int r = rank();
  if (a < 0) a += r;
  if (b < 0) b += r;
  if (a < 0 || a >= r || b < 0 || b >= r) throw Error("transpose dimensions out of range for " + describe(), "tensor", "transpose");
  Tensor t = *this;
  std::swap(t.shape_[a], t.shape_[b]);
  std::swap(t.strides_[a], t.strides_[b]);
  return t;
}

Tensor Tensor::unsqueeze(int d) const {
  const int r = rank();
  if (d < 0) d += r + 1;
  if (d < 0 || d > r) throw Error("unsqueeze dimension out of range for " + describe(), "tensor", "unsqueeze");
  Tensor t = *this;
  const int64_t st = d < r ? shape_[d] * strides_[d] : 1;
  t.shape_.insert(t.shape_.begin() + d, 1);
  t.strides_.insert(t.strides_.begin() + d, st);
  return t;
}

Tensor Tensor::unflatten(int d, const Shape& sizes) const {
  const int r = rank();
  if (d < 0) d += r;
  if (d < 0 || d >= r) throw Error("unflatten dimension out of range for " + describe(), "tensor", "unflatten");
  if (shape_numel(sizes) != shape_[d])
    throw Error("cannot split dimension " + std::to_string(d) + " of " + describe() + " into " + shape_str(sizes), "tensor", "unflatten");
  Tensor t = *this;
  Shape sh(shape_.begin(), shape_.begin() + d), st(strides_.begin(), strides_.begin() + d);
  Shape inner(sizes.size());
  int64_t acc = strides_[d];
  for (size_t i = sizes.size(); i-- > 0;) {
    inner[i] = acc;
    acc *= sizes[i];
  }
  sh.insert(sh.end(), sizes.begin(), sizes.end());
  st.insert(st.end(), inner.begin(), inner.end());
  sh.insert(sh.end(), shape_.begin() + d + 1, shape_.end());
  st.insert(st.end(), strides_.begin() + d + 1, strides_.end());
  t.shape_ = sh;
  t.strides_ = st;
  return t;
}

namespace {
// Host strided copy of elements of `esize` bytes, walking dst in row-major order.
void strided_copy(uint8_t* dst, const Shape& dshape, const Shape& dstr, const uint8_t* src, const Shape& sstr, size_t esize) {
  const int r = static_cast<int>(dshape.size());
  const int64_t n = shape_numel(dshape);
  if (n == 0) return;
  std::vector<int64_t> idx(r, 0);
  for (int64_t k = 0; k < n; ++k) {
    int64_t so = 0, doff = 0;
    for (int i = 0; i < r; ++i) {
      so += idx[i] * sstr[i];
      doff += idx[i] * dstr[i];
    }
    std::memcpy(dst + doff * esize, src + so * esize, esize);
    for (int i = r - 1; i >= 0; --i) {
      if (++idx[i] < dshape[i]) break;
      idx[i] = 0;
    }
  }
}
}  // namespace

void Tensor::copy_from(const Tensor& src) {
  if (src.shape_ != shape_ || src.dtype_ != dtype_)
    throw Error("copy from " + src.describe() + " into " + describe(), "tensor", "copy_from", "shapes and dtypes must match");
  const size_t es = dtype_size(dtype_);
  if (device() == Device::Cpu && src.device() == Device::Cpu) {
    if (is_contiguous() && src.is_contiguous()) std::memcpy(data(), src.data(), nbytes());
    else strided_copy(static_cast<uint8_t*>(data()), shape_, strides_, static_cast<const uint8_t*>(src.data()), src.strides_, es);
    return;
  }
  if (!is_contiguous() || !src.is_contiguous())
    throw Error("copy between devices needs contiguous tensors: " + src.describe() + " -> " + describe(), "tensor", "copy_from",
                "call contiguous() on the source first");
  if (device() == Device::Cuda && src.device() == Device::Cpu) cuda_memcpy_h2d(data(), src.data(), nbytes());
  else if (device() == Device::Cpu && src.device() == Device::Cuda) cuda_memcpy_d2h(data(), src.data(), nbytes());
  else cuda_memcpy_d2d(data(), src.data(), nbytes());
}

Tensor Tensor::contiguous() const {
  if (is_contiguous()) return *this;
  if (device() != Device::Cpu)
    throw Error("contiguous() of a strided device tensor " + describe(), "tensor", "contiguous", "use a device copy op");
  Tensor t = empty(shape_, dtype_, Device::Cpu, category());
  t.copy_from(*this);
  return t;
}

Tensor Tensor::clone(MemCategory cat) const {
  Tensor src = contiguous();
  Tensor t = empty(shape_, dtype_, device(), cat);
  t.copy_from(src);
  return t;
}

Tensor Tensor::to(Device dev, MemCategory cat) const {
  Tensor src = device() == Device::Cpu ? contiguous() : *this;
  Tensor t = empty(shape_, dtype_, dev, cat);
  t.copy_from(src);
  return t;
}

Tensor Tensor::to_dtype(DType dt, std::optional<MemCategory> cat) const {
  if (dt == dtype_) return *this;
  if (device() != Device::Cpu) throw Error("to_dtype on device tensor " + describe(), "tensor", "to_dtype", "copy it to the host first");
  const Tensor src = contiguous();
  Tensor t = empty(shape_, dt, Device::Cpu, cat.value_or(category()));
  const int64_t n = numel();
  if (is_float(dtype_) && is_float(dt)) {
    const std::vector<float> v = src.to_f32_vector();
    if (dt == DType::F32) std::memcpy(t.data(), v.data(), n * 4);
    else if (dt == DType::BF16) for (int64_t i = 0; i < n; ++i) t.data_as<uint16_t>()[i] = f32_to_bf16(v[i]);
    else for (int64_t i = 0; i < n; ++i) t.data_as<uint16_t>()[i] = f32_to_f16(v[i]);
    return t;
  }
  auto load_int = [&](int64_t i) -> int64_t {
    switch (dtype_) {
      case DType::I32: return src.data_as<int32_t>()[i];
      case DType::I64: return src.data_as<int64_t>()[i];
      case DType::U8: return src.data_as<uint8_t>()[i];
      default: throw Error(std::string("cannot convert ") + dtype_name(dtype_) + " to " + dtype_name(dt), "tensor", "to_dtype");
    }
  };
  for (int64_t i = 0; i < n; ++i) {
    const int64_t v = load_int(i);
    switch (dt) {
      case DType::I32: t.data_as<int32_t>()[i] = static_cast<int32_t>(v); break;
      case DType::I64: t.data_as<int64_t>()[i] = v; break;
      case DType::U8: t.data_as<uint8_t>()[i] = static_cast<uint8_t>(v); break;
      default: throw Error(std::string("cannot convert ") + dtype_name(dtype_) + " to " + dtype_name(dt), "tensor", "to_dtype");
    }
  }
  return t;
}

std::vector<float> Tensor::to_f32_vector() const {
  if (!is_float(dtype_)) throw Error("to_f32_vector of " + describe(), "tensor", "to_f32_vector");
  Tensor h = device() == Device::Cpu ? contiguous() : to(Device::Cpu, MemCategory::Other);
  const int64_t n = numel();
  std::vector<float> v(n);
  if (dtype_ == DType::F32) std::memcpy(v.data(), h.data(), n * 4);
  else if (dtype_ == DType::BF16) for (int64_t i = 0; i < n; ++i) v[i] = bf16_to_f32(h.data_as<uint16_t>()[i]);
  else for (int64_t i = 0; i < n; ++i) v[i] = f16_to_f32(h.data_as<uint16_t>()[i]);
  return v;
}

void Tensor::fill_f32(float v) {
  if (device() != Device::Cpu || !is_float(dtype_)) throw Error("fill_f32 of " + describe(), "tensor", "fill_f32");
  if (!is_contiguous()) throw Error("fill_f32 of a strided tensor " + describe(), "tensor", "fill_f32");
  const int64_t n = numel();
  if (dtype_ == DType::F32) for (int64_t i = 0; i < n; ++i) data_as<float>()[i] = v;
  else {
    const uint16_t h = dtype_ == DType::BF16 ? f32_to_bf16(v) : f32_to_f16(v);
    for (int64_t i = 0; i < n; ++i) data_as<uint16_t>()[i] = h;
  }
}

std::string Tensor::describe() const {
  if (!storage_) return "undefined tensor";
  return std::string(dtype_name(dtype_)) + shape_str(shape_) + " " + device_name(device());
}

}  // namespace mambascope
