#pragma once
// Helpers of the GPU tests (CUDA builds only).
#include <cuda_runtime_api.h>

#include "engine/core/cuda.h"
#include "engine/core/cuda_check.h"
#include "engine/core/tensor.h"
#include "engine/ops/fill.h"

namespace mambascope::test {

// Fills a device tensor's whole storage with 0xFF bytes (NaN in bf16 and f32), so that an element a kernel
// fails to write shows up as NaN. It runs on the engine's stream: the engine's stream is non-blocking, so a
// cudaMemset on the legacy default stream is not ordered before the kernel and may land after it (seen when
// other processes share the GPU: the poison overwrote finished results).
inline void poison(Tensor& t) {
  MS_CUDA_CHECK(cudaMemsetAsync(t.data(), 0xFF, t.storage()->bytes(), gpu_context().stream));
}

// A device tensor of uniform random values in [-scale, scale] (the engine's deterministic fill).
inline Tensor dev_random(const Shape& s, uint64_t seed, float scale, DType dt = DType::BF16) {
  Tensor t = Tensor::empty(s, dt, Device::Cuda);
  ops::fill_uniform(t, seed, scale);
  return t;
}

}  // namespace mambascope::test
