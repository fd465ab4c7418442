// Prefill attention, FlashAttention-2 style with mma.sync (kernels/attention.h, AttentionArgs), and the
// dispatcher between it and the Hopper kernel (flash_attention_sm90.cu).
//
// One CTA of 4 warps owns 64 query rows of one (batch, head); each warp owns 16 rows. Q is staged through
// shared memory into registers once; K and V tiles of 64 keys stream through a 2-stage cp.async pipeline
// (rows padded by 16 bytes, which makes ldmatrix conflict-free). Per tile: S = Q K^T with
// mma.m16n8k16 (bf16 -> f32), causal / length masking only on tiles that cross the diagonal or the end,
// online softmax in base 2 on the accumulator fragments, P re-packed to bf16 in registers as the A
// operand of O += P V (V through ldmatrix.trans). Head dims up to kD are zero-padded (72 runs as 80).
// CTAs run in detail::tile_coord order: one kv head at a time (its K/V stays in L2), longest first (causal).
#include <cuda_bf16.h>

#include <cstdint>

#include "kernels/attention.h"
#include "kernels/attention_common.cuh"
#include "kernels/ptx.cuh"

namespace mambascope::kernels {
namespace {

constexpr int kBr = 64, kBc = 64, kWarps = 4, kThreads = kWarps * 32;

using namespace ptx;  // smem_u32, cp.async, ldmatrix, mma_bf16, pack_bf16

// Copies `rows` rows of a [rows, head_dim] tile (global row stride `ld` elements) into shared memory rows of
// kD + 8 elements; rows >= valid_rows and columns >= head_dim are zero-filled.
template <int kD>
__device__ __forceinline__ void load_tile(__nv_bfloat16* sm, const __nv_bfloat16* g, int64_t ld, int rows,
                                          int64_t valid_rows, int head_dim) {
  constexpr int kChunks = kD / 8, kStride = kD + 8;
  for (int c = threadIdx.x; c < rows * kChunks; c += kThreads) {
    const int r = c / kChunks, col = (c % kChunks) * 8;
    const bool valid = r < valid_rows && col < head_dim;
    cp_async16(smem_u32(sm + r * kStride + col), valid ? g + r * ld + col : g, valid);
  }
}

template <int kD>
__global__ void __launch_bounds__(kThreads) flash_fwd_mma_kernel(const AttentionArgs a, float scale_log2) {
  constexpr int kStride = kD + 8, kKSteps = kD / 16, kNTiles = kD / 8;
  extern __shared__ __align__(16) unsigned char smem_raw[];
  __nv_bfloat16* sQ = reinterpret_cast<__nv_bfloat16*>(smem_raw);
  __nv_bfloat16* sK = sQ + kBr * kStride;       // 2 stages
  __nv_bfloat16* sV = sK + 2 * kBc * kStride;   // 2 stages

  const int64_t m_tiles = (a.len_q + kBr - 1) / kBr;
  const detail::TileCoord tc = detail::tile_coord(blockIdx.x, m_tiles, a.heads_q, a.heads_kv, a.causal);
  const int h = tc.h, b = tc.b, hk = tc.hk;
  const int64_t m_tile = tc.m_tile;
  const int64_t m0 = m_tile * kBr;
  const int64_t offset = a.len_kv - a.len_q;

  const auto* qg = static_cast<const __nv_bfloat16*>(a.q) + b * a.q_batch_stride + h * a.q_head_stride + m0 * a.q_row_stride;
  const auto* kg = static_cast<const __nv_bfloat16*>(a.k) + b * a.k_batch_stride + hk * a.k_head_stride;
  const auto* vg = static_cast<const __nv_bfloat16*>(a.v) + b * a.v_batch_stride + hk * a.v_head_stride;

  int64_t n_end = a.len_kv;
  if (a.causal) n_end = min(n_end, m0 + kBr + offset);  // keys beyond the last row's diagonal
  const int n_tiles = n_end > 0 ? static_cast<int>((n_end + kBc - 1) / kBc) : 0;

  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  load_tile<kD>(sQ, qg, a.q_row_stride, kBr, a.len_q - m0, a.head_dim);
  if (n_tiles > 0) {
    load_tile<kD>(sK, kg, a.k_row_stride, kBc, a.len_kv, a.head_dim);
    load_tile<kD>(sV, vg, a.v_row_stride, kBc, a.len_kv, a.head_dim);
  }
  cp_async_commit();

  float o[kNTiles][4];
#pragma unroll
  for (int t = 0; t < kNTiles; ++t) o[t][0] = o[t][1] = o[t][2] = o[t][3] = 0.f;
  float m_row[2] = {-INFINITY, -INFINITY}, l_row[2] = {0.f, 0.f};
  uint32_t qf[kKSteps][4];
  // Rows of this thread (within the tile) and their global indices.
  const int r_lo = warp * 16 + (lane >> 2);
  const int64_t row_g[2] = {m0 + r_lo, m0 + r_lo + 8};

  for (int n = 0; n < n_tiles; ++n) {
    const int stage = n & 1;
    if (n + 1 < n_tiles) {
      const int64_t j1 = int64_t{n + 1} * kBc;
      load_tile<kD>(sK + (stage ^ 1) * kBc * kStride, kg + j1 * a.k_row_stride, a.k_row_stride, kBc, a.len_kv - j1, a.head_dim);
      load_tile<kD>(sV + (stage ^ 1) * kBc * kStride, vg + j1 * a.v_row_stride, a.v_row_stride, kBc, a.len_kv - j1, a.head_dim);
    }
    cp_async_commit();
    cp_async_wait<1>();
    __syncthreads();
    if (n == 0) {
#pragma unroll
      for (int kk = 0; kk < kKSteps; ++kk)
        ldmatrix_x4(smem_u32(sQ + (warp * 16 + (lane & 15)) * kStride + kk * 16 + (lane >> 4) * 8), qf[kk]);
    }
    const __nv_bfloat16* k_s = sK + stage * kBc * kStride;
    const __nv_bfloat16* v_s = sV + stage * kBc * kStride;

    float s[kBc / 8][4];
#pragma unroll
    for (int t = 0; t < kBc / 8; ++t) s[t][0] = s[t][1] = s[t][2] = s[t][3] = 0.f;
#pragma unroll
    for (int kk = 0; kk < kKSteps; ++kk) {
#pragma unroll
      for (int t = 0; t < kBc / 8; t += 2) {
        uint32_t bk[4];
        ldmatrix_x4(smem_u32(k_s + (t * 8 + (lane & 7) + ((lane >> 4) << 3)) * kStride + kk * 16 + ((lane >> 3) & 1) * 8), bk);
        mma_bf16(s[t], qf[kk], bk[0], bk[1]);
        mma_bf16(s[t + 1], qf[kk], bk[2], bk[3]);
      }
    }
    // Mask keys past the end and, for causal, past each row's diagonal (only tiles that reach them).
    const int64_t j0 = int64_t{n} * kBc;
    const bool need_mask = j0 + kBc > a.len_kv || (a.causal && j0 + kBc - 1 > m0 + offset);
    if (need_mask) {
#pragma unroll
      for (int t = 0; t < kBc / 8; ++t)
#pragma unroll
        for (int e = 0; e < 4; ++e) {
          const int64_t j = j0 + t * 8 + (lane & 3) * 2 + (e & 1);
          const int64_t i = row_g[e >> 1];
          if (j >= a.len_kv || (a.causal && j > i + offset)) s[t][e] = -INFINITY;
        }
    }
    // Online softmax, two rows per thread (a quad of lanes shares a row).
#pragma unroll
    for (int r = 0; r < 2; ++r) {
      float mx = m_row[r];
#pragma unroll
      for (int t = 0; t < kBc / 8; ++t) mx = fmaxf(mx, fmaxf(s[t][2 * r], s[t][2 * r + 1]) * scale_log2);
      mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 1));
      mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 2));
      const float m_use = mx == -INFINITY ? 0.f : mx;
      const float alpha = exp2f(m_row[r] - m_use);
      m_row[r] = mx;
      float sum = 0.f;
#pragma unroll
      for (int t = 0; t < kBc / 8; ++t) {
        s[t][2 * r] = exp2f(s[t][2 * r] * scale_log2 - m_use);
        s[t][2 * r + 1] = exp2f(s[t][2 * r + 1] * scale_log2 - m_use);
        sum += s[t][2 * r] + s[t][2 * r + 1];
      }
      l_row[r] = l_row[r] * alpha + sum;  // per-thread partial sum; the quad is summed at the end
#pragma unroll
      for (int t = 0; t < kNTiles; ++t) o[t][2 * r] *= alpha, o[t][2 * r + 1] *= alpha;
    }
    // O += P V: P from the S fragments (16 keys per k-step), V via ldmatrix.trans.
