#include "engine/ops/fill.h"

#include <cstring>

#include "engine/core/cuda.h"
#include "engine/ops/common.h"
#include "engine/profile/scope.h"

#if MAMBASCOPE_HAVE_CUDA
#include "engine/core/cuda_check.h"
#include "kernels/kernels.h"
#endif

namespace mambascope::ops {

void fill_zero(Tensor& t) {
  ScopedOp scope("fill_zero");
  expect_contiguous(t, "fill_zero", "t");
  if (t.device() == Device::Cpu) {
    std::memset(t.data(), 0, t.nbytes());
    return;
  }
#if MAMBASCOPE_HAVE_CUDA
  MS_CUDA_CHECK(cudaMemsetAsync(t.data(), 0, t.nbytes(), gpu_context().stream));
#else
  require_cuda("fill_zero");
#endif
}

void fill_uniform(Tensor& t, uint64_t seed, float scale) {
  ScopedOp scope("fill_uniform");
  expect_float(t, "fill_uniform", "t");
  expect_contiguous(t, "fill_uniform", "t");
  const int64_t n = t.numel();
  if (t.device() == Device::Cpu) {
    switch (t.dtype()) {
      case DType::F32:
        for (int64_t i = 0; i < n; ++i) t.data_as<float>()[i] = scale * uniform_pm1(seed, i);
        break;
      case DType::BF16:
        for (int64_t i = 0; i < n; ++i) t.data_as<uint16_t>()[i] = f32_to_bf16(scale * uniform_pm1(seed, i));
        break;
      default:
        for (int64_t i = 0; i < n; ++i) t.data_as<uint16_t>()[i] = f32_to_f16(scale * uniform_pm1(seed, i));
    }
    return;
  }
#if MAMBASCOPE_HAVE_CUDA
  GpuContext& g = gpu_context();
  if (t.dtype() == DType::F32) MS_CUDA_CHECK(kernels::fill_uniform_f32(t.data_as<float>(), n, seed, scale, g.stream));
  else if (t.dtype() == DType::BF16) MS_CUDA_CHECK(kernels::fill_uniform_bf16(t.data(), n, seed, scale, g.stream));
  else throw Error("f16 fills on CUDA are not implemented", "fill_uniform", "t", "use bf16 or f32");
#else
  require_cuda("fill_uniform");
#endif
}

}  // namespace mambascope::ops
