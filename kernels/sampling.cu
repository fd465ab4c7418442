// Sampling (kernels/attention.h, SamplingArgs): one 1024-thread block per row, the row's working copy of
// the logits in `work` (f32, L2-resident). Passes: copy (+ repetition penalty), temperature, top-k as a
// 4-round 8-bit radix select on order-preserving keys (integer counts), top-p as the same radix descent on
// 2^-32 fixed-point probability mass (u64 sums, exact and order independent), Gumbel-max argmax. All float
// steps come from sampling_math.h so that engine/ops/cpu/sampling.cpp picks the same token.
#include "kernels/attention.h"
#include "kernels/attention_common.cuh"
#include "kernels/sampling_math.h"

namespace mambascope::kernels {
namespace {

namespace sm = sampling_math;
constexpr int kThreads = 1024;

struct Best {
  float v;
  int64_t i;  // -1: none
};

__device__ __forceinline__ Best better(Best a, Best b) {
  if (a.i < 0) return b;
  if (b.i < 0) return a;
  if (b.v > a.v || (b.v == a.v && b.i < a.i)) return b;
  return a;
}

__device__ Best block_best(Best x, float* sv, int64_t* si) {
  for (int o = 16; o > 0; o >>= 1) {
    Best y{__shfl_xor_sync(0xffffffffu, x.v, o), __shfl_xor_sync(0xffffffffu, x.i, o)};
    x = better(x, y);
  }
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  __syncthreads();
  if (lane == 0) sv[warp] = x.v, si[warp] = x.i;
  __syncthreads();
  x = lane < (kThreads >> 5) ? Best{sv[lane], si[lane]} : Best{0.f, -1};
  for (int o = 16; o > 0; o >>= 1) {
    Best y{__shfl_xor_sync(0xffffffffu, x.v, o), __shfl_xor_sync(0xffffffffu, x.i, o)};
    x = better(x, y);
  }
  return x;
}

__device__ uint64_t block_sum_u64(uint64_t v, uint64_t* red) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  __syncthreads();
  if (lane == 0) red[warp] = v;
  __syncthreads();
  v = lane < (kThreads >> 5) ? red[lane] : 0;
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

__device__ float block_max(float v, float* red) {
  v = detail::warp_max(v);
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  __syncthreads();
  if (lane == 0) red[warp] = v;
  __syncthreads();
  v = lane < (kThreads >> 5) ? red[lane] : -INFINITY;
  return detail::warp_max(v);
}

__global__ void __launch_bounds__(kThreads) sample_kernel(const SamplingArgs a) {
  __shared__ uint32_t count[256];
  __shared__ unsigned long long mass[256];
  __shared__ float sv[32];
  __shared__ int64_t si[32];
  __shared__ uint64_t su[32];
  __shared__ uint32_t s_prefix;
  __shared__ uint64_t s_above;
  const int row = blockIdx.x;
  const int64_t V = a.vocab;
  const uint64_t step = a.step_dev ? static_cast<uint64_t>(*a.step_dev) : a.step;
  float* y = a.work + row * V;
  auto logit = [&](int64_t i) -> float {
    return a.logits_f32 ? static_cast<const float*>(a.logits)[row * a.ld + i]
                        : __bfloat162float(static_cast<const __nv_bfloat16*>(a.logits)[row * a.ld + i]);
  };
  for (int64_t i = threadIdx.x; i < V; i += kThreads) y[i] = logit(i);
  __syncthreads();
  if (a.repetition_penalty != 1.f && a.prev_tokens) {
    // Duplicates write the same value (penalised from the original logit), so the order does not matter.
    for (int64_t j = threadIdx.x; j < a.n_prev; j += kThreads) {
      const int32_t id = a.prev_tokens[row * a.ld_prev + j];
      if (id >= 0 && id < V) y[id] = sm::penalize(logit(id), a.repetition_penalty);
    }
    __syncthreads();
  }
  if (a.temperature <= 0.f) {
    Best b{0.f, -1};
    for (int64_t i = threadIdx.x; i < V; i += kThreads) b = better(b, Best{y[i], i});
    b = block_best(b, sv, si);
    if (threadIdx.x == 0) a.out[row] = static_cast<int32_t>(b.i < 0 ? 0 : b.i);
    return;
  }
  for (int64_t i = threadIdx.x; i < V; i += kThreads) y[i] = sm::div_(y[i], a.temperature);
  __syncthreads();

  // Top-k: the k-th largest key, 8 bits per round from the top.
  uint32_t kth = 0;
  if (a.top_k > 0 && a.top_k < V) {
    uint32_t prefix = 0, mask = 0, remaining = static_cast<uint32_t>(a.top_k);
    for (int shift = 24; shift >= 0; shift -= 8) {
      for (int b = threadIdx.x; b < 256; b += kThreads) count[b] = 0;
      __syncthreads();
      for (int64_t i = threadIdx.x; i < V; i += kThreads) {
        const uint32_t key = sm::order_key(y[i]);
        if ((key & mask) == prefix) atomicAdd(&count[(key >> shift) & 255u], 1u);
      }
      __syncthreads();
      if (threadIdx.x == 0) {
        uint32_t cum = 0;
        int b = 255;
        for (; b > 0; --b) {
          if (cum + count[b] >= remaining) break;
          cum += count[b];
        }
        s_prefix = prefix | (static_cast<uint32_t>(b) << shift);
        s_above = remaining - cum;
      }
      __syncthreads();
      prefix = s_prefix;
      remaining = static_cast<uint32_t>(s_above);
      mask |= 255u << shift;
      __syncthreads();
    }
    kth = prefix;
  }

  // Top-p: the smallest kept key whose strictly-greater mass is < limit.
  uint32_t cut = kth;
  if (a.top_p < 1.f) {
    float m = -INFINITY;
    for (int64_t i = threadIdx.x; i < V; i += kThreads)
      if (sm::order_key(y[i]) >= kth) m = fmaxf(m, y[i]);
    const float ymax = block_max(m, sv);
    uint64_t w = 0;
    for (int64_t i = threadIdx.x; i < V; i += kThreads)
      if (sm::order_key(y[i]) >= kth) w += sm::fixed_weight(sm::sub_(y[i], ymax));
    const uint64_t total = block_sum_u64(w, su);
    uint64_t limit = static_cast<uint64_t>(static_cast<double>(a.top_p) * static_cast<double>(total));
    if (limit < 1) limit = 1;
    uint32_t prefix = 0, mask = 0;
    uint64_t above = 0;
    for (int shift = 24; shift >= 0; shift -= 8) {
      for (int b = threadIdx.x; b < 256; b += kThreads) count[b] = 0, mass[b] = 0;
      __syncthreads();
      for (int64_t i = threadIdx.x; i < V; i += kThreads) {
        const uint32_t key = sm::order_key(y[i]);
        if (key >= kth && (key & mask) == prefix) {
          const uint32_t bin = (key >> shift) & 255u;
          atomicAdd(&count[bin], 1u);
          atomicAdd(&mass[bin], static_cast<unsigned long long>(sm::fixed_weight(sm::sub_(y[i], ymax))));
        }
      }
      __syncthreads();
      if (threadIdx.x == 0) {
        uint64_t cum = above, chosen_above = above;
        int chosen = -1;
        for (int b = 255; b >= 0; --b) {
          if (count[b] == 0) continue;
          if (cum >= limit) break;
          chosen = b;
          chosen_above = cum;
          cum += mass[b];
        }
        // chosen >= 0 always: the candidate set is non-empty and `above` < limit by construction.
        s_prefix = prefix | (static_cast<uint32_t>(chosen < 0 ? 0 : chosen) << shift);
        s_above = chosen_above;
      }
      __syncthreads();
      prefix = s_prefix;
      above = s_above;
      mask |= 255u << shift;
      __syncthreads();
    }
    cut = prefix;
  }

  Best b{0.f, -1};
  for (int64_t i = threadIdx.x; i < V; i += kThreads)
    if (sm::order_key(y[i]) >= cut)
      b = better(b, Best{sm::add_(y[i], sm::gumbel(a.seed, step, static_cast<uint64_t>(row), static_cast<uint64_t>(i))), i});
  b = block_best(b, sv, si);
  if (threadIdx.x == 0) a.out[row] = static_cast<int32_t>(b.i < 0 ? 0 : b.i);
}

}  // namespace

cudaError_t sample(const SamplingArgs& a, cudaStream_t s) {
  if (a.batch <= 0) return cudaSuccess;
  if (a.vocab <= 0 || !a.work || !a.out) return cudaErrorInvalidValue;
  sample_kernel<<<static_cast<unsigned>(a.batch), kThreads, 0, s>>>(a);
  return cudaGetLastError();
}

}  // namespace mambascope::kernels
