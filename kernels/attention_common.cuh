#pragma once
// Device helpers shared by the attention-family kernels (kernels/attention.h): 16-byte bf16 vectors and
// block-wide reductions.
#include <cuda_bf16.h>

#include <cstdint>

namespace mambascope::kernels::detail {

struct alignas(16) Bf16x8 {
  __nv_bfloat162 h[4];
};

__device__ __forceinline__ void unpack8(const Bf16x8& v, float (&f)[8]) {
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    const float2 t = __bfloat1622float2(v.h[i]);
    f[2 * i] = t.x;
    f[2 * i + 1] = t.y;
  }
}

__device__ __forceinline__ Bf16x8 pack8(const float (&f)[8]) {
  Bf16x8 v;
#pragma unroll
  for (int i = 0; i < 4; ++i) v.h[i] = __floats2bfloat162_rn(f[2 * i], f[2 * i + 1]);
  return v;
}

__device__ __forceinline__ float warp_sum(float v) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

__device__ __forceinline__ float warp_max(float v) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
  return v;
}

// Sum over the block (blockDim.x a multiple of 32, <= 1024); every thread gets the result. `red` holds 32 floats.
__device__ __forceinline__ float block_sum(float v, float* red) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nw = blockDim.x >> 5;
  v = warp_sum(v);
  __syncthreads();  // `red` may still be read by a previous reduction
  if (lane == 0) red[warp] = v;
  __syncthreads();
  v = lane < nw ? red[lane] : 0.f;
  return warp_sum(v);
}

// Work order of the prefill kernels: block index -> (batch, q head, m tile). Batch and kv head outermost, so
// the CTAs in flight stream one kv head's K and V (which then stays in L2 instead of every head's K/V being
// re-read from DRAM by CTAs that drifted apart); the q heads of a GQA group innermost (they read the same
// tiles at the same time); m tiles longest-first when causal, so the grid ends on short tiles.
struct TileCoord {
  int b, h, hk;
  int64_t m_tile;
};
__device__ __forceinline__ TileCoord tile_coord(int64_t bid, int64_t m_tiles, int heads_q, int heads_kv, bool causal) {
  const int group = heads_q / heads_kv;
  const int g = static_cast<int>(bid % group);
  const int64_t rest = bid / group;
  const int64_t m = rest % m_tiles, bh = rest / m_tiles;
  TileCoord c;
  c.hk = static_cast<int>(bh % heads_kv);
  c.b = static_cast<int>(bh / heads_kv);
  c.h = c.hk * group + g;
  c.m_tile = causal ? m_tiles - 1 - m : m;
  return c;
}

__host__ __device__ __forceinline__ bool aligned16(const void* p) { return (reinterpret_cast<uintptr_t>(p) & 15) == 0; }

}  // namespace mambascope::kernels::detail
