// Deterministic random fills. Each thread hashes (seed, i) with splitmix64, so the values do not depend on
// the launch shape; a grid-stride loop covers any n.
#include <cuda_bf16.h>

#include "kernels/kernels.h"

namespace mambascope::kernels {
namespace {

__device__ __forceinline__ float uniform_pm1(uint64_t seed, uint64_t i) {
  uint64_t z = seed + 0x9e3779b97f4a7c15ull * (i + 1);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  z ^= z >> 31;
  return static_cast<float>(z >> 40) * (2.0f / 16777216.0f) - 1.0f;  // 24 random bits -> [-1, 1)
}

__global__ void fill_bf16_kernel(__nv_bfloat16* dst, size_t n, uint64_t seed, float scale) {
  for (size_t i = blockIdx.x * size_t{blockDim.x} + threadIdx.x; i < n; i += size_t{gridDim.x} * blockDim.x)
    dst[i] = __float2bfloat16_rn(scale * uniform_pm1(seed, i));
}

__global__ void fill_f32_kernel(float* dst, size_t n, uint64_t seed, float scale) {
  for (size_t i = blockIdx.x * size_t{blockDim.x} + threadIdx.x; i < n; i += size_t{gridDim.x} * blockDim.x)
    dst[i] = scale * uniform_pm1(seed, i);
}

unsigned grid_for(size_t n) {
  const size_t blocks = (n + 255) / 256;
  return static_cast<unsigned>(blocks < 65536 ? (blocks ? blocks : 1) : 65536);
}

}  // namespace

cudaError_t fill_uniform_bf16(void* dst, size_t n, uint64_t seed, float scale, cudaStream_t s) {
  fill_bf16_kernel<<<grid_for(n), 256, 0, s>>>(static_cast<__nv_bfloat16*>(dst), n, seed, scale);
  return cudaGetLastError();
}

cudaError_t fill_uniform_f32(float* dst, size_t n, uint64_t seed, float scale, cudaStream_t s) {
  fill_f32_kernel<<<grid_for(n), 256, 0, s>>>(dst, n, seed, scale);
  return cudaGetLastError();
}

}  // namespace mambascope::kernels
