// SSD prefill (Mamba-2's chunked scan) in one kernel, with the inter-chunk state passed between CTAs through
// L2 (decoupled look-back style) so that neither chunk states nor intermediate tensors touch DRAM.
//
// Work unit (one CTA): one chunk c of Q tokens and k heads h0..h0+k-1 of one B/C group (k = the largest
// divisor of H/G up to 8). Q is the kernel's own chunk (256 for headdim 64, 128 for headdim 128, to fit the
// registers); the chunked form equals the recurrence for any chunk, so the layer's chunk_size does not enter. CTAs take tiles in chunk-major order from an atomic ticket, so the CTA a tile
// waits on (same heads, chunk c-1) has always started: no deadlock whatever the residency.
// Per CTA:
//   1. cp.async B_c, C_c [Q, N] (shared by the k heads) and x of the first heads [Q, P] into swizzled smem;
//      dt -> softplus -> dA cumulative sums per head (one warp per head).
//   2. G = C_c B_c^T on tensor cores, lower-triangular 16x16 blocks only, kept in registers as bf16 MMA
//      A-fragments for the whole CTA (warp w owns row tiles {w, Q/16-1-w}: balanced causal work).
//   3. per head (x of the next head streams in meanwhile):
//      a. s_c = x^T diag(exp(cs_end - cs) dt) B  (the chunk's own end state, [P, N] f32 in registers; the
//         weights are applied to x in bf16x2 arithmetic);
//      b. S_prev (state entering the chunk) is read from an L2-resident ring written by the CTA of chunk
//         c-1 (or the initial state), once a per-head progress flag says it is there (the flag is probed
//         at the start of the head and awaited halfway through a.); S_c = exp(cs_end) S_prev + s_c is
//         written for chunk c+1 (or as the final state) and its flag raised right away;
//      c. y = exp(cs_t) C S_prev^T + (G o decay o dt, causal) x + D x  (tensor cores, f32 accumulation; D rides
//         on the diagonal of the decayed G), staged through smem and stored with 16-byte writes.
// The decay exp(cs_t - cs_s) of off-diagonal 16x16 blocks is factored through the block's last token
// (exp(cs_t - cs_r) exp(cs_r - cs_s), both <= 1), so only diagonal blocks take per-element exponentials.
// Rounding: operands of the tensor-core products are bf16 (x, B, C as given; G, the decayed G, the
// dt-weighted x and S_prev rounded to bf16), accumulation and states f32 -- as in the reference Triton kernels,
// which round the same operands (the weights of x are themselves rounded to bf16 here: one rounding more; and
// D joins the diagonal of the decayed C B^T before its rounding, where the reference adds D x in f32).
#include <cuda_bf16.h>

#include "kernels/mamba2.h"
#include "kernels/mamba2_device.cuh"
#include "kernels/ssd_chunk_scan_sm90.h"

