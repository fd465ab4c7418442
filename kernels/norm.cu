// RMSNorm / LayerNorm with the optional pre-norm residual add (kernels/attention.h, NormArgs).
// One block per row. Vector path (dim % 8 == 0, 16-byte aligned rows): each thread keeps up to kChunks
// 8-element chunks of the row in registers, so x and the residual are read once and y written once; the
// mean and the sum of squared deviations are block reductions. Other shapes take a scalar path that
// re-reads the row from L1/L2.
#include "kernels/attention.h"
#include "kernels/attention_common.cuh"

namespace mambascope::kernels {
namespace {

using detail::Bf16x8;
constexpr int kThreads = 128;
constexpr int kChunks = 8;  // vector path: dim <= kThreads * 8 * kChunks = 8192

__device__ __forceinline__ void load_residual(const NormArgs& a, int64_t row, int64_t col, float (&r)[8]) {
  if (a.residual_f32) {
    const float4* p = reinterpret_cast<const float4*>(static_cast<const float*>(a.residual) + row * a.ldr + col);
    const float4 u = p[0], w = p[1];
    r[0] = u.x, r[1] = u.y, r[2] = u.z, r[3] = u.w, r[4] = w.x, r[5] = w.y, r[6] = w.z, r[7] = w.w;
  } else {
    detail::unpack8(*reinterpret_cast<const Bf16x8*>(static_cast<const __nv_bfloat16*>(a.residual) + row * a.ldr + col), r);
  }
}

// Stores r into the residual and replaces r by the stored (rounded) value.
__device__ __forceinline__ void store_residual(const NormArgs& a, int64_t row, int64_t col, float (&r)[8]) {
  if (a.residual_f32) {
    float4* p = reinterpret_cast<float4*>(static_cast<float*>(a.residual) + row * a.ldr + col);
    p[0] = make_float4(r[0], r[1], r[2], r[3]);
    p[1] = make_float4(r[4], r[5], r[6], r[7]);
  } else {
    const Bf16x8 v = detail::pack8(r);
    *reinterpret_cast<Bf16x8*>(static_cast<__nv_bfloat16*>(a.residual) + row * a.ldr + col) = v;
    detail::unpack8(v, r);
  }
}

__global__ void __launch_bounds__(kThreads) norm_vec_kernel(const NormArgs a) {
  __shared__ float red[32];
  const int64_t row = blockIdx.x;
  const bool layer = a.type == NormType::Layer;
  float v[kChunks][8];
  float sum = 0.f;
#pragma unroll
  for (int c = 0; c < kChunks; ++c) {
    const int64_t col = (int64_t{c} * kThreads + threadIdx.x) * 8;
    if (col < a.dim) {
      detail::unpack8(*reinterpret_cast<const Bf16x8*>(static_cast<const __nv_bfloat16*>(a.x) + row * a.ldx + col), v[c]);
      if (a.residual) {
        if (!a.residual_init) {
          float r[8];
          load_residual(a, row, col, r);
#pragma unroll
          for (int i = 0; i < 8; ++i) v[c][i] += r[i];
        }
        store_residual(a, row, col, v[c]);
      }
#pragma unroll
      for (int i = 0; i < 8; ++i) sum += v[c][i];
    }
  }
  const float inv_dim = 1.f / static_cast<float>(a.dim);
  const float mean = layer ? detail::block_sum(sum, red) * inv_dim : 0.f;
  float ss = 0.f;
#pragma unroll
  for (int c = 0; c < kChunks; ++c) {
    const int64_t col = (int64_t{c} * kThreads + threadIdx.x) * 8;
    if (col < a.dim)
#pragma unroll
      for (int i = 0; i < 8; ++i) ss += (v[c][i] - mean) * (v[c][i] - mean);
  }
  const float rstd = rsqrtf(detail::block_sum(ss, red) * inv_dim + a.eps);
#pragma unroll
  for (int c = 0; c < kChunks; ++c) {
    const int64_t col = (int64_t{c} * kThreads + threadIdx.x) * 8;
    if (col >= a.dim) continue;
    float w[8], b[8] = {0, 0, 0, 0, 0, 0, 0, 0}, y[8];
    detail::unpack8(*reinterpret_cast<const Bf16x8*>(static_cast<const __nv_bfloat16*>(a.weight) + col), w);
    if (a.bias) detail::unpack8(*reinterpret_cast<const Bf16x8*>(static_cast<const __nv_bfloat16*>(a.bias) + col), b);
#pragma unroll
    for (int i = 0; i < 8; ++i) y[i] = (v[c][i] - mean) * rstd * w[i] + b[i];
    if (a.y_f32) {
      float4* p = reinterpret_cast<float4*>(static_cast<float*>(a.y) + row * a.ldy + col);
      p[0] = make_float4(y[0], y[1], y[2], y[3]);
      p[1] = make_float4(y[4], y[5], y[6], y[7]);
    } else {
      *reinterpret_cast<Bf16x8*>(static_cast<__nv_bfloat16*>(a.y) + row * a.ldy + col) = detail::pack8(y);
    }
  }
}

// Scalar path: any dim and alignment. Pass 1 forms r (and writes the residual), pass 2 the deviations,
// pass 3 the output; each thread revisits only the elements it wrote, so no barrier is needed between them.
__global__ void __launch_bounds__(kThreads) norm_scalar_kernel(const NormArgs a) {
  __shared__ float red[32];
  const int64_t row = blockIdx.x;
  const bool layer = a.type == NormType::Layer;
  const __nv_bfloat16* x = static_cast<const __nv_bfloat16*>(a.x) + row * a.ldx;
  auto r_at = [&](int64_t c) -> float {
    if (!a.residual) return __bfloat162float(x[c]);
    return a.residual_f32 ? static_cast<const float*>(a.residual)[row * a.ldr + c]
                          : __bfloat162float(static_cast<const __nv_bfloat16*>(a.residual)[row * a.ldr + c]);
  };
  float sum = 0.f;
  for (int64_t c = threadIdx.x; c < a.dim; c += kThreads) {
    if (a.residual) {
      float r = __bfloat162float(x[c]) + (a.residual_init ? 0.f : r_at(c));
      if (a.residual_f32) {
        static_cast<float*>(a.residual)[row * a.ldr + c] = r;
      } else {
        const __nv_bfloat16 h = __float2bfloat16_rn(r);
        static_cast<__nv_bfloat16*>(a.residual)[row * a.ldr + c] = h;
      }
    }
    sum += r_at(c);
  }
  const float inv_dim = 1.f / static_cast<float>(a.dim);
  const float mean = layer ? detail::block_sum(sum, red) * inv_dim : 0.f;
  float ss = 0.f;
  for (int64_t c = threadIdx.x; c < a.dim; c += kThreads) ss += (r_at(c) - mean) * (r_at(c) - mean);
  const float rstd = rsqrtf(detail::block_sum(ss, red) * inv_dim + a.eps);
  for (int64_t c = threadIdx.x; c < a.dim; c += kThreads) {
    float y = (r_at(c) - mean) * rstd * __bfloat162float(static_cast<const __nv_bfloat16*>(a.weight)[c]);
    if (a.bias) y += __bfloat162float(static_cast<const __nv_bfloat16*>(a.bias)[c]);
    if (a.y_f32) static_cast<float*>(a.y)[row * a.ldy + c] = y;
    else static_cast<__nv_bfloat16*>(a.y)[row * a.ldy + c] = __float2bfloat16_rn(y);
  }
}

}  // namespace

cudaError_t norm(const NormArgs& a, cudaStream_t s) {
  if (a.rows <= 0 || a.dim <= 0) return cudaSuccess;
  if (a.rows > 0x7fffffff) return cudaErrorInvalidValue;
  const bool vec = a.dim % 8 == 0 && a.dim <= int64_t{kThreads} * 8 * kChunks && a.ldx % 8 == 0 && a.ldy % 8 == 0 &&
                   (!a.residual || a.ldr % 8 == 0) && detail::aligned16(a.x) && detail::aligned16(a.y) &&
                   detail::aligned16(a.weight) && (!a.bias || detail::aligned16(a.bias)) &&
                   (!a.residual || detail::aligned16(a.residual));
  if (vec) norm_vec_kernel<<<static_cast<unsigned>(a.rows), kThreads, 0, s>>>(a);
  else norm_scalar_kernel<<<static_cast<unsigned>(a.rows), kThreads, 0, s>>>(a);
  return cudaGetLastError();
}

}  // namespace mambascope::kernels
