#pragma once
// Device helpers shared by the Mamba-2 family's kernels: bf16 unpacking, activations, dt discretisation, the
// swizzled tile layout and the scans' progress flags; the PTX wrappers (cp.async, ldmatrix, mma) from ptx.cuh.
#include <cuda_bf16.h>

#include <cstdint>

#include "kernels/mamba2.h"
#include "kernels/ptx.cuh"

namespace mambascope::kernels::m2 {

using namespace ptx;  // smem_u32, pack_bf16, cp.async, ldmatrix / stmatrix, mma_bf16

__device__ __forceinline__ float silu(float v) { return v / (1.f + __expf(-v)); }

// The reference's dt: clamp(softplus(dt + bias), lo, hi), softplus passing values above 20 through.
__device__ __forceinline__ float discretize_dt(float raw, float bias, bool softplus, float lo, float hi) {
  float v = raw + bias;
  if (softplus) v = v <= 20.f ? log1pf(__expf(v)) : v;
  return fminf(fmaxf(v, lo), hi);
}

__device__ __forceinline__ float bf16_lo(uint32_t v) { return __uint_as_float(v << 16); }
__device__ __forceinline__ float bf16_hi(uint32_t v) { return __uint_as_float(v & 0xffff0000u); }
__device__ __forceinline__ float bf16_to_float(__nv_bfloat16 v) { return __bfloat162float(v); }
// Two bf16 products in one instruction (round to nearest).
__device__ __forceinline__ uint32_t hmul2(uint32_t a, uint32_t b) {
  const __nv_bfloat162 r = __hmul2(*reinterpret_cast<const __nv_bfloat162*>(&a), *reinterpret_cast<const __nv_bfloat162*>(&b));
  return *reinterpret_cast<const uint32_t*>(&r);
}

// Eight bf16 values in a 16-byte vector <-> eight floats.
__device__ __forceinline__ void unpack8(const uint4& v, float* f) {
  f[0] = bf16_lo(v.x), f[1] = bf16_hi(v.x), f[2] = bf16_lo(v.y), f[3] = bf16_hi(v.y);
  f[4] = bf16_lo(v.z), f[5] = bf16_hi(v.z), f[6] = bf16_lo(v.w), f[7] = bf16_hi(v.w);
}
__device__ __forceinline__ uint4 pack8(const float* f) {
  return make_uint4(pack_bf16(f[0], f[1]), pack_bf16(f[2], f[3]), pack_bf16(f[4], f[5]), pack_bf16(f[6], f[7]));
}

// Byte offset of element (row, col) in a shared bf16 tile of `Cols` columns (64 or 128) whose 16-byte chunks
// are XOR-swizzled by row % 8: ldmatrix row reads of 8 consecutive rows and the fragment-layout accesses
// (8 rows x 4 pairs) then hit 32 distinct banks.
template <int Cols>
__device__ __forceinline__ uint32_t swz(int row, int col) {
  return static_cast<uint32_t>(row * (Cols * 2) + ((((col >> 3) ^ (row & 7))) << 4) + ((col & 7) << 1));
}

// Progress flags of the SSD scans' chain of chunk states (ssd_chunk_scan*.cu): GPU-scope accesses. A writer
// raises one after a CTA barrier that follows every thread's state stores, with a fence first (cumulative over
// the barrier, as cooperative groups' grid sync does). The mma.sync kernel's reader polls relaxed and fences
// once after seeing it, before the barrier that releases the state loads (an acquire load in its polling loop
// was tried in one H100 run: no gain at long lengths, 1K tokens slower, not isolated from the run's other
// changes); the wgmma kernel's threads each poll with an acquire load and read the state right after.
__device__ __forceinline__ unsigned ld_flag(const unsigned* p) {
  unsigned v;
  asm volatile("ld.relaxed.gpu.global.u32 %0, [%1];\n" : "=r"(v) : "l"(p));  // later loads follow a barrier
  return v;
}
__device__ __forceinline__ unsigned ld_flag_acquire(const unsigned* p) {
  unsigned v;
  asm volatile("ld.acquire.gpu.global.u32 %0, [%1];\n" : "=r"(v) : "l"(p) : "memory");
  return v;
}
__device__ __forceinline__ void st_flag(unsigned* p, unsigned v) {
  asm volatile("st.relaxed.gpu.global.u32 [%0], %1;\n" ::"l"(p), "r"(v) : "memory");
}

// One warp's share of an SSD chunk's prologue: dt_t = discretised dt of head h for the Q tokens from t0 (0 past
// `valid`) and the within-chunk inclusive cumulative sums of dt*A*a_scale, into dts[0..Q) and css[0..Q)
// (a_scale = log2(e) gives sums in base-2 units, for ex2 without a multiply).
template <int Q>
__device__ __forceinline__ void chunk_dt_cumsum(const SsdHeadArgs& hd, int h, int64_t t0, int valid, int lane, float* dts, float* css,
                                                float a_scale = 1.f) {
  constexpr int TPL = Q / 32;
  const float A = hd.A[h] * a_scale, bias = hd.dt_bias ? hd.dt_bias[h] : 0.f;
  const __nv_bfloat16* gdt = static_cast<const __nv_bfloat16*>(hd.dt);
  float d[TPL], run = 0.f;
#pragma unroll
  for (int i = 0; i < TPL; ++i) {
    const int t = lane * TPL + i;
    d[i] = t < valid ? discretize_dt(__bfloat162float(gdt[(t0 + t) * hd.lddt + h]), bias, hd.dt_softplus, hd.dt_min, hd.dt_max) : 0.f;
    run += d[i] * A;
  }
  float incl = run;
#pragma unroll
  for (int o = 1; o < 32; o <<= 1) {
    const float v = __shfl_up_sync(0xffffffffu, incl, o);
    if (lane >= o) incl += v;
  }
  float cs = incl - run;
#pragma unroll
  for (int i = 0; i < TPL; ++i) {
    const int t = lane * TPL + i;
    cs += d[i] * A;
    dts[t] = d[i];
    css[t] = cs;
  }
}

// e^x, or 2^x when kLog2 (ex2.approx.ftz: no multiply and no denormal fix-up; results below 2^-126 flush to zero,
// which only drops terms that small): the decays of cumulative sums kept in base-2 units.
template <bool kLog2>
__device__ __forceinline__ float decay_exp(float x) {
  if constexpr (kLog2) {
    float r;
    asm("ex2.approx.ftz.f32 %0, %1;" : "=f"(r) : "f"(x));
    return r;
  } else {
    return __expf(x);
  }
}

// The causal decay of a diagonal 16x16 block of C B^T, in place on one thread's 8 elements of an m16n8k16 A
// fragment (rows ta, ta+8; columns sa, sa+1, sa+8, sa+9 in the order (ta,sa) (ta,sa+1) (ta+8,sa) (ta+8,sa+1) and
// the same at sa+8): m = s <= t ? m exp(cs_t - cs_s) dt_s (+ D on the diagonal: y_t += D x_t) : 0.
// kLog2: cs holds base-2 sums (chunk_dt_cumsum with a_scale log2(e)).
template <bool kLog2 = false>
__device__ __forceinline__ void decay_diagonal(float (&m)[8], int ta, int sa, const float* cs, const float* dt, float D) {
  const int tb = ta + 8, sb = sa + 8;
  const int tt[8] = {ta, ta, tb, tb, ta, ta, tb, tb};
  const int ss[8] = {sa, sa + 1, sa, sa + 1, sb, sb + 1, sb, sb + 1};
#pragma unroll
  for (int e = 0; e < 8; ++e)
    m[e] = ss[e] <= tt[e] ? m[e] * decay_exp<kLog2>(cs[tt[e]] - cs[ss[e]]) * dt[ss[e]] + (ss[e] == tt[e] ? D : 0.f) : 0.f;
}

// The SSD scans' work unit: CTAs take tiles (chunk c, heads h0..h0+k-1 of group grp) from an atomic ticket in
// chunk-major order, so the CTA a tile waits on (same heads, chunk c-1) has always started. Ends with a CTA
// barrier (s_ticket: one int of shared memory).
struct SsdTile {
  int c, h0, grp, valid;
  int64_t t0;
};
__device__ __forceinline__ SsdTile claim_ssd_tile(const SsdScanArgs& a, int k, int nhb, int Q, unsigned* ticket, int* s_ticket) {
  if (threadIdx.x == 0) *s_ticket = static_cast<int>(atomicAdd(ticket, 1u));
  __syncthreads();
  const int tile = *s_ticket;
  SsdTile t;
  t.c = tile / nhb, t.h0 = (tile % nhb) * k;
  t.grp = t.h0 / static_cast<int>(a.H / a.G);
  t.t0 = static_cast<int64_t>(t.c) * Q;
  t.valid = a.L - t.t0 < Q ? static_cast<int>(a.L - t.t0) : Q;
  return t;
}

__device__ __forceinline__ float warp_sum(float v) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

}  // namespace mambascope::kernels::m2
