// Prefill attention for head_dim 128 on Hopper (kernels/attention.h): TMA + wgmma, warp-specialised.
//
// CTA = 3 warpgroups and 128 query rows of one (batch, head). Warpgroup 0 is the producer: one thread
// issues TMA loads (128-byte swizzle, out-of-range rows zero-filled by the copy engine) of the Q tile and
// of K and V tiles of 128 keys into a 2-stage ring guarded by full/empty mbarriers, and the warpgroup
// gives its registers away (setmaxnreg). Warpgroups 1 and 2 each own 64 query rows:
//   S = Q K^T  (wgmma m64n128k16, both operands from shared memory, 8 k-steps)
//   online softmax in base 2 on the accumulator fragments (two rows per thread, quad shuffles)
//   O += P V   (wgmma with P from registers as bf16, V from shared memory N-major)
// with the next tile's Q K^T issued before this tile's softmax waits (intra-warpgroup overlap: the tensor
// cores work on S_{j+1} and P_j V_j while the warpgroup computes exponentials). KV tiles run from the last
// (the only ones that need masking, causal or ragged end) to the first; CTAs run in detail::tile_coord order
// (one kv head at a time so its K/V stays in L2, longest tiles first).
#include <cuda_bf16.h>

#include <cstdint>
#include <mutex>

#include "kernels/attention.h"
#include "kernels/attention_common.cuh"
#include "kernels/ptx.cuh"
#include "kernels/tma.cuh"
#include "kernels/wgmma.cuh"

namespace mambascope::kernels {
namespace {

constexpr int kBM = 128, kBN = 128, kD = 128, kStages = 2, kThreads = 384;
constexpr int kHalfTile = 128 * 64 * 2;        // bytes of a [128 rows][64 cols] bf16 swizzled half tile
constexpr int kTileBytes = 2 * kHalfTile;      // a 128 x 128 tile
constexpr int kSmemBytes = kTileBytes * (1 + 2 * kStages) + 1024 /* barriers */ + 1024 /* alignment */;

struct Barriers {
  uint64_t q_full, k_full[kStages], k_empty[kStages], v_full[kStages], v_empty[kStages];
};

using tma::mbar_arrive;
using tma::mbar_expect_tx;
using tma::mbar_init;
using tma::mbar_wait;
using tma::smem_u32;
// 4-D tiled TMA load: coordinates (col, head, row, batch) of tensor map `map` into shared memory.
__device__ __forceinline__ void tma_load(void* dst, const CUtensorMap* map, int c0, int c1, int c2, int c3, uint64_t* bar) {
  tma::load_4d(dst, map, c0, c1, c2, c3, bar);
}

using ptx::pack_bf16;

struct Sm90Params {
  int heads_q, heads_kv, batch;
  int64_t len_q, len_kv;
  __nv_bfloat16* o;
  int64_t o_batch_stride, o_row_stride, o_head_stride;
  float scale_log2;
  bool causal;
};

// S = Q K^T for this warpgroup's 64 rows: 8 k-steps of 16; a k-step inside a 64-column swizzled half
// advances the descriptors by 32 bytes, the second half starts kHalfTile further.
__device__ __forceinline__ void issue_qk(float (&s)[64], const unsigned char* sq, const unsigned char* sk) {
#pragma unroll
  for (int kk = 0; kk < kD / 16; ++kk) {
    const int off = (kk / 4) * kHalfTile + (kk % 4) * 32;
    wg::mma_ss_m64n128(s, wg::make_desc(sq + off, 16, 1024), wg::make_desc(sk + off, 16, 1024), kk > 0 ? 1 : 0);
  }
}

// O += P V: k-step kk covers keys 16kk..16kk+15 = two 8-row swizzle groups (2048 bytes); the two 64-column
// halves of V are the N-direction repeat (leading byte offset kHalfTile). P is already packed to bf16, so no
// register is written between the 8 wgmmas (which would make ptxas insert a fence before each).
__device__ __forceinline__ void issue_pv(float (&o)[64], const uint32_t (&pf)[32], const unsigned char* sv) {
#pragma unroll
  for (int kk = 0; kk < kBN / 16; ++kk) {
    const uint32_t a[4] = {pf[4 * kk], pf[4 * kk + 1], pf[4 * kk + 2], pf[4 * kk + 3]};
    wg::mma_rs_m64n128_tb(o, a, wg::make_desc(sv + kk * 2048, kHalfTile, 1024));
  }
}

// P as the A operand of P V: for k-step kk, {row r keys 16kk+2q.., row r+8 same, row r keys +8, row r+8 keys +8}
// = accumulator registers 8kk .. 8kk+7 in order, packed in pairs.
__device__ __forceinline__ void pack_p(const float (&s)[64], uint32_t (&pf)[32]) {
#pragma unroll
  for (int i = 0; i < 32; ++i) pf[i] = pack_bf16(s[2 * i], s[2 * i + 1]);
}

// Accumulator fragment of m64n128: register 4j + 2h + e holds row (warp*16 + lane/4 + 8h), column
// 8j + 2(lane%4) + e of the warpgroup's 64 x 128 tile.
__device__ __forceinline__ void mask_tile(float (&s)[64], int64_t row0, int64_t col0, int64_t len_kv, bool causal,
                                          int64_t offset) {
  const int lane = threadIdx.x & 31;
#pragma unroll
  for (int j = 0; j < 16; ++j)
#pragma unroll
    for (int h = 0; h < 2; ++h)
#pragma unroll
      for (int e = 0; e < 2; ++e) {
        const int64_t col = col0 + 8 * j + 2 * (lane & 3) + e, row = row0 + 8 * h;
        if (col >= len_kv || (causal && col > row + offset)) s[4 * j + 2 * h + e] = -INFINITY;
      }
}

// Softmax step on one tile: new running max per row, p = 2^(s*scale - max) in place, returns the factor
// by which earlier accumulations must be scaled (per row).
__device__ __forceinline__ void softmax_tile(float (&s)[64], float (&m)[2], float (&l)[2], float (&alpha)[2],
                                             float scale_log2) {
#pragma unroll
  for (int h = 0; h < 2; ++h) {
    float mx = m[h];
#pragma unroll
    for (int j = 0; j < 16; ++j) mx = fmaxf(mx, fmaxf(s[4 * j + 2 * h], s[4 * j + 2 * h + 1]) * scale_log2);
    mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 1));
    mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 2));
    const float m_use = mx == -INFINITY ? 0.f : mx;
    alpha[h] = exp2f(m[h] - m_use);
    m[h] = mx;
    float sum = 0.f;
