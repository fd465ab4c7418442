// Elementwise activations (kernels/attention.h): y = act(x + bias) and y = act(gate) * up, bf16 rows with
// f32 math. A grid-stride loop over 8-element chunks (16-byte loads and stores) when every row stride and
// pointer allows it, else over single elements.
#include "kernels/attention.h"
#include "kernels/attention_common.cuh"

namespace mambascope::kernels {
namespace {

using detail::Bf16x8;

__device__ __forceinline__ float act_fn(Activation act, float v) {
  switch (act) {
    case Activation::Silu: return v / (1.f + expf(-v));
    case Activation::GeluErf: return 0.5f * v * (1.f + erff(v * 0.70710678118654752f));
    case Activation::GeluTanh: return 0.5f * v * (1.f + tanhf(0.7978845608028654f * (v + 0.044715f * v * v * v)));
  }
  return v;
}

template <int kVec>
__global__ void activation_kernel(Activation act, int64_t rows, int64_t cols, const __nv_bfloat16* x, int64_t ldx,
                                  const __nv_bfloat16* bias, __nv_bfloat16* y, int64_t ldy) {
  const int64_t per_row = cols / kVec, n = rows * per_row;
  for (int64_t w = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; w < n; w += int64_t{gridDim.x} * blockDim.x) {
    const int64_t r = w / per_row, c = (w % per_row) * kVec;
    float v[kVec], b[kVec];
    if constexpr (kVec == 8) {
      detail::unpack8(*reinterpret_cast<const Bf16x8*>(x + r * ldx + c), v);
      if (bias) detail::unpack8(*reinterpret_cast<const Bf16x8*>(bias + c), b);
    } else {
      v[0] = __bfloat162float(x[r * ldx + c]);
      if (bias) b[0] = __bfloat162float(bias[c]);
    }
#pragma unroll
    for (int i = 0; i < kVec; ++i) v[i] = act_fn(act, bias ? v[i] + b[i] : v[i]);
    if constexpr (kVec == 8) *reinterpret_cast<Bf16x8*>(y + r * ldy + c) = detail::pack8(v);
    else y[r * ldy + c] = __float2bfloat16_rn(v[0]);
  }
}

template <int kVec>
__global__ void gated_kernel(Activation act, int64_t rows, int64_t cols, const __nv_bfloat16* g, int64_t ldg,
                             const __nv_bfloat16* u, int64_t ldu, __nv_bfloat16* y, int64_t ldy) {
  const int64_t per_row = cols / kVec, n = rows * per_row;
  for (int64_t w = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; w < n; w += int64_t{gridDim.x} * blockDim.x) {
    const int64_t r = w / per_row, c = (w % per_row) * kVec;
    float gv[kVec], uv[kVec];
    if constexpr (kVec == 8) {
      detail::unpack8(*reinterpret_cast<const Bf16x8*>(g + r * ldg + c), gv);
      detail::unpack8(*reinterpret_cast<const Bf16x8*>(u + r * ldu + c), uv);
    } else {
      gv[0] = __bfloat162float(g[r * ldg + c]);
      uv[0] = __bfloat162float(u[r * ldu + c]);
    }
#pragma unroll
    for (int i = 0; i < kVec; ++i) gv[i] = act_fn(act, gv[i]) * uv[i];
    if constexpr (kVec == 8) *reinterpret_cast<Bf16x8*>(y + r * ldy + c) = detail::pack8(gv);
    else y[r * ldy + c] = __float2bfloat16_rn(gv[0]);
  }
}

unsigned grid_for(int64_t items) {
  const int64_t blocks = (items + 255) / 256;
  return static_cast<unsigned>(blocks < 132 * 32 ? (blocks > 0 ? blocks : 1) : 132 * 32);
}

}  // namespace

cudaError_t activation(Activation act, int64_t rows, int64_t cols, const void* x, int64_t ldx, const void* bias,
                       void* y, int64_t ldy, cudaStream_t s) {
  if (rows <= 0 || cols <= 0) return cudaSuccess;
  const auto* xp = static_cast<const __nv_bfloat16*>(x);
  const auto* bp = static_cast<const __nv_bfloat16*>(bias);
  auto* yp = static_cast<__nv_bfloat16*>(y);
  const bool vec = cols % 8 == 0 && ldx % 8 == 0 && ldy % 8 == 0 && detail::aligned16(x) && detail::aligned16(y) &&
                   (!bias || detail::aligned16(bias));
  if (vec) activation_kernel<8><<<grid_for(rows * cols / 8), 256, 0, s>>>(act, rows, cols, xp, ldx, bp, yp, ldy);
  else activation_kernel<1><<<grid_for(rows * cols), 256, 0, s>>>(act, rows, cols, xp, ldx, bp, yp, ldy);
  return cudaGetLastError();
}

cudaError_t gated_activation(Activation act, int64_t rows, int64_t cols, const void* gate, int64_t ldg, const void* up,
                             int64_t ldu, void* y, int64_t ldy, cudaStream_t s) {
  if (rows <= 0 || cols <= 0) return cudaSuccess;
  const auto* gp = static_cast<const __nv_bfloat16*>(gate);
  const auto* up_ = static_cast<const __nv_bfloat16*>(up);
  auto* yp = static_cast<__nv_bfloat16*>(y);
  const bool vec = cols % 8 == 0 && ldg % 8 == 0 && ldu % 8 == 0 && ldy % 8 == 0 && detail::aligned16(gate) &&
                   detail::aligned16(up) && detail::aligned16(y);
  if (vec) gated_kernel<8><<<grid_for(rows * cols / 8), 256, 0, s>>>(act, rows, cols, gp, ldg, up_, ldu, yp, ldy);
  else gated_kernel<1><<<grid_for(rows * cols), 256, 0, s>>>(act, rows, cols, gp, ldg, up_, ldu, yp, ldy);
  return cudaGetLastError();
}

}  // namespace mambascope::kernels
