#pragma once
// fill_uniform: t[i] = scale * u(seed, i), u uniform in [-1, 1) from a counter-based hash of (seed, i).
// The CPU and CUDA versions produce bit-identical values, so generated weights and test inputs do not
// depend on the device they were made on. Float tensors (f32/bf16/f16 on CPU; f32/bf16 on CUDA), contiguous.
#include <cstdint>

#include "engine/core/tensor.h"

namespace mambascope::ops {

void fill_uniform(Tensor& t, uint64_t seed, float scale);
// Sets every byte of a contiguous tensor to zero (cudaMemsetAsync on this thread's stream on CUDA).
void fill_zero(Tensor& t);

// The hash itself, for CPU code that wants the same stream: value for index i in [-1, 1).
inline float uniform_pm1(uint64_t seed, uint64_t i) {
  uint64_t z = seed + 0x9e3779b97f4a7c15ull * (i + 1);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  z ^= z >> 31;
  return static_cast<float>(z >> 40) * (2.0f / 16777216.0f) - 1.0f;
}

}  // namespace mambascope::ops