#pragma unroll
    for (int j = 0; j < 16; ++j) {
      s[4 * j + 2 * h] = exp2f(fmaf(s[4 * j + 2 * h], scale_log2, -m_use));
      s[4 * j + 2 * h + 1] = exp2f(fmaf(s[4 * j + 2 * h + 1], scale_log2, -m_use));
      sum += s[4 * j + 2 * h] + s[4 * j + 2 * h + 1];
    }
    l[h] = l[h] * alpha[h] + sum;
  }
}

__global__ void __launch_bounds__(kThreads, 1)
    flash_fwd_sm90_kernel(const __grid_constant__ CUtensorMap tm_q, const __grid_constant__ CUtensorMap tm_k,
                          const __grid_constant__ CUtensorMap tm_v, const Sm90Params p) {
  extern __shared__ unsigned char smem_raw[];
  unsigned char* smem = reinterpret_cast<unsigned char*>((reinterpret_cast<uintptr_t>(smem_raw) + 1023) & ~uintptr_t{1023});
  unsigned char* sQ = smem;
  unsigned char* sK = sQ + kTileBytes;
  unsigned char* sV = sK + kStages * kTileBytes;
  Barriers* bars = reinterpret_cast<Barriers*>(sV + kStages * kTileBytes);

  const int64_t m_tiles = (p.len_q + kBM - 1) / kBM;
  const detail::TileCoord tc = detail::tile_coord(blockIdx.x, m_tiles, p.heads_q, p.heads_kv, p.causal);
  const int h = tc.h, b = tc.b, hk = tc.hk;
  const int64_t m_tile = tc.m_tile;
  const int64_t m0 = m_tile * kBM;
  const int64_t offset = p.len_kv - p.len_q;
  int64_t n_end = p.len_kv;
  if (p.causal) n_end = min(n_end, m0 + kBM + offset);
  const int n_iters = n_end > 0 ? static_cast<int>((n_end + kBN - 1) / kBN) : 0;
  const int n_last = n_iters - 1;

  const int wg = threadIdx.x / 128;
  if (threadIdx.x == 0) {
    mbar_init(&bars->q_full, 1);
    for (int s = 0; s < kStages; ++s) {
      mbar_init(&bars->k_full[s], 1);
      mbar_init(&bars->v_full[s], 1);
      mbar_init(&bars->k_empty[s], 256);
      mbar_init(&bars->v_empty[s], 256);
    }
    tma::fence_mbar_init();
  }
  __syncthreads();

  if (wg == 0) {
    asm volatile("setmaxnreg.dec.sync.aligned.u32 24;\n");
    if (threadIdx.x == 0) {
      const int row0 = static_cast<int>(m0);
      mbar_expect_tx(&bars->q_full, kTileBytes);
      tma_load(sQ, &tm_q, 0, h, row0, b, &bars->q_full);
      tma_load(sQ + kHalfTile, &tm_q, 64, h, row0, b, &bars->q_full);
      for (int it = 0; it < n_iters; ++it) {
        const int n = n_last - it, st = it % kStages;
        const uint32_t ph = (it / kStages) & 1;
        const int key0 = n * kBN;
        mbar_wait(&bars->k_empty[st], ph ^ 1);
        mbar_expect_tx(&bars->k_full[st], kTileBytes);
        tma_load(sK + st * kTileBytes, &tm_k, 0, hk, key0, b, &bars->k_full[st]);
        tma_load(sK + st * kTileBytes + kHalfTile, &tm_k, 64, hk, key0, b, &bars->k_full[st]);
        mbar_wait(&bars->v_empty[st], ph ^ 1);
        mbar_expect_tx(&bars->v_full[st], kTileBytes);
        tma_load(sV + st * kTileBytes, &tm_v, 0, hk, key0, b, &bars->v_full[st]);
        tma_load(sV + st * kTileBytes + kHalfTile, &tm_v, 64, hk, key0, b, &bars->v_full[st]);
      }
    }
    return;
  }

  asm volatile("setmaxnreg.inc.sync.aligned.u32 240;\n");
  const int cw = wg - 1;  // consumer warpgroup: rows 64*cw .. 64*cw+63 of the tile
  const int warp = (threadIdx.x / 32) % 4, lane = threadIdx.x & 31;
  const int64_t row0 = m0 + 64 * cw + 16 * warp + lane / 4;  // this thread's first row (second: +8)
  const unsigned char* q_wg = sQ + cw * 64 * 128;            // 64 rows x 128 bytes into each half

  float o[64], s[64];
  uint32_t pf[32];
#pragma unroll
  for (int i = 0; i < 64; ++i) o[i] = 0.f;
  float m[2] = {-INFINITY, -INFINITY}, l[2] = {0.f, 0.f}, alpha[2];

  auto need_mask = [&](int n) {
    const int64_t key0 = int64_t{n} * kBN;
    return key0 + kBN > p.len_kv || (p.causal && key0 + kBN - 1 > m0 + 64 * cw + offset);
  };

  if (n_iters > 0) {
    mbar_wait(&bars->q_full, 0);
    mbar_wait(&bars->k_full[0], 0);
    wg::fence_regs(s);
    wg::fence();
    issue_qk(s, q_wg, sK);
    wg::commit();
    wg::wait<0>();
    wg::fence_regs(s);
    mbar_arrive(&bars->k_empty[0]);
    if (need_mask(n_last)) mask_tile(s, row0, int64_t{n_last} * kBN, p.len_kv, p.causal, offset);
    softmax_tile(s, m, l, alpha, p.scale_log2);
    pack_p(s, pf);

    for (int it = 1; it < n_iters; ++it) {
      const int n = n_last - it, st = it % kStages, prev = (it - 1) % kStages;
      const uint32_t ph = (it / kStages) & 1, ph_prev = ((it - 1) / kStages) & 1;
      mbar_wait(&bars->k_full[st], ph);
      mbar_wait(&bars->v_full[prev], ph_prev);
      wg::fence_regs(s);
      wg::fence_regs(o);
      wg::fence();
      issue_qk(s, q_wg, sK + st * kTileBytes);
      wg::commit();
      issue_pv(o, pf, sV + prev * kTileBytes);
      wg::commit();
      wg::wait<1>();  // S of this tile is ready; P V of the previous tile may still run
      wg::fence_regs(s);
      mbar_arrive(&bars->k_empty[st]);
      if (need_mask(n)) mask_tile(s, row0, int64_t{n} * kBN, p.len_kv, p.causal, offset);
      softmax_tile(s, m, l, alpha, p.scale_log2);
      wg::wait<0>();
      wg::fence_regs(o);
      mbar_arrive(&bars->v_empty[prev]);
#pragma unroll
      for (int j = 0; j < 16; ++j) {
        o[4 * j + 0] *= alpha[0], o[4 * j + 1] *= alpha[0];
        o[4 * j + 2] *= alpha[1], o[4 * j + 3] *= alpha[1];
      }
      pack_p(s, pf);
    }
    const int last = (n_iters - 1) % kStages;
    mbar_wait(&bars->v_full[last], ((n_iters - 1) / kStages) & 1);
    wg::fence_regs(o);
    wg::fence();
    issue_pv(o, pf, sV + last * kTileBytes);
    wg::commit();
    wg::wait<0>();
    wg::fence_regs(o);
    mbar_arrive(&bars->v_empty[last]);
  }

  // Normalise (the quad of lanes sharing a row sums its partial l) and store bf16 pairs.
#pragma unroll
  for (int hh = 0; hh < 2; ++hh) {
    float lt = l[hh];
    lt += __shfl_xor_sync(0xffffffffu, lt, 1);
    lt += __shfl_xor_sync(0xffffffffu, lt, 2);
    const float inv = lt > 0.f ? 1.f / lt : 0.f;
    const int64_t row = row0 + 8 * hh;
    if (row < p.len_q) {
      __nv_bfloat16* out = p.o + b * p.o_batch_stride + row * p.o_row_stride + h * p.o_head_stride + 2 * (lane & 3);
#pragma unroll
      for (int j = 0; j < 16; ++j)
        *reinterpret_cast<uint32_t*>(out + 8 * j) = pack_bf16(o[4 * j + 2 * hh] * inv, o[4 * j + 2 * hh + 1] * inv);
    }
  }
}

