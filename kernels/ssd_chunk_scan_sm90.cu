// SSD prefill on Hopper for headdim 64 and d_state 128 (the mamba2-2.7b and 2048-wide layer dims): the
// same one-kernel algorithm as ssd_chunk_scan.cu's mma.sync kernel -- chunk 256, one CTA per (chunk, up to 8
// heads of a group), C B^T once per CTA in registers, the inter-chunk state handed over through an L2 ring
// with per-head flags, CTAs in chunk order from an atomic ticket -- with its products on asynchronous
// warpgroup MMAs (wgmma) instead of warp-synchronous mma.sync.
//
// Why: the mma.sync kernel is latency-bound (profiles/h100/mamba2-notes.md): 8 warps per SM, each waiting on
// its own ldmatrix -> mma chains. wgmma reads its shared-memory operands itself (no ldmatrix, no fragment
// registers for them) and runs asynchronously, so a warpgroup computes the next products' operands (decayed
// C B^T blocks, the state hand-off) while the tensor cores work.
//
// CTA = 3 warpgroups (384 threads), warp-specialized: the inter-chunk chain (s_c, the ring poll, the state
// hand-off) runs in a producer warpgroup one head ahead of the two consumer warpgroups that compute y, so the
// chain's L2 round trips are off the consumers' path (named barriers in both directions, see kBarFull ...).
// Consumer warpgroup g owns chunk rows [64g, 64g+64) and [64(3-g), 64(3-g)+64): the causal blocks of the two
// halves add up to the same 20 k-steps of 16 for both. Per CTA:
//   G = C B^T (wgmma, both operands in shared memory), causal 64-column units of its two row tiles, kept as
//   bf16 A fragments (5 units x 16 registers).
// Per head, producer:
//   s_c = x^T diag(w) B (all 128 state columns; A = x^T from ldmatrix.trans scaled by w in bf16x2, B N-major);
//   S_prev polled from the ring while s_c runs; S_c = exp(cs_end) S_prev + s_c stored to the ring; bf16 S_prev,
//   the weights and x_j handed to the consumers; then the flag raised (the stores' fence under the hand-off).
// Copies: B_c, C_c and x_j come by bulk tensor copies (TMA, 256 x 64 boxes in the 128-byte swizzle the wgmma
// descriptors read) issued by one thread and completing on mbarriers; before them every thread issued 16-byte
// cp.async copies (32 a thread in the prologue, 16 a producer thread a head).
// Per head, consumers:
//   y = exp(cs_t) (C S_prev^T) (both operands in shared memory) + (G o decay o dt, causal; D on the diagonal) x
//   (A = the decayed G blocks in registers, decayed half a unit ahead of the MMAs; B = x N-major), one 64-row
//   tile at a time, stored straight from the accumulators as bf16 pairs; the high tile's C S_prev^T runs under
//   the low tile's stores. Both consumer warpgroups run one code path (see `consumer`).
// Registers: 384 threads leave 168 a thread. The consumers hold G (80 registers), y (32) and two decayed half
// units (16); decaying with bf16x2 multiplies (one instruction a register) kept the spills at 108 bytes
// (ptxas -v; f32 decays spilled 724); version 13 (one consumer code path, the overlapped C S_prev^T) spills
// none. setmaxnreg moves 8 registers a thread from the producer to the consumers (kConsumerRegs; with f32 decays
// it had made ptxas spill more, not less).
// ptxas miscompiles the bf16x2 decays unless the G fragments are made opaque to it (see `opaque_zero` below).
// Numerics: the operands are rounded to bf16 as in the mma.sync kernel, except that a decay factor pair is rounded
// to bf16 before it multiplies a G pair (the mma.sync kernel multiplies in f32 and rounds once); f32 accumulation.
#include <cuda_bf16.h>

#include "kernels/mamba2.h"
#include "kernels/mamba2_device.cuh"
#include "kernels/ssd_chunk_scan_sm90.h"
#include "kernels/tma.cuh"
#include "kernels/wgmma.cuh"

