// Decode attention (kernels/attention.h, DecodeArgs): flash-decoding over a contiguous bf16 KV cache.
// Pass 1: one 256-thread block per (split, kv head, batch) handles every query head of the GQA group over
// its chunk of keys. A key's head row is D/8 lanes x 16 bytes, so a warp reads 32/(D/8) keys per load; each
// lane keeps 4 K and 4 V vectors in flight, scores are reduced across the key's lanes with shuffles, and an
// online softmax (base 2, scale folded into q) runs per lane group. Groups, then warps, are merged through
// shuffles and shared memory into one (max, sum, unnormalised output) per query head and split.
// Pass 2: one block per (batch, query head) rescales and sums the splits.
#include "kernels/attention.h"
#include "kernels/attention_common.cuh"

namespace mambascope::kernels {
namespace {

constexpr int kThreads = 256, kWarps = kThreads / 32, kUnroll = 4;

template <int kD, int kG>
__global__ void __launch_bounds__(kThreads) decode_split_kernel(const DecodeArgs a, float scale_log2) {
  constexpr int kLanesPerKey = kD / 8, kKeysPerLoad = 32 / kLanesPerKey, kKeysPerIter = kKeysPerLoad * kUnroll;
  __shared__ float s_m[kWarps][kG], s_l[kWarps][kG];
  __shared__ float s_acc[kWarps][kG][kD];
  const int split = blockIdx.x, hk = blockIdx.y, b = blockIdx.z;
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  const int sub = lane / kLanesPerKey, li = lane % kLanesPerKey;
  const int group = a.heads_q / a.heads_kv;
  const int64_t kv_len = a.kv_len_dev ? static_cast<int64_t>(*a.kv_len_dev) : a.kv_len;
  const int64_t chunk = ((kv_len + a.num_splits - 1) / a.num_splits + kKeysPerIter - 1) / kKeysPerIter * kKeysPerIter;
  const int64_t start = split * chunk, end = min(kv_len, start + chunk);

  float q[kG][8];
#pragma unroll
  for (int g = 0; g < kG; ++g) {
    const int h = hk * group + (g < group ? g : 0);
    const auto* qp = static_cast<const __nv_bfloat16*>(a.q) + b * a.q_batch_stride + h * a.q_head_stride + li * 8;
    detail::unpack8(*reinterpret_cast<const detail::Bf16x8*>(qp), q[g]);
#pragma unroll
    for (int i = 0; i < 8; ++i) q[g][i] *= scale_log2;
  }
  float m[kG], l[kG], acc[kG][8];
#pragma unroll
  for (int g = 0; g < kG; ++g) {
    m[g] = -INFINITY, l[g] = 0.f;
#pragma unroll
    for (int i = 0; i < 8; ++i) acc[g][i] = 0.f;
  }
  const auto* kbase = static_cast<const __nv_bfloat16*>(a.k) + b * a.k_batch_stride + hk * a.k_head_stride + li * 8;
  const auto* vbase = static_cast<const __nv_bfloat16*>(a.v) + b * a.v_batch_stride + hk * a.v_head_stride + li * 8;
  for (int64_t base = start + int64_t{warp} * kKeysPerIter; base < end; base += int64_t{kWarps} * kKeysPerIter) {
    uint4 kv[kUnroll], vv[kUnroll];
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) {
      const int64_t j = base + u * kKeysPerLoad + sub;
      if (j < end) {
        kv[u] = __ldcs(reinterpret_cast<const uint4*>(kbase + j * a.k_row_stride));
        vv[u] = __ldcs(reinterpret_cast<const uint4*>(vbase + j * a.v_row_stride));
      } else {
        kv[u] = vv[u] = make_uint4(0, 0, 0, 0);  // masked: p = 0 must not meet a NaN
      }
    }
    float kf[kUnroll][8];
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) detail::unpack8(*reinterpret_cast<const detail::Bf16x8*>(&kv[u]), kf[u]);
#pragma unroll
    for (int g = 0; g < kG; ++g) {
      float s[kUnroll];
      float mx = -INFINITY;
#pragma unroll
      for (int u = 0; u < kUnroll; ++u) {
        float d = 0.f;
#pragma unroll
        for (int i = 0; i < 8; ++i) d += q[g][i] * kf[u][i];
#pragma unroll
        for (int o = kLanesPerKey / 2; o > 0; o >>= 1) d += __shfl_xor_sync(0xffffffffu, d, o);
        s[u] = base + u * kKeysPerLoad + sub < end ? d : -INFINITY;
        mx = fmaxf(mx, s[u]);
      }
      const float m_new = fmaxf(m[g], mx);
      if (m_new == -INFINITY) continue;  // no valid key in this group of loads yet
      const float alpha = exp2f(m[g] - m_new);
      l[g] *= alpha;
#pragma unroll
      for (int i = 0; i < 8; ++i) acc[g][i] *= alpha;
#pragma unroll
      for (int u = 0; u < kUnroll; ++u) {
        const float p = exp2f(s[u] - m_new);  // 0 for masked keys
        float vf[8];
        detail::unpack8(*reinterpret_cast<const detail::Bf16x8*>(&vv[u]), vf);
        l[g] += p;
#pragma unroll
        for (int i = 0; i < 8; ++i) acc[g][i] += p * vf[i];
      }
      m[g] = m_new;
    }
  }
  // Merge the key groups of the warp (lanes that hold the same dims: xor of multiples of kLanesPerKey).
#pragma unroll
  for (int g = 0; g < kG; ++g) {
#pragma unroll
    for (int o = kLanesPerKey; o < 32; o <<= 1) {
      const float mo = __shfl_xor_sync(0xffffffffu, m[g], o), lo = __shfl_xor_sync(0xffffffffu, l[g], o);
      const float mn = fmaxf(m[g], mo);
      const float sa = mn == -INFINITY ? 0.f : exp2f(m[g] - mn), sb = mn == -INFINITY ? 0.f : exp2f(mo - mn);
      l[g] = l[g] * sa + lo * sb;
#pragma unroll
      for (int i = 0; i < 8; ++i) acc[g][i] = acc[g][i] * sa + __shfl_xor_sync(0xffffffffu, acc[g][i], o) * sb;
      m[g] = mn;
    }
    if (sub == 0) {
#pragma unroll
      for (int i = 0; i < 8; ++i) s_acc[warp][g][li * 8 + i] = acc[g][i];
      if (li == 0) s_m[warp][g] = m[g], s_l[warp][g] = l[g];
    }
  }
  __syncthreads();
  // Merge the warps: thread t owns (head g, dim d) pairs.
  const int heads_here = min(group, kG);
  for (int t = threadIdx.x; t < heads_here * kD; t += kThreads) {
    const int g = t / kD, d = t % kD;
    float M = -INFINITY;
#pragma unroll
    for (int w = 0; w < kWarps; ++w) M = fmaxf(M, s_m[w][g]);
    float L = 0.f, A = 0.f;
#pragma unroll
    for (int w = 0; w < kWarps; ++w) {
      const float f = M == -INFINITY ? 0.f : exp2f(s_m[w][g] - M);
      L += s_l[w][g] * f;
      A += s_acc[w][g][d] * f;
    }
    const int h = hk * group + g;
    float* p = a.partial + ((int64_t{b} * a.heads_q + h) * a.num_splits + split) * (kD + 2);
    p[2 + d] = A;
    if (d == 0) p[0] = M, p[1] = L;
  }
}

