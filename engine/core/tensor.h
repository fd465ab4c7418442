#pragma once
// Tensor: a typed, strided view of a Storage (a block of bytes on one device, owned through an Allocator
// that accounts it by category, or borrowed from elsewhere, e.g. an mmap'd safetensors file).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "engine/core/dtype.h"
#include "engine/core/memory.h"

namespace mambascope {

using Shape = std::vector<int64_t>;
std::string shape_str(const Shape& s);  // "[2, 3]"
int64_t shape_numel(const Shape& s);
Shape contiguous_strides(const Shape& s);

class Storage {
 public:
  // Allocates `bytes` from the device's allocator, accounted under `cat`.
  static std::shared_ptr<Storage> allocate(size_t bytes, Device dev, MemCategory cat);
  // Wraps memory that something else owns; `keepalive` is held as long as this storage lives.
  static std::shared_ptr<Storage> borrow(void* data, size_t bytes, Device dev,
                                         std::shared_ptr<const void> keepalive = {});
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
  ~Storage();

  void* data() const { return data_; }
  size_t bytes() const { return bytes_; }
  Device device() const { return device_; }
  MemCategory category() const { return category_; }
  bool owned() const { return allocator_ != nullptr; }

 private:
  Storage() = default;
  void* data_ = nullptr;
  size_t bytes_ = 0;
  Device device_ = Device::Cpu;
  MemCategory category_ = MemCategory::Other;
  Allocator* allocator_ = nullptr;
  std::shared_ptr<const void> keepalive_;
};

class Tensor {
 public:
  Tensor() = default;  // undefined: defined() is false

  static Tensor empty(const Shape& shape, DType dt, Device dev = Device::Cpu,
                      MemCategory cat = MemCategory::Activations);
  static Tensor zeros(const Shape& shape, DType dt, Device dev = Device::Cpu,
                      MemCategory cat = MemCategory::Activations);
  static Tensor borrow(void* data, const Shape& shape, DType dt, Device dev,
                       std::shared_ptr<const void> keepalive = {});
  // Host tensors from values: f32 values are stored as `dt` (f32, bf16 or f16), rounding to nearest even.
  static Tensor from_f32(const std::vector<float>& values, const Shape& shape, DType dt = DType::F32);
  static Tensor from_i32(const std::vector<int32_t>& values, const Shape& shape);
  static Tensor from_i64(const std::vector<int64_t>& values, const Shape& shape);

  bool defined() const { return storage_ != nullptr; }
  DType dtype() const { return dtype_; }
  Device device() const { return storage_ ? storage_->device() : Device::Cpu; }
  MemCategory category() const { return storage_ ? storage_->category() : MemCategory::Other; }
  const Shape& shape() const { return shape_; }
  const Shape& strides() const { return strides_; }  // in elements
  int rank() const { return static_cast<int>(shape_.size()); }
  int64_t dim(int i) const;  // negative counts from the end
  int64_t stride(int i) const;
  int64_t numel() const { return shape_numel(shape_); }
  size_t nbytes() const { return static_cast<size_t>(numel()) * dtype_size(dtype_); }
  bool is_contiguous() const;
  const std::shared_ptr<Storage>& storage() const { return storage_; }

  void* data() const;  // first element (storage + offset)
  template <class T>
  T* data_as() const {
    check_elem(sizeof(T), type_tag<T>());
    return static_cast<T*>(data());
  }

  // Views sharing storage.
  Tensor view(const Shape& shape) const;  // contiguous only; one -1 is inferred
  Tensor slice(int dim, int64_t start, int64_t end) const;
  Tensor select(int dim, int64_t index) const;  // drops `dim`
  Tensor transpose(int a, int b) const;
  Tensor unsqueeze(int dim) const;
  // Splits dimension `dim` into `sizes` (their product must equal it); valid for any stride of `dim`, so a
  // strided column block [T, H*D] of a fused projection becomes [T, H, D].
  Tensor unflatten(int dim, const Shape& sizes) const;

  // Copies.
  Tensor contiguous() const;
  Tensor clone(MemCategory cat = MemCategory::Activations) const;
  Tensor to(Device dev, MemCategory cat) const;
  Tensor to(Device dev) const { return to(dev, category()); }
  // Host tensors; float <-> float and int <-> int. The copy is accounted under `cat` (default: this tensor's).
  Tensor to_dtype(DType dt, std::optional<MemCategory> cat = std::nullopt) const;
  void copy_from(const Tensor& src);  // same shape and dtype; across devices both must be contiguous
  std::vector<float> to_f32_vector() const;  // any float dtype, any device
  void fill_f32(float v);                    // host float tensors

  std::string describe() const;  // "bf16[2, 3] cuda"

 private:
  template <class T>
  static constexpr int type_tag() {
    if constexpr (std::is_same_v<T, float>) return 1;
    else if constexpr (std::is_same_v<T, uint16_t>) return 2;
    else if constexpr (std::is_same_v<T, int32_t>) return 3;
    else if constexpr (std::is_same_v<T, int64_t>) return 4;
    else if constexpr (std::is_same_v<T, uint8_t>) return 5;
    else return 0;
  }
  void check_elem(size_t size, int tag) const;

  std::shared_ptr<Storage> storage_;
  size_t offset_ = 0;  // bytes
  DType dtype_ = DType::F32;
  Shape shape_, strides_;
};

}  // namespace mambascope