namespace mambascope::kernels {
namespace {

using namespace m2;

constexpr int P = 64, N = 128, Q = 256;
constexpr int kThreads = 384, kMaxHeads = 8;  // 2 consumer warpgroups + 1 producer
// Registers a thread after setmaxnreg (the launch gives 168 to all; 2 x 176 + 152 = 3 x 168, the CTA's allocation):
// the consumers hold G (80), y (32) and two decayed half units (16) and at 168 stored 12 / 7 G registers after G
// and reloaded them every head; at 176 (the producer at 152, single-buffered x^T fragments) ptxas leaves them 11 / 2
// reloads and the producer's chain step none (it had 9 reloads and 6 stores): profiles/h100/2026-12-07-sass-spills.py.
// With the bulk copies ptxas spilled 80 bytes (stores) and reloaded 6 / 13 G registers a head in the consumers;
// version 13 spills nothing.
constexpr int kConsumerRegs = 176, kProducerRegs = 3 * 168 - 2 * kConsumerRegs;
constexpr int kHalfQ = Q * 128;   // bytes of a [Q rows][64 cols] bf16 half tile
constexpr int kHalfP = P * 128;   // bytes of a [P rows][64 cols] half tile
// Shared memory (bytes from a 1024-byte aligned base).
constexpr int kB = 0;                        // B_c [Q][N]: two halves
constexpr int kC = kB + 2 * kHalfQ;          // C_c [Q][N]: two halves
constexpr int kX = kC + 2 * kHalfQ;          // x [Q][P]: two buffers (this head, the next)
constexpr int kSb = kX + 2 * kHalfQ;         // S_prev bf16 [P][N]: two halves
constexpr int kDt = kSb + 2 * kHalfP;        // dt [kMaxHeads][Q] f32
constexpr int kCs = kDt + kMaxHeads * Q * 4;  // within-chunk cumulative log2(e) dt*A [kMaxHeads][Q] f32
constexpr int kWdt = kCs + kMaxHeads * Q * 4;  // intra weights exp(cs_blockend - cs_s) dt_s [2][Q] f32, by head parity
constexpr int kTicket = kWdt + Q * 4;          // the CTA's tile, in the second weights buffer (first written at head 1)
constexpr int kUsed = kWdt + 2 * Q * 4;
// + alignment slack, which also holds the three mbarriers (kernel entry): 227 KB leave no other room.
constexpr int kSmem = kUsed + 1024;
static_assert(kSmem <= 227 * 1024, "shared memory over the per-block limit");

// The within-chunk cumulative sums of dt*A are kept in base-2 units (cs = log2(e) sum dt A), so a decay
// e^(cs_t - cs_s) is one ex2 of the difference: decay_exp<true>.
constexpr float kLog2e = 1.4426950408889634f;

// Byte offset of (row, col) in a tile of `Rows` rows stored as 64-column swizzled halves.
template <int Rows>
__device__ __forceinline__ uint32_t hsw(int row, int col) {
  return static_cast<uint32_t>((col >> 6) * Rows * 128) + swz<64>(row, col & 63);
}

// K-major descriptor of k-step kk (16 of the 128 state columns) of a [rows][N] tile starting at row `row0`.
__device__ __forceinline__ uint64_t desc_kn(uint32_t tile, int half_bytes, int row0, int kk) {
  return wg::make_desc(tile + (kk >> 2) * half_bytes + row0 * 128 + (kk & 3) * 32, 16, 1024);
}
// MN-major descriptor of k-step kk (rows 16kk..16kk+15) of a [Q][64] half tile.
__device__ __forceinline__ uint64_t desc_mn(uint32_t half, int kk) { return wg::make_desc(half + kk * 2048, kHalfQ, 1024); }

// Named barriers (id 0 is __syncthreads). The producer warpgroup arrives, the consumers sync, and back:
//   kBarFull  (all 384): S_prev(j) in bf16, the weights of head j and x_j are in shared memory;
//   kBarEmpty (all 384): the consumers are done reading S_prev(j) (their C S_prev^T products have completed);
//   kBarXFree + 2 (j % 2) (all 384): the consumers are done with x_j (its buffer may take x_{j+2}); two ids by
//     head parity, since the consumers may release x_{j+1} before the producer has synced on x_j's release
//     (constant ids in both branches: a register id makes ptxas reserve all 16 barriers);
//   kBarProd  (the producer's 128): its threads' ring stores / weights are all done.
// Every phase of a barrier gets exactly one arrival or sync from each of its threads (the conditions on j
// below are the same on both sides), so phases never mix.
constexpr int kBarFull = 1, kBarEmpty = 2, kBarXFree = 3, kBarProd = 4;  // and 5: kBarXFree of odd heads
// mbarriers (tma.cuh) the bulk tensor copies complete on: B_c and C_c, and x by buffer (x_j: buffer j % 2,
// phase j / 2).
struct Mbars {
  uint64_t bc, x[2];
};

__device__ __forceinline__ void bar_sync(int id, int n) { asm volatile("bar.sync %0, %1;\n" ::"r"(id), "r"(n) : "memory"); }
__device__ __forceinline__ void bar_arrive(int id, int n) { asm volatile("bar.arrive %0, %1;\n" ::"r"(id), "r"(n) : "memory"); }
// The release of x_j: consumers arrive, the producer syncs, on kBarXFree of j's parity (constant ids, see above).
__device__ __forceinline__ void xfree_arrive(int j) {
  if (j & 1) bar_arrive(kBarXFree + 2, 384);
  else bar_arrive(kBarXFree, 384);
}
__device__ __forceinline__ void xfree_sync(int j) {
  if (j & 1) bar_sync(kBarXFree + 2, 384);
  else bar_sync(kBarXFree, 384);
}

// The producer warpgroup (threads 256..383): per head j, one head ahead of the consumers,
//   s_c = x^T diag(exp(cs_end - cs_s) dt_s) B (all 128 state columns as two m64n64 products sharing their A
//   fragments: x^T from ldmatrix.trans scaled by the weights in bf16x2; B N-major), the flag polled while s_c
//   runs, then S_prev read from the ring,
//   S_c = exp(cs_end) S_prev + s_c stored to the ring, bf16 S_prev for the consumers' C S_prev^T, the ring
//   slot's flag raised (the inter-chunk chain), and x_{j+1}'s bulk copy (one thread) once the consumers have
//   released x_{j-1} (x_{j+2} is prefetched into L2 at the top of head j, so that copy is an L2 hit).
__device__ __forceinline__ void producer(const SsdScanArgs& a, const CUtensorMap* tm_x, int k, int c, int h0, int64_t t0,
                                         bool last_chunk, float* ring, unsigned* flags, unsigned char* smem, Mbars* mb) {
  const int ptid = threadIdx.x - 256, lane = ptid & 31, w = ptid >> 5;
  const int gq = lane >> 2, q = lane & 3;
  const size_t PN = static_cast<size_t>(P) * N;
  const uint32_t base = smem_u32(smem);
  const uint32_t sB = base + kB, sX0 = base + kX;
  const float* dts = reinterpret_cast<const float*>(smem + kDt);
  const float* css = reinterpret_cast<const float*>(smem + kCs);
  // ldmatrix.trans offsets of this warp's x^T fragments (16 P rows; see ssd_chunk_scan.cu, pattern b).
  const int lr_b = (lane & 7) + (lane >> 4) * 8, lc_b = ((lane >> 3) & 1) * 8;
  const uint32_t offXt = swz<64>(lr_b, w * 16 + lc_b);

  for (int j = 0; j < k; ++j) {
    const int h = h0 + j;
    const uint32_t sX = sX0 + (j & 1) * kHalfQ;
    const float* cs = css + j * Q;
    const float* dt = dts + j * Q;
    // x_{j+2} into L2 now: its copy (after kBarXFree, next head) is on the producer's path to kBarFull and,
    // from L2 instead of HBM, shortens it (2048-wide layer 1.27 -> 1.15 ms; profiles/h100/mamba2-notes.md).
    if (j + 2 < k && ptid == 0) tma::prefetch_2d(tm_x, (h + 2) * P, static_cast<int>(t0));
    // Weights of head j in the buffer of its parity: the consumers read head j-2's from it, and they have
    // released x_{j-2} (kBarXFree, before x_j's copy) after their last read of them.
    float* wdt = reinterpret_cast<float*>(smem + kWdt) + (j & 1) * Q;
    tma::mbar_wait(&mb->x[j & 1], (j >> 1) & 1);  // x_j has landed
    for (int t = ptid; t < Q; t += 128) wdt[t] = decay_exp<true>(cs[t | 15] - cs[t]) * dt[t];
    bar_sync(kBarProd, 128);  // the weights complete

    float sacc[2][32];  // state columns [0, 64) and [64, 128)
    {
      // Four batches of four k-steps, one fragment buffer: a batch's x^T fragments are built once the previous
      // batch has completed (two buffers overlapped that, but kept 16 more registers live across the flag poll,
      // which made the producer spill in its chain step -- see kConsumerRegs).
      uint32_t xa[4][4];
      auto build = [&](int bt, uint32_t(&f)[4][4]) {
#pragma unroll
        for (int kk = 0; kk < 4; ++kk) {
          const int ks = 4 * bt + kk;
          ldmatrix_x4_trans(sX + offXt + ks * 16 * 128, f[kk]);
          // weights exp(cs_end - cs_s) dt_s of columns s = 16ks + 2q (+1) and + 8 (+1), as bf16 pairs
          const float fb = decay_exp<true>(cs[Q - 1] - cs[ks * 16 + 15]);
          const float2 va = *reinterpret_cast<const float2*>(wdt + ks * 16 + 2 * q);
          const float2 vb = *reinterpret_cast<const float2*>(wdt + ks * 16 + 8 + 2 * q);
          const uint32_t w0 = pack_bf16(fb * va.x, fb * va.y), w1 = pack_bf16(fb * vb.x, fb * vb.y);
          f[kk][0] = hmul2(f[kk][0], w0), f[kk][1] = hmul2(f[kk][1], w0);
          f[kk][2] = hmul2(f[kk][2], w1), f[kk][3] = hmul2(f[kk][3], w1);
        }
      };
      auto issue = [&](int bt, const uint32_t(&f)[4][4]) {
        wg::fence();
#pragma unroll
        for (int kk = 0; kk < 4; ++kk) {
          wg::mma_rs_m64n64_tb(sacc[0], f[kk], desc_mn(sB, 4 * bt + kk), bt + kk > 0);
          wg::mma_rs_m64n64_tb(sacc[1], f[kk], desc_mn(sB + kHalfQ, 4 * bt + kk), bt + kk > 0);
        }
        wg::commit();
      };
#pragma unroll
      for (int bt = 0; bt < Q / 64; ++bt) {
        if (bt > 0) {
          wg::wait<0>();  // batch bt-1 has read its fragments
          wg::fence_regs(xa[0]), wg::fence_regs(xa[1]), wg::fence_regs(xa[2]), wg::fence_regs(xa[3]);
        }
        build(bt, xa);
        issue(bt, xa);
      }
    }

    // S_prev: each thread polls the flag itself (acquire) while s_c runs, then reads its part of the state. Ring
    // slots hold a state in this warpgroup's accumulator order -- thread ptid's 64 values as 16 float4 at
    // [i][ptid], written and read by the same thread mapping -- so a thread moves its state in 16 coalesced
    // 16-byte loads and stores. The initial and final states are [P][N] row-major.
    const size_t slot_stride = 2 * PN;
    float sp[64];
    if (c > 0) {
      const long long t_start = clock64();
      // The exit test is a warp vote, so the loop is warp-uniform (a divergent path between wgmma issue and
      // wait makes ptxas serialize the wgmmas).
      while (!__all_sync(0xffffffffu, ld_flag_acquire(flags + h) >= static_cast<unsigned>(c))) {
        __nanosleep(32);
        if (clock64() - t_start > (1ll << 32)) __trap();  // seconds: a broken chain fails loudly, never hangs
      }
      const float4* src = reinterpret_cast<const float4*>(ring + h * slot_stride + ((c - 1) & 1) * PN) + ptid;
#pragma unroll
      for (int i = 0; i < 16; ++i) {
        const float4 v = __ldcg(src + i * 128);
        sp[4 * i] = v.x, sp[4 * i + 1] = v.y, sp[4 * i + 2] = v.z, sp[4 * i + 3] = v.w;
      }
    } else {
      const float* init = a.init_state ? a.init_state + h * PN : nullptr;
#pragma unroll
      for (int nt = 0; nt < 16; ++nt) {
        const int p = w * 16 + gq, n = nt * 8 + 2 * q;
        float2 v0 = make_float2(0.f, 0.f), v1 = v0;
        if (init) {
          v0 = __ldcg(reinterpret_cast<const float2*>(init + p * N + n));
          v1 = __ldcg(reinterpret_cast<const float2*>(init + (p + 8) * N + n));
        }
        sp[4 * nt] = v0.x, sp[4 * nt + 1] = v0.y, sp[4 * nt + 2] = v1.x, sp[4 * nt + 3] = v1.y;
      }
    }
    wg::wait<0>();
    wg::fence_regs(sacc[0]), wg::fence_regs(sacc[1]);

    // S_prev goes to the consumers first (they wait for it at kBarFull), S_c = exp(cs_end) S_prev + s_c to ring
    // slot c%2 (or the final state) meanwhile: the ring stores are issued, then bf16 S_prev is written to shared
    // memory once the consumers are done with head j-1's, then the flag is raised (the stores' fence overlaps
    // the shared-memory stores).
    {
      const float decay = decay_exp<true>(cs[Q - 1]);
      auto sc = [&](int i) { return decay * sp[i] + sacc[i >> 5][i & 31]; };
      if (last_chunk) {
        float* dst = a.final_state + h * PN;
#pragma unroll
        for (int nt = 0; nt < 16; ++nt) {
          const int p = w * 16 + gq, n = nt * 8 + 2 * q;
          __stcg(reinterpret_cast<float2*>(dst + p * N + n), make_float2(sc(4 * nt), sc(4 * nt + 1)));
          __stcg(reinterpret_cast<float2*>(dst + (p + 8) * N + n), make_float2(sc(4 * nt + 2), sc(4 * nt + 3)));
        }
      } else {
        float4* dst = reinterpret_cast<float4*>(ring + h * slot_stride + (c & 1) * PN) + ptid;
#pragma unroll
        for (int i = 0; i < 16; ++i) __stcg(dst + i * 128, make_float4(sc(4 * i), sc(4 * i + 1), sc(4 * i + 2), sc(4 * i + 3)));
      }
    }
    // bf16 S_prev for the consumers, once they are done with head j-1's (sp is in the accumulator order either way).
    if (j > 0) bar_sync(kBarEmpty, 384);
#pragma unroll
    for (int nt = 0; nt < 16; ++nt) {
      const int p = w * 16 + gq, n = nt * 8 + 2 * q;
      *reinterpret_cast<uint32_t*>(smem + kSb + hsw<P>(p, n)) = pack_bf16(sp[4 * nt], sp[4 * nt + 1]);
      *reinterpret_cast<uint32_t*>(smem + kSb + hsw<P>(p + 8, n)) = pack_bf16(sp[4 * nt + 2], sp[4 * nt + 3]);
    }
    wg::fence_proxy_async();  // S_prev is read by the consumers' wgmmas
    bar_arrive(kBarFull, 384);
    bar_sync(kBarProd, 128);  // S_c stored by every producer thread
    if (ptid == 0 && !last_chunk) {
      __threadfence();
      st_flag(flags + h, static_cast<unsigned>(c + 1));
    }

    // x_{j+1} goes where x_{j-1} was (x_0 and x_1 came with the prologue).
    if (j > 0 && j + 1 < k) {
      xfree_sync(j - 1);
      if (ptid == 0) {
        const int b = (j + 1) & 1;
        tma::mbar_expect_tx(&mb->x[b], kHalfQ);
        tma::load_2d(sX0 + b * kHalfQ, tm_x, (h + 1) * P, static_cast<int>(t0), &mb->x[b]);
      }
    }
  }
}

// The fixed slots of a tile pass (below), in issue order.
template <int... S>
struct Slots {
  static constexpr int n = sizeof...(S);
  __device__ static constexpr int at(int i) {
    constexpr int v[n] = {S...};
    return v[i];
  }
};

// A consumer warpgroup (g = 0, 1: threads 128 g ..): G once, then per head the y of its two row tiles, g and 3 - g
// (1 + g and 4 - g causal 64-column units: 5 for both). Both warpgroups run one code path, with their units in
// five slots of G fragments:
//   slot 0: the unit the two place differently -- g = 1: its low tile's off-diagonal unit (tile 1 x columns
//           [0, 64)); g = 0: its high tile's third unit (tile 3 x columns [128, 192)) -- taken at the end of the
//           low-tile pass by g = 1 and of the high-tile pass by g = 0 (a whole unit, so the decayed-fragment
//           buffers keep a compile-time parity either way);
//   slot 1: the low tile's diagonal unit;  slots 2, 3: the high tile's first two units;  slot 4: its diagonal unit.
// Slots, and which are diagonal, are compile-time; the row tiles and column units behind them are uniform run-time
// values. (Version 11 instantiated the consumer once per warpgroup with its units compile-time: 10 units of code
// instead of 6, 105 KB of SASS, and a fifth of the warps' stall samples waiting for instructions -- ncu, version 12.)
__device__ __forceinline__ void consumer(const SsdScanArgs& a, int g, int k, int h0, int64_t t0, int valid, unsigned char* smem,
                                         Mbars* mb) {
  constexpr int kSlots = 5;
  const int tid = threadIdx.x, lane = tid & 31, w = (tid >> 5) & 3;
  const int gq = lane >> 2, q = lane & 3;
  const uint32_t base = smem_u32(smem);
  const uint32_t sB = base + kB, sC = base + kC, sX0 = base + kX, sSb = base + kSb;
  const float* dts = reinterpret_cast<const float*>(smem + kDt);
  const float* css = reinterpret_cast<const float*>(smem + kCs);
  const int tLo = g, tHi = 3 - g;

  // (row tile, column unit) of a slot; s is a constant once the loops below are unrolled.
  auto tile_of = [&](int s) { return s == 0 ? 3 - 2 * g : s == 1 ? tLo : tHi; };
  auto col_of = [&](int s) { return s == 0 ? 2 - 2 * g : s == 1 ? tLo : s == 4 ? tHi : s - 2; };

  // ---- G = C B^T: slot s = rows of tile_of(s) x columns [64 col_of(s), +64), as bf16 A fragments ----
  // ptxas (CUDA 13.0, -O3 and -O2) miscompiles this kernel when the G fragments feed bf16x2 multiplies: it drops
  // three of the ten wgmma groups computing G (a placeholder HGMMA.64x8x16 RZ is left in the SASS) and reads
  // those units' fragments from other units' registers -- the PTX is right, y comes out wrong (rel_l2 ~1). XORing
  // each fragment with a distinct multiple of a zero ptxas cannot see through stops it (found with cuobjdump:
  // profiles/h100/mamba2-notes.md, version 7). tests/kernels/test_sass_wgmma.cpp checks the SASS on CI (no GPU
  // needed) and the GPU tests check y.
  unsigned opaque_zero;
  asm volatile("mov.u32 %0, %%dynamic_smem_size;" : "=r"(opaque_zero));
  opaque_zero >>= 24;  // dynamic shared memory is < 16 MiB
  uint32_t gf[kSlots][16];
  {
    float acc[2][32];
    auto issue = [&](int s, float(&d)[32]) {
      const int r0 = 64 * tile_of(s), c0 = 64 * col_of(s);
      wg::fence();
#pragma unroll
      for (int kk = 0; kk < N / 16; ++kk) wg::mma_ss_m64n64(d, desc_kn(sC, kHalfQ, r0, kk), desc_kn(sB, kHalfQ, c0, kk), kk > 0);
      wg::commit();
    };
    issue(0, acc[0]);
#pragma unroll
    for (int s = 0; s < kSlots; ++s) {
      if (s + 1 < kSlots) {
        wg::fence_regs(acc[(s + 1) & 1]);
        issue(s + 1, acc[(s + 1) & 1]);
        wg::wait<1>();
      } else {
        wg::wait<0>();
      }
      wg::fence_regs(acc[s & 1]);
#pragma unroll
      for (int i = 0; i < 16; ++i) gf[s][i] = pack_bf16(acc[s & 1][2 * i], acc[s & 1][2 * i + 1]) ^ (opaque_zero * (16 * s + i + 1));
    }
  }

  // D of the next head is loaded a head ahead (the first diagonal block needs it right after kBarFull).
  float Dnext = a.head.D ? a.head.D[h0] : 0.f;
  for (int j = 0; j < k; ++j) {
    const int h = h0 + j;
    const uint32_t sX = sX0 + (j & 1) * kHalfQ;
    const float* cs = css + j * Q;
    const float* dt = dts + j * Q;
    const float* wdt = reinterpret_cast<const float*>(smem + kWdt) + (j & 1) * Q;
    const float Dh = Dnext;
    if (a.head.D && j + 1 < k) Dnext = a.head.D[h + 1];
    bar_sync(kBarFull, 384);  // S_prev(j), the weights and x_j are there
    tma::mbar_wait(&mb->x[j & 1], (j >> 1) & 1);  // (the producer has seen x_j land; this orders the copy for us too)

    // ---- y, one 64-row tile at a time: exp(cs_t) C S_prev^T (tensor cores; the first decayed G blocks are
    // computed meanwhile) + (G o decay o dt, causal; D on the diagonal) x, stored straight from the accumulators ----
    // Decayed blocks of half hv of slot s: (G o exp(cs_t - cs_s) dt_s, s <= t; + D on the diagonal) as bf16 A
    // fragments. Off-diagonal blocks factor the decay through the block's last token (exp(cs_t - cs_r) * wdt_s,
    // both <= 1). Only the diagonal slots (1, 4) hold diagonal blocks (this warp's is block w of the unit); there
    // the block is picked out by selects and the rest by selects too, so the code has no warp-dependent branch.
    auto decay_half = [&](int s, int hv, uint32_t(&out)[8]) {
      const bool diag = s == 1 || s == 4;
      const int kb0 = 2 * hv, col = col_of(s);
      const int i = 4 * tile_of(s) + w;  // this warp's 16-row tile
      const int ta = i * 16 + gq, tb = ta + 8;
      const float csa = cs[ta], csb = cs[tb];
#pragma unroll
      for (int b = 0; b < 2; ++b) {
        const int kb = kb0 + b, jb = 4 * col + kb;
        const int sa = jb * 16 + 2 * q, sb = sa + 8;
        const uint32_t* g4 = &gf[s][4 * kb];
        const float ref = cs[jb * 16 + 15];
        const float ra = decay_exp<true>(csa - ref), rb = decay_exp<true>(csb - ref);
        const float2 wa = *reinterpret_cast<const float2*>(wdt + sa);
        const float2 wb = *reinterpret_cast<const float2*>(wdt + sb);
        // bf16x2: the factor pair rounded to bf16, one multiply a register (the mma.sync kernel rounds once, in f32)
        out[4 * b + 0] = hmul2(g4[0], pack_bf16(ra * wa.x, ra * wa.y));
        out[4 * b + 1] = hmul2(g4[1], pack_bf16(rb * wa.x, rb * wa.y));
        out[4 * b + 2] = hmul2(g4[2], pack_bf16(ra * wb.x, ra * wb.y));
        out[4 * b + 3] = hmul2(g4[3], pack_bf16(rb * wb.x, rb * wb.y));
      }
      if (diag && (w >> 1) == hv) {  // warp-uniform: no divergence
        uint32_t g4[4];
#pragma unroll
        for (int r = 0; r < 4; ++r) g4[r] = w == kb0 ? gf[s][4 * kb0 + r] : gf[s][4 * kb0 + 4 + r];  // (used when w is kb0 or kb0+1)
        const int sa = i * 16 + 2 * q;
        float m[8] = {bf16_lo(g4[0]), bf16_hi(g4[0]), bf16_lo(g4[1]), bf16_hi(g4[1]),
                      bf16_lo(g4[2]), bf16_hi(g4[2]), bf16_lo(g4[3]), bf16_hi(g4[3])};
        decay_diagonal<true>(m, ta, sa, cs, dt, Dh);  // the D skip rides on the diagonal
        const uint32_t d4[4] = {pack_bf16(m[0], m[1]), pack_bf16(m[2], m[3]), pack_bf16(m[4], m[5]), pack_bf16(m[6], m[7])};
#pragma unroll
        for (int b = 0; b < 2; ++b)
#pragma unroll
          for (int r = 0; r < 4; ++r) out[4 * b + r] = kb0 + b < w ? out[4 * b + r] : kb0 + b == w ? d4[r] : 0u;
      } else if (diag && hv == 0) {  // blocks 0, 1 when the diagonal is block 2 or 3: kept
      } else if (diag) {             // blocks 2, 3 when the diagonal is block 0 or 1: zero
#pragma unroll
        for (int r = 0; r < 8; ++r) out[r] = 0u;
      }
    };
    __nv_bfloat16* gy = static_cast<__nv_bfloat16*>(a.y) + static_cast<int64_t>(h) * P + 2 * q;
    // C S_prev^T of a 64-row tile into y (issued, not waited for).
    auto issue_cs = [&](float(&y)[32], int tile) {
      wg::fence();
#pragma unroll
      for (int kk = 0; kk < N / 16; ++kk) wg::mma_ss_m64n64(y, desc_kn(sC, kHalfQ, 64 * tile, kk), desc_kn(sSb, kHalfP, 0, kk), kk > 0);
      wg::commit();
    };
    // One 64-row tile: the fixed slots SL in order, then slot 0 when `opt`. y holds the tile's C S_prev^T in flight
    // (issue_cs); before_store runs after the pass's last MMA, before its stores.
    auto tile_pass = [&](auto slots, float(&y)[32], int tile, bool opt, bool release_sb, auto before_store) {
      using SL = decltype(slots);
      constexpr int nh = 2 * SL::n;  // halves of the fixed slots
      uint32_t dec[2][8];  // decayed fragments of two k-blocks (half a unit): the next half decays while one runs
      decay_half(SL::at(0), 0, dec[0]);
      wg::wait<0>();
      wg::fence_regs(y);
      if (release_sb) bar_arrive(kBarEmpty, 384);  // both of this warpgroup's C S_prev^T products are done
      const int ta = (4 * tile + w) * 16 + gq;
      {
        const float ea = decay_exp<true>(cs[ta]), eb = decay_exp<true>(cs[ta + 8]);
#pragma unroll
        for (int nt = 0; nt < 8; ++nt) y[4 * nt] *= ea, y[4 * nt + 1] *= ea, y[4 * nt + 2] *= eb, y[4 * nt + 3] *= eb;
      }
      auto mma_half = [&](int s, int hv, uint32_t(&f)[8]) {
        wg::fence_regs(f);
        wg::fence();
#pragma unroll
        for (int b = 0; b < 2; ++b) {
          const uint32_t af[4] = {f[4 * b], f[4 * b + 1], f[4 * b + 2], f[4 * b + 3]};
          wg::mma_rs_m64n64_tb(y, af, desc_mn(sX, 4 * col_of(s) + 2 * hv + b), 1);
        }
        wg::commit();
      };
#pragma unroll
      for (int v = 0; v < nh; ++v) {
        mma_half(SL::at(v >> 1), v & 1, dec[v & 1]);
        if (v + 1 < nh) {
          if (v > 0) wg::wait<1>();  // half v-1 has read the buffer half v+1 decays into
          wg::fence_regs(dec[(v + 1) & 1]);
          decay_half(SL::at((v + 1) >> 1), (v + 1) & 1, dec[(v + 1) & 1]);
        }
      }
      if (opt) {  // slot 0: halves nh, nh + 1 (nh is even, so buffers 0, 1)
#pragma unroll
        for (int hv = 0; hv < 2; ++hv) {
          wg::wait<1>();  // half nh + hv - 2 has read buffer hv
          wg::fence_regs(dec[hv]);
          decay_half(0, hv, dec[hv]);
          mma_half(0, hv, dec[hv]);
        }
      }
      wg::wait<0>();
      wg::fence_regs(y);
      before_store();
      // Rows ta, ta+8; columns 8nt + 2(lane%4), +1: bf16 pairs (4 bytes; a quad of lanes fills 16 contiguous bytes).
      const int64_t r0 = t0 + ta;
      if (ta < valid) {
#pragma unroll
        for (int nt = 0; nt < 8; ++nt) *reinterpret_cast<uint32_t*>(gy + r0 * a.ldy + 8 * nt) = pack_bf16(y[4 * nt], y[4 * nt + 1]);
      }
      if (ta + 8 < valid) {
#pragma unroll
        for (int nt = 0; nt < 8; ++nt)
          *reinterpret_cast<uint32_t*>(gy + (r0 + 8) * a.ldy + 8 * nt) = pack_bf16(y[4 * nt + 2], y[4 * nt + 3]);
      }
    };
    // The high tile's C S_prev^T runs while the low tile's y is stored.
    float ylo[32], yhi[32];
    issue_cs(ylo, tLo);
    tile_pass(Slots<1>{}, ylo, tLo, g == 1, false, [&] { issue_cs(yhi, tHi); });
    tile_pass(Slots<2, 3, 4>{}, yhi, tHi, g == 0, j + 1 < k, [] {});
    if (j + 2 < k) xfree_arrive(j);  // every MMA reading x_j has completed (tile_pass waits for them)
  }
}

__global__ void __launch_bounds__(kThreads, 1)
    ssd_chunk_scan_sm90_kernel(const SsdScanArgs a, const __grid_constant__ CUtensorMap tm_x, const __grid_constant__ CUtensorMap tm_b,
                               const __grid_constant__ CUtensorMap tm_c, int k, int nchunks, int nhb, float* ring, unsigned* flags,
                               unsigned* ticket) {
  extern __shared__ unsigned char smem_raw[];
  // Aligned by an offset from smem_raw (not through an integer cast), so the compiler still knows every pointer
  // derived from it is shared memory: ld.shared (LDS), not generic loads.
  const unsigned pad = (1024u - (smem_u32(smem_raw) & 1023u)) & 1023u;
  unsigned char* smem = smem_raw + pad;
  // The mbarriers go in the 1024 bytes of slack: before the aligned base when the padding has room for them,
  // else after kUsed (then at least 1024 - 24 bytes are left there).
  Mbars* mb = reinterpret_cast<Mbars*>(pad >= sizeof(Mbars) ? smem_raw : smem + kUsed);
  const int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31;
  if (tid == 0) {
    tma::mbar_init(&mb->bc, 1);
    tma::mbar_init(&mb->x[0], 1);
    tma::mbar_init(&mb->x[1], 1);
    tma::fence_mbar_init();
  }
  const SsdTile tl = claim_ssd_tile(a, k, nhb, Q, ticket, reinterpret_cast<int*>(smem + kTicket));  // (a CTA barrier)
  const int c = tl.c, h0 = tl.h0, grp = tl.grp, valid = tl.valid;
  const int64_t t0 = tl.t0;

  // B_c, C_c (shared by the CTA's heads) and x of its first two heads as bulk tensor copies, one box of 256 rows x
  // 64 columns (a swizzled half tile) each; rows past the end of the sequence are zero-filled by the copy engine.
  const uint32_t base = smem_u32(smem);
  if (tid == 0) {
    const int row = static_cast<int>(t0);
    tma::mbar_expect_tx(&mb->bc, 4 * kHalfQ);
    for (int half = 0; half < 2; ++half) {
      tma::load_2d(base + kB + half * kHalfQ, &tm_b, grp * N + 64 * half, row, &mb->bc);
      tma::load_2d(base + kC + half * kHalfQ, &tm_c, grp * N + 64 * half, row, &mb->bc);
    }
    for (int j = 0; j < 2 && j < k; ++j) {
      tma::mbar_expect_tx(&mb->x[j], kHalfQ);
      tma::load_2d(base + kX + j * kHalfQ, &tm_x, (h0 + j) * P, row, &mb->x[j]);
    }
  }

  // dt and the within-chunk cumulative sums of dt*A: warp w handles head h0 + w (while the copies run).
  if (warp < k)
    chunk_dt_cumsum<Q>(a.head, h0 + warp, t0, valid, lane, reinterpret_cast<float*>(smem + kDt) + warp * Q,
                       reinterpret_cast<float*>(smem + kCs) + warp * Q, kLog2e);
  __syncthreads();
  tma::mbar_wait(&mb->bc, 0);

  if (warp < 8) {
    asm volatile("setmaxnreg.inc.sync.aligned.u32 %0;\n" ::"n"(kConsumerRegs) : "memory");
    consumer(a, warp >> 2, k, h0, t0, valid, smem, mb);
  } else {
    asm volatile("setmaxnreg.dec.sync.aligned.u32 %0;\n" ::"n"(kProducerRegs) : "memory");
    producer(a, &tm_x, k, c, h0, t0, c == nchunks - 1, ring, flags, smem, mb);
  }
}

// A 2-D tensor map of a bf16 [rows][cols] matrix with row stride ld (elements): boxes of 256 rows x 64 columns,
// 128-byte swizzle (the layout the wgmma descriptors read), out-of-range elements read as zeros.
bool make_map(CUtensorMap* map, const void* p, int64_t cols, int64_t rows, int64_t ld) {
  auto fn = tma::encode_fn();
  if (!fn) return false;
  const cuuint64_t dims[2] = {static_cast<cuuint64_t>(cols), static_cast<cuuint64_t>(rows)};
  const cuuint64_t strides[1] = {static_cast<cuuint64_t>(ld) * 2};
  const cuuint32_t box[2] = {64, static_cast<cuuint32_t>(Q)};
  const cuuint32_t elem[2] = {1, 1};
  return fn(map, CU_TENSOR_MAP_DATA_TYPE_BFLOAT16, 2, const_cast<void*>(p), dims, strides, box, elem, CU_TENSOR_MAP_INTERLEAVE_NONE,
            CU_TENSOR_MAP_SWIZZLE_128B, CU_TENSOR_MAP_L2_PROMOTION_L2_256B, CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE) == CUDA_SUCCESS;
}

}  // namespace

bool ssd_chunk_scan_sm90_supported(const SsdScanArgs& a) {
  auto aligned = [](const void* p, int64_t ld) { return reinterpret_cast<uintptr_t>(p) % 16 == 0 && ld % 8 == 0 && ld > 0; };
  return a.P == P && a.N == N && a.L < (int64_t{1} << 31) && aligned(a.x, a.ldx) && aligned(a.B, a.ldb) && aligned(a.C, a.ldc);
}

cudaError_t ssd_chunk_scan_sm90(const SsdScanArgs& a, int k, int nchunks, int nhb, float* ring, unsigned* flags, unsigned* ticket,
                                cudaStream_t s) {
  if (!ssd_chunk_scan_sm90_supported(a)) return cudaErrorInvalidValue;
  CUtensorMap tm_x, tm_b, tm_c;
  if (!make_map(&tm_x, a.x, a.H * P, a.L, a.ldx) || !make_map(&tm_b, a.B, a.G * N, a.L, a.ldb) ||
      !make_map(&tm_c, a.C, a.G * N, a.L, a.ldc))
    return cudaErrorInvalidValue;
  static const cudaError_t attr = cudaFuncSetAttribute(ssd_chunk_scan_sm90_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, kSmem);
  if (attr != cudaSuccess) return attr;
  ssd_chunk_scan_sm90_kernel<<<nchunks * nhb, kThreads, kSmem, s>>>(a, tm_x, tm_b, tm_c, k, nchunks, nhb, ring, flags, ticket);
  return cudaGetLastError();
}

}  // namespace mambascope::kernels