#pragma unroll
    for (int kk = 0; kk < kBc / 16; ++kk) {
      const uint32_t pa[4] = {pack_bf16(s[2 * kk][0], s[2 * kk][1]), pack_bf16(s[2 * kk][2], s[2 * kk][3]),
                              pack_bf16(s[2 * kk + 1][0], s[2 * kk + 1][1]), pack_bf16(s[2 * kk + 1][2], s[2 * kk + 1][3])};
#pragma unroll
      for (int t = 0; t < kNTiles; t += 2) {
        uint32_t bv[4];
        ldmatrix_x4_trans(smem_u32(v_s + (kk * 16 + (lane & 7) + ((lane >> 3) & 1) * 8) * kStride + t * 8 + (lane >> 4) * 8), bv);
        mma_bf16(o[t], pa, bv[0], bv[1]);
        mma_bf16(o[t + 1], pa, bv[2], bv[3]);
      }
    }
    __syncthreads();  // this stage is refilled by the next iteration's loads
  }
  cp_async_wait<0>();
  // A CTA whose rows see no key at all (causal, more queries than keys: n_tiles == 0) skipped the loop, so no
  // barrier has ordered the other threads' cp.async of Q before the O rows below overwrite sQ (racecheck).
  __syncthreads();

  // Normalise and store through shared memory (sQ is free: Q lives in registers) for 16-byte global stores.
