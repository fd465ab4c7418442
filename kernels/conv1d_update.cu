// One decode token of the causal depthwise conv1d for `batch` sequences: the conv state [K, C] (time-major,
// slot K-1 newest) shifts by one with x as the newest input, then
//   y[c] = act(bias[c] + sum_k w[c, k] state[k, c]).
// A thread owns 8 consecutive channels (16-byte vectors) of one sequence: it reads the K-1 surviving slots
// and x, writes the K shifted slots back and y. Grid = channel blocks x batch.
#include <cuda_bf16.h>

#include "kernels/mamba2.h"
#include "kernels/mamba2_device.cuh"

namespace mambascope::kernels {
namespace {

using namespace m2;

constexpr int kBlock = 128;

template <int K>
__global__ void __launch_bounds__(kBlock) conv1d_update_kernel(const Conv1dUpdateArgs a) {
  const int64_t vec = blockIdx.x * static_cast<int64_t>(kBlock) + threadIdx.x;
  if (vec >= a.C / 8) return;
  const int64_t c0 = vec * 8, b = blockIdx.y;
  __nv_bfloat16* st = static_cast<__nv_bfloat16*>(a.state) + b * K * a.C + c0;
  uint4 slot[K];
#pragma unroll
  for (int k = 0; k + 1 < K; ++k) slot[k] = *reinterpret_cast<const uint4*>(st + (k + 1) * a.C);
  slot[K - 1] = *reinterpret_cast<const uint4*>(static_cast<const __nv_bfloat16*>(a.x) + b * a.ldx + c0);
  float acc[8];
#pragma unroll
  for (int e = 0; e < 8; ++e) acc[e] = a.bias ? a.bias[c0 + e] : 0.f;
#pragma unroll
  for (int k = 0; k < K; ++k) {
    *reinterpret_cast<uint4*>(st + k * a.C) = slot[k];
    float v[8];
    unpack8(slot[k], v);
#pragma unroll
    for (int e = 0; e < 8; ++e) acc[e] += a.w[(c0 + e) * K + k] * v[e];
  }
  if (a.silu)
#pragma unroll
    for (int e = 0; e < 8; ++e) acc[e] = silu(acc[e]);
  *reinterpret_cast<uint4*>(static_cast<__nv_bfloat16*>(a.y) + b * a.ldy + c0) = pack8(acc);
}

}  // namespace

cudaError_t conv1d_update(const Conv1dUpdateArgs& a, cudaStream_t s) {
  if (a.batch <= 0) return cudaSuccess;
  if (a.C % 8 != 0) return cudaErrorInvalidValue;
  const dim3 grid(static_cast<unsigned>((a.C / 8 + kBlock - 1) / kBlock), static_cast<unsigned>(a.batch));
  switch (a.K) {
    case 2: conv1d_update_kernel<2><<<grid, kBlock, 0, s>>>(a); break;
    case 3: conv1d_update_kernel<3><<<grid, kBlock, 0, s>>>(a); break;
    case 4: conv1d_update_kernel<4><<<grid, kBlock, 0, s>>>(a); break;
    default: return cudaErrorInvalidValue;
  }
  return cudaGetLastError();
}

}  // namespace mambascope::kernels
