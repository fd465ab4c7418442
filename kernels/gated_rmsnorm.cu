// Gated grouped RMSNorm (the reference's RMSNormGated, norm_before_gate=False):
//   v = y * silu(z) (or y), out = v / sqrt(mean over the group of v^2 + eps) * w, per row and group.
// A block of 128 threads owns one (row, group): each thread keeps up to kItems 16-byte vectors of v in
// registers (one read of y and z, one write of out), the sum of squares is a block reduction.
// Grid = (rows, groups).
#include <cuda_bf16.h>

#include "kernels/mamba2.h"
#include "kernels/mamba2_device.cuh"

namespace mambascope::kernels {
namespace {

using namespace m2;

constexpr int kBlock = 128;

template <int kItems>
__global__ void __launch_bounds__(kBlock) gated_rmsnorm_kernel(const GatedRmsNormArgs a) {
  const int64_t row = blockIdx.x, c_base = static_cast<int64_t>(blockIdx.y) * a.group;
  const int nvec = static_cast<int>(a.group / 8);
  const auto* y = static_cast<const __nv_bfloat16*>(a.y) + row * a.ldy + c_base;
  const auto* z = a.z ? static_cast<const __nv_bfloat16*>(a.z) + row * a.ldz + c_base : nullptr;
  float v[kItems][8];
  float ss = 0.f;
#pragma unroll
  for (int u = 0; u < kItems; ++u) {
    const int i = threadIdx.x + u * kBlock;
    if (i >= nvec) break;
    unpack8(*reinterpret_cast<const uint4*>(y + i * 8), v[u]);
    if (z) {
      float zf[8];
      unpack8(*reinterpret_cast<const uint4*>(z + i * 8), zf);
#pragma unroll
      for (int e = 0; e < 8; ++e) v[u][e] *= silu(zf[e]);
    }
#pragma unroll
    for (int e = 0; e < 8; ++e) ss += v[u][e] * v[u][e];
  }
  __shared__ float partial[kBlock / 32];
  ss = warp_sum(ss);
  if ((threadIdx.x & 31) == 0) partial[threadIdx.x >> 5] = ss;
  __syncthreads();
  float total = 0.f;
#pragma unroll
  for (int w = 0; w < kBlock / 32; ++w) total += partial[w];
  const float rstd = rsqrtf(total / static_cast<float>(a.group) + a.eps);
  auto* out = static_cast<__nv_bfloat16*>(a.out) + row * a.ldo + c_base;
#pragma unroll
  for (int u = 0; u < kItems; ++u) {
    const int i = threadIdx.x + u * kBlock;
    if (i >= nvec) break;
    float o[8];
#pragma unroll
    for (int e = 0; e < 8; ++e) o[e] = v[u][e] * rstd * a.w[c_base + i * 8 + e];
    *reinterpret_cast<uint4*>(out + i * 8) = pack8(o);
  }
}

}  // namespace

cudaError_t gated_rmsnorm(const GatedRmsNormArgs& a, cudaStream_t s) {
  if (a.rows <= 0) return cudaSuccess;
  if (a.group <= 0 || a.group % 8 != 0 || a.D % a.group != 0 || a.group > 8 * 8 * kBlock) return cudaErrorInvalidValue;
  const int64_t nvec = a.group / 8;
  if (a.rows > 2147483647 || a.D / a.group > 65535) return cudaErrorInvalidValue;
  const dim3 grid(static_cast<unsigned>(a.rows), static_cast<unsigned>(a.D / a.group));
  if (nvec <= kBlock) gated_rmsnorm_kernel<1><<<grid, kBlock, 0, s>>>(a);
  else if (nvec <= 2 * kBlock) gated_rmsnorm_kernel<2><<<grid, kBlock, 0, s>>>(a);
  else if (nvec <= 4 * kBlock) gated_rmsnorm_kernel<4><<<grid, kBlock, 0, s>>>(a);
  else gated_rmsnorm_kernel<8><<<grid, kBlock, 0, s>>>(a);
  return cudaGetLastError();
}

}  // namespace mambascope::kernels
