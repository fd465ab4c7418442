// One decode token of the SSD recurrence for `batch` sequences, on post-conv x, B, C:
//   dt = clamp(softplus?(dt_raw + dt_bias)), S[p, :] = exp(dt A) S[p, :] + dt x[p] B,
//   y[p] = S[p, :] . C + D x[p], times silu(z[p]) when z is given; y rounded to bf16.
// The f32 state is the only large operand (read and written once): a block owns 16 channels p of one head of
// one sequence (4 warps x 4 rows); a lane owns N/32 consecutive state columns of a row (16-byte accesses for
// N = 128) and the row's dot product with C is a warp reduction. Grid = (P/16, H, batch).
#include <cuda_bf16.h>

#include "kernels/mamba2.h"
#include "kernels/mamba2_device.cuh"

namespace mambascope::kernels {
namespace {

using namespace m2;

constexpr int kRowsPerWarp = 4, kWarps = 4, kRowsPerBlock = kRowsPerWarp * kWarps;

template <int NPL>  // state columns per lane: N / 32
__global__ void __launch_bounds__(kWarps * 32) ssm_state_update_kernel(const SsmStateUpdateArgs a) {
  const int64_t b = blockIdx.z, h = blockIdx.y;
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  const int64_t g = h / (a.H / a.G);
  const auto* x = static_cast<const __nv_bfloat16*>(a.x) + b * a.ldx + h * a.P;
  const auto* Bv = static_cast<const __nv_bfloat16*>(a.B) + b * a.ldb + g * a.N + lane * NPL;
  const auto* Cv = static_cast<const __nv_bfloat16*>(a.C) + b * a.ldc + g * a.N + lane * NPL;
  const float dt = discretize_dt(__bfloat162float(static_cast<const __nv_bfloat16*>(a.dt)[b * a.lddt + h]),
                                 a.dt_bias ? a.dt_bias[h] : 0.f, a.dt_softplus, a.dt_min, a.dt_max);
  const float dA = __expf(dt * a.A[h]);
  const float Dh = a.D ? a.D[h] : 0.f;
  float Bf[NPL], Cf[NPL];
#pragma unroll
  for (int i = 0; i < NPL; ++i) Bf[i] = __bfloat162float(Bv[i]), Cf[i] = __bfloat162float(Cv[i]);

#pragma unroll
  for (int r = 0; r < kRowsPerWarp; ++r) {
    const int64_t p = blockIdx.x * kRowsPerBlock + warp * kRowsPerWarp + r;
    const float xp = __bfloat162float(x[p]);
    float* S = a.state + ((b * a.H + h) * a.P + p) * a.N + lane * NPL;
    float s[NPL];
    if constexpr (NPL % 4 == 0) {
#pragma unroll
      for (int i = 0; i < NPL; i += 4) {
        const float4 v = *reinterpret_cast<const float4*>(S + i);
        s[i] = v.x, s[i + 1] = v.y, s[i + 2] = v.z, s[i + 3] = v.w;
      }
    } else {
#pragma unroll
      for (int i = 0; i < NPL; ++i) s[i] = S[i];
    }
    const float dx = dt * xp;
    float acc = 0.f;
#pragma unroll
    for (int i = 0; i < NPL; ++i) {
      s[i] = dA * s[i] + dx * Bf[i];
      acc += s[i] * Cf[i];
    }
    if constexpr (NPL % 4 == 0) {
#pragma unroll
      for (int i = 0; i < NPL; i += 4) *reinterpret_cast<float4*>(S + i) = make_float4(s[i], s[i + 1], s[i + 2], s[i + 3]);
    } else {
#pragma unroll
      for (int i = 0; i < NPL; ++i) S[i] = s[i];
    }
    acc = warp_sum(acc);
    if (lane == 0) {
      float y = acc + Dh * xp;
      if (a.z) y *= silu(__bfloat162float(static_cast<const __nv_bfloat16*>(a.z)[b * a.ldz + h * a.P + p]));
      static_cast<__nv_bfloat16*>(a.y)[b * a.ldy + h * a.P + p] = __float2bfloat16_rn(y);
    }
  }
}

}  // namespace

cudaError_t ssm_state_update(const SsmStateUpdateArgs& a, cudaStream_t s) {
  if (a.batch <= 0) return cudaSuccess;
  if (a.P % kRowsPerBlock != 0 || a.N % 32 != 0) return cudaErrorInvalidValue;
  const dim3 grid(static_cast<unsigned>(a.P / kRowsPerBlock), static_cast<unsigned>(a.H), static_cast<unsigned>(a.batch));
  switch (a.N / 32) {
    case 1: ssm_state_update_kernel<1><<<grid, kWarps * 32, 0, s>>>(a); break;
    case 2: ssm_state_update_kernel<2><<<grid, kWarps * 32, 0, s>>>(a); break;
    case 4: ssm_state_update_kernel<4><<<grid, kWarps * 32, 0, s>>>(a); break;
    case 8: ssm_state_update_kernel<8><<<grid, kWarps * 32, 0, s>>>(a); break;
    default: return cudaErrorInvalidValue;
  }
  return cudaGetLastError();
}

}  // namespace mambascope::kernels