// [batch, len, heads, 128] bf16 with element strides, boxes of 64 columns x 128 rows, 128-byte swizzle.
bool make_map(CUtensorMap* map, const void* base, int heads, int64_t len, int batch, int64_t head_stride,
              int64_t row_stride, int64_t batch_stride) {
  auto fn = tma::encode_fn();
  if (!fn) return false;
  const cuuint64_t dims[4] = {128, static_cast<cuuint64_t>(heads), static_cast<cuuint64_t>(len), static_cast<cuuint64_t>(batch)};
  const cuuint64_t strides[3] = {static_cast<cuuint64_t>(head_stride) * 2, static_cast<cuuint64_t>(row_stride) * 2,
                                 static_cast<cuuint64_t>(batch_stride) * 2};
  const cuuint32_t box[4] = {64, 1, 128, 1};
  const cuuint32_t elem[4] = {1, 1, 1, 1};
  return fn(map, CU_TENSOR_MAP_DATA_TYPE_BFLOAT16, 4, const_cast<void*>(base), dims, strides, box, elem,
            CU_TENSOR_MAP_INTERLEAVE_NONE, CU_TENSOR_MAP_SWIZZLE_128B, CU_TENSOR_MAP_L2_PROMOTION_L2_256B,
            CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE) == CUDA_SUCCESS;
}

}  // namespace

