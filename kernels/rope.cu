// Rotary position embedding in place on q and k (kernels/attention.h, RopeArgs).
// One block per (token, batch): the block first computes cos/sin of its position for the d/2 frequencies
// into shared memory (inv_freq in double, rounded to f32, as the CPU twin), then its threads rotate every
// head of q and k, two adjacent pairs (4-byte bf16x2 loads from each half of the head) per work item.
#include "kernels/attention.h"
#include "kernels/attention_common.cuh"

namespace mambascope::kernels {
namespace {

constexpr int kThreads = 128;

__device__ __forceinline__ void rotate_heads(__nv_bfloat16* base, int heads, int64_t head_stride, int half,
                                             const float* cs, const float* sn) {
  const int per_head = half / 2;  // bf16x2 work items per head
  for (int w = threadIdx.x; w < heads * per_head; w += kThreads) {
    const int h = w / per_head, i = (w % per_head) * 2;
    __nv_bfloat16* p = base + h * head_stride;
    const float2 x0 = __bfloat1622float2(*reinterpret_cast<const __nv_bfloat162*>(p + i));
    const float2 x1 = __bfloat1622float2(*reinterpret_cast<const __nv_bfloat162*>(p + i + half));
    const float2 lo = make_float2(x0.x * cs[i] - x1.x * sn[i], x0.y * cs[i + 1] - x1.y * sn[i + 1]);
    const float2 hi = make_float2(x1.x * cs[i] + x0.x * sn[i], x1.y * cs[i + 1] + x0.y * sn[i + 1]);
    *reinterpret_cast<__nv_bfloat162*>(p + i) = __float22bfloat162_rn(lo);
    *reinterpret_cast<__nv_bfloat162*>(p + i + half) = __float22bfloat162_rn(hi);
  }
}

__global__ void __launch_bounds__(kThreads) rope_kernel(const RopeArgs a) {
  __shared__ float cs[128], sn[128];
  const int64_t l = blockIdx.x, b = blockIdx.y;
  const int half = a.head_dim / 2;
  const int64_t offset = a.pos_offset_dev ? static_cast<int64_t>(*a.pos_offset_dev) : a.pos_offset;
  const int64_t pos = offset + l;
  for (int i = threadIdx.x; i < half; i += kThreads) {
    double base = a.base;
    const int64_t total = offset + a.len;
    if (a.scaling == RopeScaling::DynamicNtk && total > a.max_positions) {
      const double f = a.factor;
      base *= pow(f * static_cast<double>(total) / static_cast<double>(a.max_positions) - (f - 1.0),
                  static_cast<double>(a.head_dim) / (a.head_dim - 2.0));
    }
    const float inv = static_cast<float>(1.0 / pow(base, 2.0 * i / a.head_dim));
    float t = static_cast<float>(pos);
    if (a.scaling == RopeScaling::Linear) t = __fdiv_rn(t, a.factor);
    sincosf(__fmul_rn(t, inv), &sn[i], &cs[i]);
  }
  __syncthreads();
  rotate_heads(static_cast<__nv_bfloat16*>(a.q) + b * a.q_batch_stride + l * a.q_row_stride, a.heads_q, a.q_head_stride,
               half, cs, sn);
  if (a.k)
    rotate_heads(static_cast<__nv_bfloat16*>(a.k) + b * a.k_batch_stride + l * a.k_row_stride, a.heads_k, a.k_head_stride,
                 half, cs, sn);
}

}  // namespace

cudaError_t rope(const RopeArgs& a, cudaStream_t s) {
  if (a.batch <= 0 || a.len <= 0) return cudaSuccess;
  // Pairs are processed two at a time as bf16x2: half the head and every stride must be even.
  if (a.head_dim % 4 != 0 || a.head_dim > 256 || a.batch > 65535 || a.len > 0x7fffffff) return cudaErrorInvalidValue;
  if (a.q_head_stride % 2 || a.q_row_stride % 2 || a.q_batch_stride % 2 || (reinterpret_cast<uintptr_t>(a.q) & 3))
    return cudaErrorInvalidValue;
  if (a.k && (a.k_head_stride % 2 || a.k_row_stride % 2 || a.k_batch_stride % 2 || (reinterpret_cast<uintptr_t>(a.k) & 3)))
    return cudaErrorInvalidValue;
  rope_kernel<<<dim3(static_cast<unsigned>(a.len), static_cast<unsigned>(a.batch)), kThreads, 0, s>>>(a);
  return cudaGetLastError();
}

}  // namespace mambascope::kernels
