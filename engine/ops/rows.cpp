#include "engine/ops/rows.h"

#include <cstring>

#include "engine/core/cuda.h"
#include "engine/ops/common.h"
#include "engine/profile/scope.h"

#if MAMBASCOPE_HAVE_CUDA
#include "engine/core/cuda_check.h"
#include "kernels/kernels.h"
#endif

namespace mambascope::ops {

namespace {
int64_t row_stride_bytes(const Tensor& t) { return t.stride(0) * static_cast<int64_t>(dtype_size(t.dtype())); }
}  // namespace

void gather_rows(const Tensor& src, const Tensor& idx, Tensor& dst) {
  constexpr const char* op = "gather_rows";
  ScopedOp scope(op);
  expect_rank(src, 2, op, "src");
  expect_rank(dst, 2, op, "dst");
  expect_row_major(src, op, "src");
  expect_row_major(dst, op, "dst");
  expect_dtype(idx, DType::I32, op, "idx");
  expect_contiguous(idx, op, "idx");
  expect_shape(dst, {idx.numel(), src.dim(1)}, op, "dst");
  if (dst.dtype() != src.dtype()) throw Error("dst dtype differs from src", op, "dst");
  expect_device(dst, src.device(), op, "dst");
  expect_device(idx, src.device(), op, "idx");
  const int64_t rb = src.dim(1) * static_cast<int64_t>(dtype_size(src.dtype()));
  if (src.device() == Device::Cpu) {
    const int32_t* ix = idx.data_as<int32_t>();
    for (int64_t i = 0; i < idx.numel(); ++i) {
      if (ix[i] < 0 || ix[i] >= src.dim(0))
        throw Error("index " + std::to_string(ix[i]) + " out of range [0, " + std::to_string(src.dim(0)) + ")", op, "idx");
      std::memcpy(static_cast<char*>(dst.data()) + i * row_stride_bytes(dst),
                  static_cast<const char*>(src.data()) + ix[i] * row_stride_bytes(src), static_cast<size_t>(rb));
    }
    return;
  }
#if MAMBASCOPE_HAVE_CUDA
  MS_CUDA_CHECK(kernels::gather_rows(dst.data(), row_stride_bytes(dst), src.data(), row_stride_bytes(src),
                                     idx.data_as<int32_t>(), idx.numel(), rb, gpu_context().stream));
#endif
}

void copy_rows(const Tensor& src, Tensor& dst, int64_t offset, const Tensor& offset_dev) {
  constexpr const char* op = "copy_rows";
  ScopedOp scope(op);
  expect_rank(src, 2, op, "src");
  expect_rank(dst, 2, op, "dst");
  expect_row_major(src, op, "src");
  expect_row_major(dst, op, "dst");
  if (dst.dtype() != src.dtype() || dst.dim(1) != src.dim(1))
    throw Error("dst " + dst.describe() + " cannot take rows of " + src.describe(), op, "dst");
  expect_device(dst, src.device(), op, "dst");
  const int64_t rb = src.dim(1) * static_cast<int64_t>(dtype_size(src.dtype()));
  if (src.device() == Device::Cpu || !offset_dev.defined()) {
    if (offset < 0 || offset + src.dim(0) > dst.dim(0))
      throw Error("rows [" + std::to_string(offset) + ", " + std::to_string(offset + src.dim(0)) + ") exceed " +
                      std::to_string(dst.dim(0)), op, "offset", "the cache is full: use a longer --max-length");
  }
  if (src.device() == Device::Cpu) {
    for (int64_t i = 0; i < src.dim(0); ++i)
      std::memcpy(static_cast<char*>(dst.data()) + (offset + i) * row_stride_bytes(dst),
                  static_cast<const char*>(src.data()) + i * row_stride_bytes(src), static_cast<size_t>(rb));
    return;
  }
#if MAMBASCOPE_HAVE_CUDA
  if (offset_dev.defined()) {
    expect_dtype(offset_dev, DType::I32, op, "offset_dev");
    expect_device(offset_dev, Device::Cuda, op, "offset_dev");
  }
  MS_CUDA_CHECK(kernels::copy_rows(dst.data(), row_stride_bytes(dst), src.data(), row_stride_bytes(src), src.dim(0), rb,
                                   offset, offset_dev.defined() ? offset_dev.data_as<int32_t>() : nullptr,
                                   gpu_context().stream));
#endif
}

}  // namespace mambascope::ops