cudaError_t attention_prefill_sm90(const AttentionArgs& a, cudaStream_t s) {
  if (!attention_prefill_supported(a, AttentionKernel::Wgmma)) return cudaErrorInvalidValue;
  if (a.batch <= 0 || a.len_q <= 0) return cudaSuccess;
  // TMA coordinates are 32-bit and strides below 2^40 bytes.
  if (a.len_q > 0x7fffffff || a.len_kv > 0x7fffffff) return cudaErrorInvalidValue;
  const int64_t blocks = (a.len_q + kBM - 1) / kBM * a.heads_q * a.batch;
  if (blocks > 0x7fffffff) return cudaErrorInvalidValue;
  CUtensorMap tq, tk, tv;
  if (!make_map(&tq, a.q, a.heads_q, a.len_q, a.batch, a.q_head_stride, a.q_row_stride, a.q_batch_stride) ||
      !make_map(&tk, a.k, a.heads_kv, a.len_kv, a.batch, a.k_head_stride, a.k_row_stride, a.k_batch_stride) ||
      !make_map(&tv, a.v, a.heads_kv, a.len_kv, a.batch, a.v_head_stride, a.v_row_stride, a.v_batch_stride))
    return cudaErrorInvalidValue;
  static std::once_flag once;
  static cudaError_t attr = cudaSuccess;
  std::call_once(once, [] {
    attr = cudaFuncSetAttribute(flash_fwd_sm90_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, kSmemBytes);
  });
  if (attr != cudaSuccess) return attr;
  Sm90Params p;
  p.heads_q = a.heads_q;
  p.heads_kv = a.heads_kv;
  p.batch = a.batch;
  p.len_q = a.len_q;
  p.len_kv = a.len_kv;
  p.o = static_cast<__nv_bfloat16*>(a.o);
  p.o_batch_stride = a.o_batch_stride;
  p.o_row_stride = a.o_row_stride;
  p.o_head_stride = a.o_head_stride;
  p.scale_log2 = a.scale * 1.4426950408889634f;
  p.causal = a.causal;
  flash_fwd_sm90_kernel<<<static_cast<unsigned>(blocks), kThreads, kSmemBytes, s>>>(tq, tk, tv, p);
  return cudaGetLastError();
}

}  // namespace mambascope::kernels