namespace mambascope::kernels {
namespace {

using namespace m2;

constexpr int kWarps = 8;
constexpr int kThreads = kWarps * 32;
constexpr int kMaxHeadsPerCta = 8;

template <int P_, int N_, int Q_>
struct Cfg {
  static constexpr int P = P_, N = N_, Q = Q_;
  static constexpr int RT = Q / 16;                  // 16-row tiles of the chunk
  static constexpr int kPairs = RT / 2;              // row-tile pairs {i, RT-1-i}
  static constexpr int kPSplit = kWarps / kPairs;
  static constexpr int PW = P / kPSplit;             // y columns per warp
  static constexpr int kGBlocks = RT + 1;            // causal 16x16 blocks of a pair
  static constexpr int MT = P / 16;                  // s_c: 16-row tiles of P
  static constexpr int kWarpsPerMT = kWarps / MT;
  static constexpr int NS = N / kWarpsPerMT;         // s_c: state columns per warp
  // k-step of s_c at which S_prev is awaited and prefetched: halfway, later when the state is large (registers)
  static constexpr int kPrefetchK = NS >= 128 ? Q / 16 - 2 : Q / 32;
  static_assert(kPairs * kPSplit == kWarps && PW == 64, "unsupported (P, Q)");
  static_assert(MT * kWarpsPerMT == kWarps && NS % 16 == 0, "unsupported (P, N)");
  // Shared memory (bytes).
  static constexpr int kB = 0;
  static constexpr int kC = kB + Q * N * 2;
  static constexpr int kX = kC + Q * N * 2;          // two buffers
  static constexpr int kSb = kX + 2 * Q * P * 2;
  static constexpr int kDt = kSb + P * N * 2;        // [kMaxHeadsPerCta][Q] f32
  static constexpr int kCs = kDt + kMaxHeadsPerCta * Q * 4;
  static constexpr int kWst = kCs + kMaxHeadsPerCta * Q * 4;
  static constexpr int kWdt = kWst + Q * 4;
  static constexpr int kTicket = kWdt + Q * 4;
  static constexpr int kSmem = kTicket + 16;
  static_assert(kSmem <= 227 * 1024, "shared memory over the per-block limit");
};

template <int P, int N, int Q>
__global__ void __launch_bounds__(kThreads, 1)
    ssd_chunk_scan_kernel(const SsdScanArgs a, int k, int nchunks, int nhb, float* ring, unsigned* flags, unsigned* ticket) {
  using K = Cfg<P, N, Q>;
  extern __shared__ __align__(128) unsigned char smem[];
  const int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31;
  const SsdTile tl = claim_ssd_tile(a, k, nhb, Q, ticket, reinterpret_cast<int*>(smem + K::kTicket));
  const int c = tl.c, h0 = tl.h0, grp = tl.grp, valid = tl.valid;
  const int64_t t0 = tl.t0;
  const bool last_chunk = c == nchunks - 1;
  const size_t PN = static_cast<size_t>(P) * N;

  const __nv_bfloat16* gx = static_cast<const __nv_bfloat16*>(a.x);
  const __nv_bfloat16* gB = static_cast<const __nv_bfloat16*>(a.B);
  const __nv_bfloat16* gC = static_cast<const __nv_bfloat16*>(a.C);
  const uint32_t sB = smem_u32(smem + K::kB), sC = smem_u32(smem + K::kC), sX0 = smem_u32(smem + K::kX);
  const uint32_t sSb = smem_u32(smem + K::kSb);
  float* dts = reinterpret_cast<float*>(smem + K::kDt);
  float* css = reinterpret_cast<float*>(smem + K::kCs);
  float* wst = reinterpret_cast<float*>(smem + K::kWst);
  float* wdt = reinterpret_cast<float*>(smem + K::kWdt);

  // Rows past the end of the sequence are zero-filled: they contribute nothing (their dt is 0 too).
  auto load_rows = [&](uint32_t dst, const __nv_bfloat16* src, int64_t ld, int cols) {
    const int chunks = cols / 8;
    for (int i = tid; i < Q * chunks; i += kThreads) {
      const int r = i / chunks, ch = i % chunks;
      const bool ok = r < valid;
      const __nv_bfloat16* p = src + (ok ? (t0 + r) * ld : 0) + ch * 8;
      const uint32_t off = cols == 128 ? swz<128>(r, ch * 8) : swz<64>(r, ch * 8);
      cp_async16(dst + off, p, ok);
    }
  };
  auto load_x = [&](int j) {
    load_rows(sX0 + (j & 1) * (Q * P * 2), gx + static_cast<int64_t>(h0 + j) * P, a.ldx, P);
  };
  load_rows(sB, gB + static_cast<int64_t>(grp) * N, a.ldb, N);
  load_rows(sC, gC + static_cast<int64_t>(grp) * N, a.ldc, N);
  load_x(0);
  cp_async_commit();

  // dt and the within-chunk cumulative sums of dt*A: warp w handles head h0 + w.
  if (warp < k) chunk_dt_cumsum<Q>(a.head, h0 + warp, t0, valid, lane, dts + warp * Q, css + warp * Q);
  cp_async_wait<0>();
  __syncthreads();

  // Warp roles for y: row tiles i1 < i2 and columns [pw0, pw0 + 64).
  const int gq = lane >> 2, q = lane & 3;
  const int pair = warp % K::kPairs;
  const int i1 = pair, i2 = K::RT - 1 - pair;
  const int pw0 = (warp / K::kPairs) * K::PW;
  // s_c roles: P rows [mt*16, +16), state columns [ns0, ns0 + NS).
  const int mt = warp % K::MT, ns0 = (warp / K::MT) * K::NS;
  constexpr int NT = K::NS / 8;
  constexpr int RBX = P * 2, RBN = N * 2;  // bytes per smem row of x and of B, C, S_prev

  // ldmatrix addresses. Lane l reads row (l&7) + 8*(bit 3 or bit 4 of l) and column 0 or 8 of a 16x16 tile
  // (pattern a: rows split by lane bit 3; pattern b: by bit 4). In the swizzled layout, moving a tile by 16
  // rows adds 16 row strides and by 64 columns adds 128 bytes, so each address is a per-thread offset,
  // precomputed here, plus a compile-time or warp-uniform displacement.
  const int lr_a = (lane & 7) + ((lane >> 3) & 1) * 8, lc_a = (lane >> 4) * 8;
  const int lr_b = (lane & 7) + (lane >> 4) * 8, lc_b = ((lane >> 3) & 1) * 8;
  uint32_t offNa[4], offNb[4], offXa[4];  // columns v*16 (v < 4) of an N-wide (pattern a, b) or x tile (a)
#pragma unroll
  for (int v = 0; v < 4; ++v) {
    offNa[v] = swz<N>(lr_a, v * 16 + lc_a);
    offNb[v] = swz<N>(lr_b, v * 16 + lc_b);
    offXa[v] = swz<P>(lr_a, pw0 + v * 16 + lc_a);
  }
  const uint32_t offXt = swz<P>(lr_b, mt * 16 + lc_b);  // s_c: x^T fragments
  uint32_t offBt[NT / 2];                               // s_c: B fragments
#pragma unroll
  for (int np = 0; np < NT / 2; ++np) offBt[np] = swz<N>(lr_a, ns0 + np * 16 + lc_a);
  // Byte displacement of the 16 columns starting at 16*ks of an N-wide tile, beyond offN*[ks & 3].
  auto ncol = [](int ks) { return static_cast<uint32_t>((ks >> 2) * 128); };

  // G = C B^T, causal 16x16 blocks of this warp's two row tiles, as bf16 A-fragments.
  uint32_t gfr[K::kGBlocks][4];
#pragma unroll
  for (int b = 0; b < K::kGBlocks; ++b) {
    const bool first = b <= i1;
    const int i = first ? i1 : i2, j = first ? b : b - i1 - 1;
    float acc[2][4] = {};
#pragma unroll
    for (int ks = 0; ks < N / 16; ++ks) {
      uint32_t af[4], bf[4];
      ldmatrix_x4(sC + i * 16 * RBN + offNa[ks & 3] + ncol(ks), af);
      ldmatrix_x4(sB + j * 16 * RBN + offNb[ks & 3] + ncol(ks), bf);
      mma_bf16(acc[0], af, bf[0], bf[1]);
      mma_bf16(acc[1], af, bf[2], bf[3]);
    }
    gfr[b][0] = pack_bf16(acc[0][0], acc[0][1]);
    gfr[b][1] = pack_bf16(acc[0][2], acc[0][3]);
    gfr[b][2] = pack_bf16(acc[1][0], acc[1][1]);
    gfr[b][3] = pack_bf16(acc[1][2], acc[1][3]);
  }

  for (int j = 0; j < k; ++j) {
    const int h = h0 + j;
    const uint32_t sX = sX0 + (j & 1) * (Q * P * 2);
    unsigned char* pX = smem + K::kX + (j & 1) * (Q * P * 2);
    cp_async_wait<0>();  // x of this head (issued halfway through the previous one)
    unsigned flag = static_cast<unsigned>(c);
    if (tid == 0 && c > 0) flag = ld_flag(flags + h);  // probe early; awaited halfway through a.
    const float* cs = css + j * Q;
    const float* dt = dts + j * Q;
    if (tid < Q) wdt[tid] = __expf(cs[tid | 15] - cs[tid]) * dt[tid];
    if (tid < Q / 2) {  // s_c weights exp(cs_end - cs_s) dt_s as bf16 pairs (s, s+1): x is scaled in bf16x2
      const int s0 = 2 * tid;
      reinterpret_cast<uint32_t*>(wst)[tid] =
          pack_bf16(__expf(cs[Q - 1] - cs[s0]) * dt[s0], __expf(cs[Q - 1] - cs[s0 + 1]) * dt[s0 + 1]);
    }
    __syncthreads();

    // ---- a. s_c = x^T diag(wst) B, and S_prev prefetched part-way through ----
    // Fragments of k-step ks+1 are loaded before the MMAs of ks use theirs (two register sets).
    float accs[NT][4] = {};
    float sp[NT][4];
    const float* sprev = c == 0 ? (a.init_state ? a.init_state + h * PN : nullptr)
                                : ring + (static_cast<size_t>(h) * 2 + ((c - 1) & 1)) * PN;
    {
      uint32_t af[2][4], bf[2][NT / 2][4];
      auto load = [&](int ks, uint32_t(&a_)[4], uint32_t(&b_)[NT / 2][4]) {
        ldmatrix_x4_trans(sX + offXt + ks * 16 * RBX, a_);
#pragma unroll
        for (int np = 0; np < NT / 2; ++np) ldmatrix_x4_trans(sB + offBt[np] + ks * 16 * RBN, b_[np]);
      };
      load(0, af[0], bf[0]);
#pragma unroll
      for (int ks = 0; ks < Q / 16; ++ks) {
        const int cur = ks & 1;
        if (ks == K::kPrefetchK) {
          if (tid == 0 && c > 0) {
            const long long t_start = clock64();
            while (flag < static_cast<unsigned>(c)) {
              __nanosleep(32);
              flag = ld_flag(flags + h);
              if (clock64() - t_start > (1ll << 32)) __trap();  // seconds: a broken chain fails loudly, never hangs
            }
            __threadfence();
          }
          __syncthreads();  // S_prev is readable; every thread is past the copy-out of head j - 1
          if (j + 1 < k) {
            load_x(j + 1);  // into the buffer of head j - 1
            cp_async_commit();
          }
#pragma unroll
          for (int nt = 0; nt < NT; ++nt) {
            const int p = mt * 16 + gq, n = ns0 + nt * 8 + 2 * q;
            float2 v0 = make_float2(0.f, 0.f), v1 = v0;
            if (sprev) {
              v0 = __ldcg(reinterpret_cast<const float2*>(sprev + p * N + n));
              v1 = __ldcg(reinterpret_cast<const float2*>(sprev + (p + 8) * N + n));
            }
            sp[nt][0] = v0.x, sp[nt][1] = v0.y, sp[nt][2] = v1.x, sp[nt][3] = v1.y;
          }
        }
        if (ks + 1 < Q / 16) load(ks + 1, af[cur ^ 1], bf[cur ^ 1]);
        // x^T fragment columns s = 16 ks + 2q (+1) in A[0], A[1] and + 8 in A[2], A[3]: scale by w_s.
        uint32_t* A = af[cur];
        const uint32_t w0 = reinterpret_cast<const uint32_t*>(wst)[ks * 8 + q];
        const uint32_t w1 = reinterpret_cast<const uint32_t*>(wst)[ks * 8 + 4 + q];
        A[0] = hmul2(A[0], w0), A[1] = hmul2(A[1], w0), A[2] = hmul2(A[2], w1), A[3] = hmul2(A[3], w1);
#pragma unroll
        for (int np = 0; np < NT / 2; ++np) {
          mma_bf16(accs[2 * np], af[cur], bf[cur][np][0], bf[cur][np][1]);
          mma_bf16(accs[2 * np + 1], af[cur], bf[cur][np][2], bf[cur][np][3]);
        }
      }
    }

    // ---- b. S_c = exp(cs_end) S_prev + s_c -> ring slot c%2 (or the final state); bf16 S_prev -> smem ----
    {
      const float decay = __expf(cs[Q - 1]);
      float* dst = last_chunk ? a.final_state + h * PN : ring + (static_cast<size_t>(h) * 2 + (c & 1)) * PN;
#pragma unroll
      for (int nt = 0; nt < NT; ++nt) {
        const int p = mt * 16 + gq, n = ns0 + nt * 8 + 2 * q;
        __stcg(reinterpret_cast<float2*>(dst + p * N + n),
               make_float2(decay * sp[nt][0] + accs[nt][0], decay * sp[nt][1] + accs[nt][1]));
        __stcg(reinterpret_cast<float2*>(dst + (p + 8) * N + n),
               make_float2(decay * sp[nt][2] + accs[nt][2], decay * sp[nt][3] + accs[nt][3]));
      }
#pragma unroll
      for (int np = 0; np < NT / 2; ++np)  // bf16 S_prev, rows [mt*16, +16), columns ns0 + np*16 (pattern a)
        stmatrix_x4(sSb + mt * 16 * RBN + offBt[np], pack_bf16(sp[2 * np][0], sp[2 * np][1]), pack_bf16(sp[2 * np][2], sp[2 * np][3]),
                    pack_bf16(sp[2 * np + 1][0], sp[2 * np + 1][1]), pack_bf16(sp[2 * np + 1][2], sp[2 * np + 1][3]));
    }
    __syncthreads();  // S_c stored by every thread, bf16 S_prev complete
    if (tid == 0 && !last_chunk) {
      __threadfence();
      st_flag(flags + h, static_cast<unsigned>(c + 1));
    }

    // ---- c. y = exp(cs_t) C S_prev^T ... ----
    float accy[2][8][4] = {};
    {
      const uint32_t c1 = sC + i1 * 16 * RBN, c2 = sC + i2 * 16 * RBN, sb = sSb + pw0 * RBN;
      uint32_t a1[2][4], a2[2][4], bs[2][4][4];
      auto load = [&](int ks, uint32_t(&a1_)[4], uint32_t(&a2_)[4], uint32_t(&b_)[4][4]) {
        ldmatrix_x4(c1 + offNa[ks & 3] + ncol(ks), a1_);
        ldmatrix_x4(c2 + offNa[ks & 3] + ncol(ks), a2_);
#pragma unroll
        for (int np = 0; np < 4; ++np) ldmatrix_x4(sb + np * 16 * RBN + offNb[ks & 3] + ncol(ks), b_[np]);
      };
      load(0, a1[0], a2[0], bs[0]);
#pragma unroll
      for (int ks = 0; ks < N / 16; ++ks) {
        const int cur = ks & 1;
        if (ks + 1 < N / 16) load(ks + 1, a1[cur ^ 1], a2[cur ^ 1], bs[cur ^ 1]);
#pragma unroll
        for (int np = 0; np < 4; ++np) {
          mma_bf16(accy[0][2 * np], a1[cur], bs[cur][np][0], bs[cur][np][1]);
          mma_bf16(accy[0][2 * np + 1], a1[cur], bs[cur][np][2], bs[cur][np][3]);
          mma_bf16(accy[1][2 * np], a2[cur], bs[cur][np][0], bs[cur][np][1]);
          mma_bf16(accy[1][2 * np + 1], a2[cur], bs[cur][np][2], bs[cur][np][3]);
        }
      }
    }
#pragma unroll
    for (int m = 0; m < 2; ++m) {
      const int t = (m == 0 ? i1 : i2) * 16 + gq;
      const float e0 = __expf(cs[t]), e1 = __expf(cs[t + 8]);
#pragma unroll
      for (int nt = 0; nt < 8; ++nt) {
        accy[m][nt][0] *= e0, accy[m][nt][1] *= e0, accy[m][nt][2] *= e1, accy[m][nt][3] *= e1;
      }
    }

    // ---- ... + (G o exp(cs_t - cs_s) dt_s, s <= t) x + D x ----
    const float Dh = a.head.D ? a.head.D[h] : 0.f;
    {
      uint32_t xf[2][4][4];  // x fragments of blocks b and b+1
      auto jb_of = [&](int b) { return b <= i1 ? b : b - i1 - 1; };
      auto load = [&](int b, uint32_t(&x_)[4][4]) {
        const uint32_t base = sX + jb_of(b) * 16 * RBX;
#pragma unroll
        for (int np = 0; np < 4; ++np) ldmatrix_x4_trans(base + offXa[np], x_[np]);
      };
      load(0, xf[0]);
#pragma unroll
      for (int b = 0; b < K::kGBlocks; ++b) {
        const int cur = b & 1;
        if (b + 1 < K::kGBlocks) load(b + 1, xf[cur ^ 1]);
        const bool first = b <= i1;
        const int i = first ? i1 : i2, jb = jb_of(b);
        const int ta = i * 16 + gq, tb = ta + 8;
        const int sa = jb * 16 + 2 * q, sb = sa + 8;
        // The volatile copy keeps this block's elementwise work from being hoisted above the previous
        // block's loads (which would need registers for every block's decayed fragment at once).
        uint32_t g4[4];
        asm volatile("mov.b32 %0, %4;\n mov.b32 %1, %5;\n mov.b32 %2, %6;\n mov.b32 %3, %7;\n"
                     : "=r"(g4[0]), "=r"(g4[1]), "=r"(g4[2]), "=r"(g4[3])
                     : "r"(gfr[b][0]), "r"(gfr[b][1]), "r"(gfr[b][2]), "r"(gfr[b][3]));
        float m[8] = {bf16_lo(g4[0]), bf16_hi(g4[0]), bf16_lo(g4[1]), bf16_hi(g4[1]),
                      bf16_lo(g4[2]), bf16_hi(g4[2]), bf16_lo(g4[3]), bf16_hi(g4[3])};
        // (t, s) of m[0..7]: (ta,sa) (ta,sa+1) (tb,sa) (tb,sa+1) (ta,sb) (ta,sb+1) (tb,sb) (tb,sb+1)
        if (jb < i) {
          const float ref = cs[jb * 16 + 15];
          const float ra = __expf(cs[ta] - ref), rb = __expf(cs[tb] - ref);
          const float2 wa = *reinterpret_cast<const float2*>(wdt + sa);
          const float2 wb = *reinterpret_cast<const float2*>(wdt + sb);
          m[0] *= ra * wa.x, m[1] *= ra * wa.y, m[2] *= rb * wa.x, m[3] *= rb * wa.y;
          m[4] *= ra * wb.x, m[5] *= ra * wb.y, m[6] *= rb * wb.x, m[7] *= rb * wb.y;
        } else {
          decay_diagonal(m, ta, sa, cs, dt, Dh);  // the D skip rides on the diagonal
        }
        const uint32_t af[4] = {pack_bf16(m[0], m[1]), pack_bf16(m[2], m[3]), pack_bf16(m[4], m[5]), pack_bf16(m[6], m[7])};
#pragma unroll
        for (int np = 0; np < 4; ++np) {
          if (first) {
            mma_bf16(accy[0][2 * np], af, xf[cur][np][0], xf[cur][np][1]);
            mma_bf16(accy[0][2 * np + 1], af, xf[cur][np][2], xf[cur][np][3]);
          } else {
            mma_bf16(accy[1][2 * np], af, xf[cur][np][0], xf[cur][np][1]);
            mma_bf16(accy[1][2 * np + 1], af, xf[cur][np][2], xf[cur][np][3]);
          }
        }
      }
    }

    // ---- stage y (bf16) through the x buffer (stmatrix), then 16-byte stores ----
    __syncthreads();  // every warp is done reading x and S_prev of this head
#pragma unroll
    for (int m = 0; m < 2; ++m) {
      const uint32_t base = sX + (m == 0 ? i1 : i2) * 16 * RBX;
#pragma unroll
      for (int np = 0; np < 4; ++np)
        stmatrix_x4(base + offXa[np], pack_bf16(accy[m][2 * np][0], accy[m][2 * np][1]), pack_bf16(accy[m][2 * np][2], accy[m][2 * np][3]),
                    pack_bf16(accy[m][2 * np + 1][0], accy[m][2 * np + 1][1]),
                    pack_bf16(accy[m][2 * np + 1][2], accy[m][2 * np + 1][3]));
    }
    __syncthreads();
    __nv_bfloat16* gy = static_cast<__nv_bfloat16*>(a.y) + static_cast<int64_t>(h) * P;
    for (int idx = tid; idx < valid * (P / 8); idx += kThreads) {
      const int r = idx / (P / 8), ch = idx % (P / 8);
      *reinterpret_cast<uint4*>(gy + (t0 + r) * a.ldy + ch * 8) = *reinterpret_cast<const uint4*>(pX + swz<P>(r, ch * 8));
    }
  }
}

// Heads per CTA: the largest divisor of H/G up to 8 (a CTA's heads share B and C).
int heads_per_cta(const SsdScanArgs& a) {
  const int64_t hpg = a.H / a.G;
  for (int d = kMaxHeadsPerCta; d >= 1; --d)
    if (hpg % d == 0) return d;
  return 1;
}

// Zeroes the flags and the ticket of the workspace and launches kernel `run` (either implementation) with
// the chunking of chunk Q.
template <int P, int N, int Q, typename Run>
cudaError_t launch_with(const SsdScanArgs& a, cudaStream_t s, Run run) {
  const int k = heads_per_cta(a);
  const int nchunks = static_cast<int>((a.L + Q - 1) / Q);
  const int nhb = static_cast<int>(a.H / k);
  float* ring = static_cast<float*>(a.workspace);
  unsigned* flags = reinterpret_cast<unsigned*>(ring + static_cast<size_t>(a.H) * 2 * P * N);
  unsigned* ticket = flags + a.H;
  if (cudaError_t e = cudaMemsetAsync(flags, 0, (a.H + 1) * sizeof(unsigned), s); e != cudaSuccess) return e;
  return run(k, nchunks, nhb, ring, flags, ticket);
}

template <int P, int N, int Q>
cudaError_t launch(const SsdScanArgs& a, cudaStream_t s) {
  using K = Cfg<P, N, Q>;
  static const cudaError_t attr =
      cudaFuncSetAttribute(ssd_chunk_scan_kernel<P, N, Q>, cudaFuncAttributeMaxDynamicSharedMemorySize, K::kSmem);
  if (attr != cudaSuccess) return attr;
  return launch_with<P, N, Q>(a, s, [&](int k, int nchunks, int nhb, float* ring, unsigned* flags, unsigned* ticket) {
    ssd_chunk_scan_kernel<P, N, Q><<<nchunks * nhb, kThreads, K::kSmem, s>>>(a, k, nchunks, nhb, ring, flags, ticket);
    return cudaGetLastError();
  });
}

}  // namespace

bool ssd_chunk_scan_supported(int64_t P, int64_t N) { return (P == 64 || P == 128) && (N == 64 || N == 128); }

size_t ssd_chunk_scan_workspace_bytes(int64_t H, int64_t P, int64_t N) {
  return static_cast<size_t>(H) * 2 * P * N * sizeof(float) + (H + 1) * sizeof(unsigned);
}

cudaError_t ssd_chunk_scan(const SsdScanArgs& a, cudaStream_t s) {
  if (a.L <= 0) return cudaSuccess;
  if (a.P == 64 && a.N == 128) {
    // Wgmma: the Hopper kernel (cudaErrorInvalidValue where its copies cannot read the operands); Auto: the same
    // where it can, else the mma.sync kernel.
    if (a.kernel == SsdKernel::Wgmma || (a.kernel == SsdKernel::Auto && ssd_chunk_scan_sm90_supported(a)))
      return launch_with<64, 128, 256>(a, s, [&](int k, int nchunks, int nhb, float* ring, unsigned* flags, unsigned* ticket) {
        return ssd_chunk_scan_sm90(a, k, nchunks, nhb, ring, flags, ticket, s);
      });
    return launch<64, 128, 256>(a, s);
  }
  if (a.P == 64 && a.N == 64) return launch<64, 64, 256>(a, s);
  if (a.P == 128 && a.N == 128) return launch<128, 128, 128>(a, s);
  if (a.P == 128 && a.N == 64) return launch<128, 64, 128>(a, s);
  return cudaErrorInvalidValue;
}

}  // namespace mambascope::kernels