#pragma unroll
  for (int r = 0; r < 2; ++r) {
    float l = l_row[r];
    l += __shfl_xor_sync(0xffffffffu, l, 1);
    l += __shfl_xor_sync(0xffffffffu, l, 2);
    const float inv = l > 0.f ? 1.f / l : 0.f;
    __nv_bfloat16* row = sQ + (r_lo + 8 * r) * kStride;
#pragma unroll
    for (int t = 0; t < kNTiles; ++t)
      *reinterpret_cast<uint32_t*>(row + t * 8 + (lane & 3) * 2) = pack_bf16(o[t][2 * r] * inv, o[t][2 * r + 1] * inv);
  }
  __syncthreads();
  auto* og = static_cast<__nv_bfloat16*>(a.o) + b * a.o_batch_stride + h * a.o_head_stride + m0 * a.o_row_stride;
  const int chunks = a.head_dim / 8;
  for (int c = threadIdx.x; c < kBr * chunks; c += kThreads) {
    const int r = c / chunks, col = (c % chunks) * 8;
    if (m0 + r < a.len_q)
      *reinterpret_cast<uint4*>(og + r * a.o_row_stride + col) = *reinterpret_cast<const uint4*>(sQ + r * kStride + col);
  }
}

template <int kD>
cudaError_t launch_mma(const AttentionArgs& a, cudaStream_t s) {
  constexpr int smem = (kBr + 4 * kBc) * (kD + 8) * 2;
  static bool configured = false;  // the attribute is per function; setting it is idempotent
  if (!configured) {
    const cudaError_t e = cudaFuncSetAttribute(flash_fwd_mma_kernel<kD>, cudaFuncAttributeMaxDynamicSharedMemorySize, smem);
    if (e != cudaSuccess) return e;
    configured = true;
  }
  const int64_t blocks = (a.len_q + kBr - 1) / kBr * a.heads_q * a.batch;
  const float scale_log2 = a.scale * 1.4426950408889634f;
  flash_fwd_mma_kernel<kD><<<static_cast<unsigned>(blocks), kThreads, smem, s>>>(a, scale_log2);
  return cudaGetLastError();
}

bool strides_ok(const AttentionArgs& a) {
  for (int64_t st : {a.q_batch_stride, a.q_row_stride, a.q_head_stride, a.k_batch_stride, a.k_row_stride, a.k_head_stride,
                     a.v_batch_stride, a.v_row_stride, a.v_head_stride, a.o_batch_stride, a.o_row_stride, a.o_head_stride})
    if (st % 8 != 0) return false;
  return detail::aligned16(a.q) && detail::aligned16(a.k) && detail::aligned16(a.v) && detail::aligned16(a.o);
}

}  // namespace

bool attention_prefill_supported(const AttentionArgs& a, AttentionKernel k) {
  if (a.head_dim <= 0 || a.head_dim % 8 != 0 || a.heads_kv <= 0 || a.heads_q % a.heads_kv != 0 || !strides_ok(a))
    return false;
  const bool mma = a.head_dim <= 128;
  const bool wgmma = a.head_dim == 128;
  switch (k) {
    case AttentionKernel::Auto: return mma;
    case AttentionKernel::Mma: return mma;
    case AttentionKernel::Wgmma: return wgmma;
  }
  return false;
}

cudaError_t attention_prefill_mma(const AttentionArgs& a, cudaStream_t s) {
  if (!attention_prefill_supported(a, AttentionKernel::Mma)) return cudaErrorInvalidValue;
  if (a.batch <= 0 || a.len_q <= 0) return cudaSuccess;
  if ((a.len_q + kBr - 1) / kBr * a.heads_q * a.batch > 0x7fffffff) return cudaErrorInvalidValue;
  if (a.head_dim <= 64) return launch_mma<64>(a, s);
  if (a.head_dim <= 80) return launch_mma<80>(a, s);
  return launch_mma<128>(a, s);
}

cudaError_t attention_prefill(const AttentionArgs& a, cudaStream_t s) {
  AttentionKernel k = a.kernel;
  if (k == AttentionKernel::Auto)
    k = attention_prefill_supported(a, AttentionKernel::Wgmma) ? AttentionKernel::Wgmma : AttentionKernel::Mma;
  return k == AttentionKernel::Wgmma ? attention_prefill_sm90(a, s) : attention_prefill_mma(a, s);
}

}  // namespace mambascope::kernels
