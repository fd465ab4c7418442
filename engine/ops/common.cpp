#include "engine/ops/common.h"

namespace mambascope::ops {

void expect_defined(const Tensor& t, const char* op, const char* arg) {
  if (!t.defined()) throw Error("argument is an undefined tensor", op, arg, "pass a tensor");
}

void expect_shape(const Tensor& t, const Shape& want, const char* op, const char* arg) {
  expect_defined(t, op, arg);
  bool ok = t.rank() == static_cast<int>(want.size());
  for (size_t i = 0; ok && i < want.size(); ++i) ok = want[i] < 0 || want[i] == t.shape()[i];
  if (!ok) throw Error("shape " + shape_str(t.shape()) + " does not match expected " + shape_str(want), op, arg);
}

void expect_rank(const Tensor& t, int rank, const char* op, const char* arg) {
  expect_defined(t, op, arg);
  if (t.rank() != rank) throw Error("rank " + std::to_string(t.rank()) + " (" + t.describe() + "), expected " + std::to_string(rank), op, arg);
}

void expect_dtype(const Tensor& t, DType want, const char* op, const char* arg) {
  expect_defined(t, op, arg);
  if (t.dtype() != want) throw Error(std::string("dtype ") + dtype_name(t.dtype()) + ", expected " + dtype_name(want), op, arg);
}

void expect_float(const Tensor& t, const char* op, const char* arg) {
  expect_defined(t, op, arg);
  if (!is_float(t.dtype())) throw Error(std::string("dtype ") + dtype_name(t.dtype()) + ", expected a float type", op, arg);
}

void expect_device(const Tensor& t, Device d, const char* op, const char* arg) {
  expect_defined(t, op, arg);
  if (t.device() != d) throw Error(std::string("on ") + device_name(t.device()) + ", expected " + device_name(d), op, arg,
                                   "move all arguments of an op to one device");
}

void expect_contiguous(const Tensor& t, const char* op, const char* arg) {
  expect_defined(t, op, arg);
  if (!t.is_contiguous()) throw Error("must be contiguous (" + t.describe() + ")", op, arg, "call contiguous() first");
}

void expect_row_major(const Tensor& t, const char* op, const char* arg) {
  expect_defined(t, op, arg);
  if (t.rank() == 0 || t.stride(-1) != 1) throw Error("last dimension must be dense (" + t.describe() + ")", op, arg);
  // Leading dimensions must collapse to one row stride.
  int64_t expect = t.rank() >= 2 ? t.stride(-2) : t.dim(-1);
  for (int i = t.rank() - 2; i >= 0; --i) {
    if (t.shape()[i] != 1 && t.strides()[i] != expect)
      throw Error("leading dimensions must be evenly strided (" + t.describe() + ")", op, arg, "call contiguous() first");
    expect *= t.shape()[i];
  }
}

Tensor scratch(Arena* arena, const Shape& shape, DType dt, Device dev) {
  if (arena) {
    if (arena->device() != dev) throw Error("scratch arena is on the wrong device", "scratch", "arena");
    return arena->tensor(shape, dt);
  }
  return Tensor::empty(shape, dt, dev, MemCategory::Workspace);
}

Tensor scratch_rows(Arena* arena, int64_t rows, int64_t cols, DType dt, Device dev) {
  const int64_t per16 = 16 / static_cast<int64_t>(dtype_size(dt));
  const int64_t padded = (cols + per16 - 1) / per16 * per16;
  return scratch(arena, {rows, padded}, dt, dev).slice(1, 0, cols);
}

std::vector<float> read_f32(const Tensor& t) {
  if (t.device() != Device::Cpu) return t.to_f32_vector();
  return t.contiguous().to_f32_vector();
}

void write_f32(Tensor& t, const std::vector<float>& v) {
  if (static_cast<int64_t>(v.size()) != t.numel()) throw Error("value count does not match " + t.describe(), "write_f32", "values");
  Tensor src = Tensor::from_f32(v, t.shape(), t.dtype());
  t.copy_from(src);
}

}  // namespace mambascope::ops