template <int kD>
__global__ void decode_combine_kernel(const DecodeArgs a) {
  const int b = blockIdx.x / a.heads_q, h = blockIdx.x % a.heads_q;
  const float* p = a.partial + (int64_t{b} * a.heads_q + h) * a.num_splits * (kD + 2);
  float M = -INFINITY;
  for (int s = 0; s < a.num_splits; ++s) M = fmaxf(M, p[s * (kD + 2)]);
  for (int d = threadIdx.x; d < kD; d += blockDim.x) {
    float L = 0.f, A = 0.f;
    for (int s = 0; s < a.num_splits; ++s) {
      const float* ps = p + s * (kD + 2);
      const float f = M == -INFINITY ? 0.f : exp2f(ps[0] - M);
      L += ps[1] * f;
      A += ps[2 + d] * f;
    }
    static_cast<__nv_bfloat16*>(a.o)[b * a.o_batch_stride + h * a.o_head_stride + d] = __float2bfloat16_rn(L > 0.f ? A / L : 0.f);
  }
}

template <int kD, int kG>
void launch_split(const DecodeArgs& a, float scale_log2, cudaStream_t s) {
  decode_split_kernel<kD, kG><<<dim3(a.num_splits, a.heads_kv, a.batch), kThreads, 0, s>>>(a, scale_log2);
}

template <int kD>
cudaError_t launch(const DecodeArgs& a, cudaStream_t s) {
  const int group = a.heads_q / a.heads_kv;
  const float scale_log2 = a.scale * 1.4426950408889634f;
  if (group == 1) launch_split<kD, 1>(a, scale_log2, s);
  else if (group == 2) launch_split<kD, 2>(a, scale_log2, s);
  else if (group <= 4) launch_split<kD, 4>(a, scale_log2, s);
  else launch_split<kD, 8>(a, scale_log2, s);
  decode_combine_kernel<kD><<<a.batch * a.heads_q, kD, 0, s>>>(a);
  return cudaGetLastError();
}

}  // namespace

int attention_decode_splits(int batch, int heads_kv, int64_t capacity, int sm_count) {
  const int64_t blocks = int64_t{batch} * heads_kv;
  // Two 256-thread blocks fit an SM (~117 registers a thread): one full wave of equal-sized chunks.
  int64_t want = (int64_t{sm_count} * 2 + blocks - 1) / blocks;
  const int64_t most = capacity / 256 > 1 ? capacity / 256 : 1;  // at least 256 keys per split
  if (want > most) want = most;
  if (want > 1024) want = 1024;
  return static_cast<int>(want < 1 ? 1 : want);
}

size_t attention_decode_partial_floats(int batch, int heads_q, int head_dim, int num_splits) {
  return static_cast<size_t>(batch) * heads_q * num_splits * (head_dim + 2);
}

cudaError_t attention_decode(const DecodeArgs& a, cudaStream_t s) {
  if (a.batch <= 0 || a.heads_q <= 0) return cudaSuccess;
  if (a.heads_kv <= 0 || a.heads_q % a.heads_kv != 0 || a.heads_q / a.heads_kv > 8 || a.num_splits < 1 ||
      a.num_splits > 65535 || a.heads_kv > 65535 || a.batch > 65535 || !a.partial)
    return cudaErrorInvalidValue;
  for (int64_t st : {a.q_batch_stride, a.q_head_stride, a.k_batch_stride, a.k_row_stride, a.k_head_stride,
                     a.v_batch_stride, a.v_row_stride, a.v_head_stride})
    if (st % 8 != 0) return cudaErrorInvalidValue;
  if (!detail::aligned16(a.q) || !detail::aligned16(a.k) || !detail::aligned16(a.v)) return cudaErrorInvalidValue;
  if (a.head_dim == 128) return launch<128>(a, s);
  if (a.head_dim == 64) return launch<64>(a, s);
  return cudaErrorInvalidValue;
}

}  // namespace mambascope::kernels
