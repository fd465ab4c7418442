// One decode token of the SSD recurrence for `batch` sequences:
//   dt = clamp(softplus?(dt_raw + dt_bias)), S[p, :] = exp(dt A) S[p, :] + dt x[p] B,
//   y[p] = S[p, :] . C + D x[p], times silu(z[p]) when z is given.
// Two kernels: ssm_state_update_kernel on post-conv x, B, C; and mamba2_decode_kernel, the whole decode step
// between the GEMMs (conv update, this step, gating, grouped RMSNorm) in one cooperative launch.
// The f32 state is the only large operand (read and written once): a block owns 16 channels p of one head of
// one sequence (4 warps x 4 rows); a lane owns N/32 consecutive state columns of a row (16-byte accesses for
// N = 128) and the row's dot product with C is a warp reduction.
#include <cooperative_groups.h>
#include <cuda_bf16.h>

#include "kernels/mamba2.h"
#include "kernels/mamba2_device.cuh"

namespace mambascope::kernels {
namespace {

using namespace m2;

constexpr int kRowsPerWarp = 4, kWarps = 4, kRowsPerBlock = kRowsPerWarp * kWarps;

// Row p of the state, the lane's NPL columns: load, then S = dA S + dx B stored back; returns S . C summed
// over the warp. Loading first lets a kernel issue the loads of several rows before it needs them.
template <int NPL>
__device__ __forceinline__ void load_row(const float* S, float (&s)[NPL]) {
  if constexpr (NPL % 4 == 0) {
#pragma unroll
    for (int i = 0; i < NPL; i += 4) {
      const float4 v = *reinterpret_cast<const float4*>(S + i);
      s[i] = v.x, s[i + 1] = v.y, s[i + 2] = v.z, s[i + 3] = v.w;
    }
  } else {
#pragma unroll
    for (int i = 0; i < NPL; ++i) s[i] = S[i];
  }
}
template <int NPL>
__device__ __forceinline__ float update_row(float* S, float (&s)[NPL], float dA, float dx, const float (&Bf)[NPL],
                                            const float (&Cf)[NPL]) {
  float acc = 0.f;
#pragma unroll
  for (int i = 0; i < NPL; ++i) {
    s[i] = dA * s[i] + dx * Bf[i];
    acc += s[i] * Cf[i];
  }
  if constexpr (NPL % 4 == 0) {
#pragma unroll
    for (int i = 0; i < NPL; i += 4) *reinterpret_cast<float4*>(S + i) = make_float4(s[i], s[i + 1], s[i + 2], s[i + 3]);
  } else {
#pragma unroll
    for (int i = 0; i < NPL; ++i) S[i] = s[i];
  }
  return warp_sum(acc);
}

template <int NPL>  // state columns per lane: N / 32
__global__ void __launch_bounds__(kWarps * 32) ssm_state_update_kernel(const SsmStateUpdateArgs a) {
  const int64_t b = blockIdx.z, h = blockIdx.y;
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  const int64_t g = h / (a.H / a.G);
  const auto* x = static_cast<const __nv_bfloat16*>(a.x) + b * a.ldx + h * a.P;
  const auto* Bv = static_cast<const __nv_bfloat16*>(a.B) + b * a.ldb + g * a.N + lane * NPL;
  const auto* Cv = static_cast<const __nv_bfloat16*>(a.C) + b * a.ldc + g * a.N + lane * NPL;
  const float dt = discretize_dt(__bfloat162float(static_cast<const __nv_bfloat16*>(a.head.dt)[b * a.head.lddt + h]),
                                 a.head.dt_bias ? a.head.dt_bias[h] : 0.f, a.head.dt_softplus, a.head.dt_min, a.head.dt_max);
  const float dA = __expf(dt * a.head.A[h]);
  const float Dh = a.head.D ? a.head.D[h] : 0.f;
  float Bf[NPL], Cf[NPL];
#pragma unroll
  for (int i = 0; i < NPL; ++i) Bf[i] = __bfloat162float(Bv[i]), Cf[i] = __bfloat162float(Cv[i]);

#pragma unroll
  for (int r = 0; r < kRowsPerWarp; ++r) {
    const int64_t p = blockIdx.x * kRowsPerBlock + warp * kRowsPerWarp + r;
    const float xp = __bfloat162float(x[p]);
    float* S = a.state + ((b * a.H + h) * a.P + p) * a.N + lane * NPL;
    float sv[NPL];
    load_row<NPL>(S, sv);
    const float acc = update_row<NPL>(S, sv, dA, dt * xp, Bf, Cf);
    if (lane == 0) {
      float y = acc + Dh * xp;
      if (a.z) y *= silu(__bfloat162float(static_cast<const __nv_bfloat16*>(a.z)[b * a.ldz + h * a.P + p]));
      static_cast<__nv_bfloat16*>(a.y)[b * a.ldy + h * a.P + p] = __float2bfloat16_rn(y);
    }
  }
}

// The whole decode step between the GEMMs, one item = (sequence b, head h, 16 channels): a block runs items
// in a grid-stride loop (a cooperative grid: all blocks resident).
// Phase 1, per item: conv of the item's 16 x channels (the block owns them: it also shifts their conv state)
// and of the group's 2N B/C channels (read only: every item of the group needs them), the state rows, y.
// Then y (bf16) * silu(z) goes to a workspace with the item's sum of squares. After the grid barrier, phase 2
// normalises each item by its group's total, and the first item of each group shifts the B/C conv state
// (nobody reads it any more; its loads are issued before the norm's so the two round trips overlap). Without
// norm_w, phase 1 writes the output and phase 2 only shifts B/C.
template <int NPL, int K>
__global__ void __launch_bounds__(kWarps * 32) mamba2_decode_kernel(const Mamba2DecodeArgs a) {
  __shared__ float xs[kRowsPerBlock];
  __shared__ float bc[2][8 * 32];
  __shared__ float red[kWarps];
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  const int64_t PS = a.P / kRowsPerBlock, hpg = a.H / a.G, items = a.batch * a.H * PS;
  const int64_t HP = a.H * a.P, GN = a.G * a.N, C = HP + 2 * GN;
  float* v_ws = static_cast<float*>(a.workspace);  // [batch, HP]: bf16(y) * silu(z), before the norm
  float* part = v_ws + a.batch * HP;               // [items]: sum of squares of an item's 16 values
  const auto* xbc = static_cast<const __nv_bfloat16*>(a.xbc);
  auto* cst = static_cast<__nv_bfloat16*>(a.conv_state);
  auto* yo = static_cast<__nv_bfloat16*>(a.y);

  // The K-token window of channel c of sequence b: the K-1 surviving conv-state slots and the new input; stored
  // back from slot 0, it is the shifted state.
  auto load_window = [&](int64_t b, int64_t c, __nv_bfloat16 (&win)[K]) {
    const __nv_bfloat16* st = cst + b * K * C + c;
#pragma unroll
    for (int k = 0; k + 1 < K; ++k) win[k] = st[(k + 1) * C];
    win[K - 1] = xbc[b * a.ldxbc + c];
  };
  auto store_window = [&](int64_t b, int64_t c, const __nv_bfloat16 (&win)[K]) {
    __nv_bfloat16* st = cst + b * K * C + c;
#pragma unroll
    for (int k = 0; k < K; ++k) st[k * C] = win[k];
  };
  // silu(conv) of channel c of sequence b from the K-1 surviving slots and the new input, rounded to bf16;
  // with `shift`, the state slots move down by one (the inputs are bf16 already: exact).
  auto conv = [&](int64_t b, int64_t c, bool shift) -> float {
    __nv_bfloat16 win[K];
    load_window(b, c, win);
    float acc = a.conv_b ? a.conv_b[c] : 0.f;
#pragma unroll
    for (int k = 0; k < K; ++k) acc += a.conv_w[c * K + k] * __bfloat162float(win[k]);
    if (shift) store_window(b, c, win);
    return __bfloat162float(__float2bfloat16_rn(silu(acc)));
  };
  auto bc_channel = [&](int64_t g, int i) { return HP + (i < a.N ? g * a.N + i : GN + g * a.N + (i - a.N)); };

  for (int64_t it = blockIdx.x; it < items; it += gridDim.x) {
    const int64_t b = it / (a.H * PS), h = (it / PS) % a.H, ps = it % PS, g = h / hpg;
    // The state rows do not depend on the conv: their loads go out first and overlap it.
    float srow[kRowsPerWarp][NPL];
#pragma unroll
    for (int r = 0; r < kRowsPerWarp; ++r)
      load_row<NPL>(a.ssm_state + (b * HP + h * a.P + ps * kRowsPerBlock + warp * kRowsPerWarp + r) * a.N + lane * NPL, srow[r]);
    // The gate's z values (lane 0 of each warp, one per row) are loaded up front too.
    float zrow[kRowsPerWarp];
#pragma unroll
    for (int r = 0; r < kRowsPerWarp; ++r)
      zrow[r] = a.z && lane == 0
                    ? __bfloat162float(static_cast<const __nv_bfloat16*>(a.z)[b * a.ldz + h * a.P + ps * kRowsPerBlock + warp * kRowsPerWarp + r])
                    : 0.f;
    const float dt_raw = __bfloat162float(static_cast<const __nv_bfloat16*>(a.head.dt)[b * a.head.lddt + h]);
    const float bias = a.head.dt_bias ? a.head.dt_bias[h] : 0.f, Ah = a.head.A[h], Dh = a.head.D ? a.head.D[h] : 0.f;
    if (threadIdx.x < kRowsPerBlock) xs[threadIdx.x] = conv(b, h * a.P + ps * kRowsPerBlock + threadIdx.x, true);
    for (int i = threadIdx.x; i < 2 * a.N; i += blockDim.x) bc[i < a.N ? 0 : 1][i < a.N ? i : i - a.N] = conv(b, bc_channel(g, i), false);
    __syncthreads();
    const float dt = discretize_dt(dt_raw, bias, a.head.dt_softplus, a.head.dt_min, a.head.dt_max);
    const float dA = __expf(dt * Ah);
    float Bf[NPL], Cf[NPL];
#pragma unroll
    for (int i = 0; i < NPL; ++i) Bf[i] = bc[0][lane * NPL + i], Cf[i] = bc[1][lane * NPL + i];
    float ss = 0.f;
#pragma unroll
    for (int r = 0; r < kRowsPerWarp; ++r) {
      const int pl = warp * kRowsPerWarp + r;
      const int64_t c = h * a.P + ps * kRowsPerBlock + pl;  // channel in [0, HP)
      const float xp = xs[pl];
      const float acc = update_row<NPL>(a.ssm_state + (b * HP + c) * a.N + lane * NPL, srow[r], dA, dt * xp, Bf, Cf);
      if (lane == 0) {
        const float zg = a.z ? silu(zrow[r]) : 1.f;
        if (a.norm_w) {
          const float v = __bfloat162float(__float2bfloat16_rn(acc + Dh * xp)) * zg;  // y is bf16 before the norm
          v_ws[b * HP + c] = v;
          ss += v * v;
        } else {
          yo[b * a.ldy + c] = __float2bfloat16_rn((acc + Dh * xp) * zg);
        }
      }
    }
    if (a.norm_w) {
      if (lane == 0) red[warp] = ss;
      __syncthreads();
      if (threadIdx.x == 0) part[it] = red[0] + red[1] + red[2] + red[3];
    }
    __syncthreads();  // xs, bc and red are reused by the next item
  }

  cooperative_groups::this_grid().sync();

  for (int64_t it = blockIdx.x; it < items; it += gridDim.x) {
    const int64_t b = it / (a.H * PS), h = (it / PS) % a.H, ps = it % PS, g = h / hpg;
    // The group's first item shifts the B/C conv state: its loads go out before the norm's, not after.
    const bool shifter = h % hpg == 0 && ps == 0;
    constexpr int kBcPerThread = 2 * 256 / (kWarps * 32);  // 2N channels, N <= 256
    __nv_bfloat16 win[kBcPerThread][K];
    if (shifter) {
#pragma unroll
      for (int m = 0; m < kBcPerThread; ++m) {
        const int i = threadIdx.x + m * kWarps * 32;
        if (i < 2 * a.N) load_window(b, bc_channel(g, i), win[m]);
      }
    }
    if (a.norm_w) {
      const int64_t first = (b * a.H + g * hpg) * PS, count = hpg * PS;
      const int64_t c = h * a.P + ps * kRowsPerBlock + (threadIdx.x % kRowsPerBlock);
      const float v = v_ws[b * HP + c], w = a.norm_w[c];  // loaded while the partial sums are reduced
      float s = 0.f;
      for (int64_t i = threadIdx.x; i < count; i += blockDim.x) s += part[first + i];
      s = warp_sum(s);
      if (lane == 0) red[warp] = s;
      __syncthreads();
      const float total = red[0] + red[1] + red[2] + red[3];
      const float rstd = rsqrtf(total / static_cast<float>(hpg * a.P) + a.eps);
      if (threadIdx.x < kRowsPerBlock) yo[b * a.ldy + c] = __float2bfloat16_rn(v * rstd * w);
      __syncthreads();  // red is reused by the next item
    }
    if (shifter) {
#pragma unroll
      for (int m = 0; m < kBcPerThread; ++m) {
        const int i = threadIdx.x + m * kWarps * 32;
        if (i < 2 * a.N) store_window(b, bc_channel(g, i), win[m]);
      }
    }
  }
}

template <int NPL, int K>
cudaError_t launch_decode(const Mamba2DecodeArgs& a, cudaStream_t s) {
  static const int max_blocks = [] {
    int dev = 0, sms = 0, per_sm = 0;
    cudaGetDevice(&dev);
    cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, dev);
    cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, mamba2_decode_kernel<NPL, K>, kWarps * 32, 0);
    return per_sm * sms;
  }();
  if (max_blocks <= 0) return cudaErrorInvalidConfiguration;
  const int64_t items = a.batch * a.H * (a.P / kRowsPerBlock);
  cudaLaunchConfig_t cfg = {};
  cfg.gridDim = dim3(static_cast<unsigned>(items < max_blocks ? items : max_blocks));
  cfg.blockDim = dim3(kWarps * 32);
  cfg.stream = s;
  cudaLaunchAttribute attr[1];
  attr[0].id = cudaLaunchAttributeCooperative;
  attr[0].val.cooperative = 1;
  cfg.attrs = attr;
  cfg.numAttrs = 1;
  return cudaLaunchKernelEx(&cfg, mamba2_decode_kernel<NPL, K>, a);
}

template <int NPL>
cudaError_t launch_decode_k(const Mamba2DecodeArgs& a, cudaStream_t s) {
  switch (a.K) {
    case 2: return launch_decode<NPL, 2>(a, s);
    case 3: return launch_decode<NPL, 3>(a, s);
    case 4: return launch_decode<NPL, 4>(a, s);
    default: return cudaErrorInvalidValue;
  }
}

}  // namespace

cudaError_t ssm_state_update(const SsmStateUpdateArgs& a, cudaStream_t s) {
  if (a.batch <= 0) return cudaSuccess;
  if (a.P % kRowsPerBlock != 0 || a.N % 32 != 0) return cudaErrorInvalidValue;
  const dim3 grid(static_cast<unsigned>(a.P / kRowsPerBlock), static_cast<unsigned>(a.H), static_cast<unsigned>(a.batch));
  switch (a.N / 32) {
    case 1: ssm_state_update_kernel<1><<<grid, kWarps * 32, 0, s>>>(a); break;
    case 2: ssm_state_update_kernel<2><<<grid, kWarps * 32, 0, s>>>(a); break;
    case 4: ssm_state_update_kernel<4><<<grid, kWarps * 32, 0, s>>>(a); break;
    case 8: ssm_state_update_kernel<8><<<grid, kWarps * 32, 0, s>>>(a); break;
    default: return cudaErrorInvalidValue;
  }
  return cudaGetLastError();
}

size_t mamba2_decode_step_workspace_bytes(int64_t batch, int64_t H, int64_t P) {
  return static_cast<size_t>(batch * H * P + batch * H * (P / kRowsPerBlock)) * sizeof(float);
}

cudaError_t mamba2_decode_step(const Mamba2DecodeArgs& a, cudaStream_t s) {
  if (a.batch <= 0) return cudaSuccess;
  if (a.P % kRowsPerBlock != 0 || a.N % 32 != 0 || a.N > 256 || a.H % a.G != 0) return cudaErrorInvalidValue;
  switch (a.N / 32) {
    case 1: return launch_decode_k<1>(a, s);
    case 2: return launch_decode_k<2>(a, s);
    case 4: return launch_decode_k<4>(a, s);
    case 8: return launch_decode_k<8>(a, s);
    default: return cudaErrorInvalidValue;
  }
}

}  // namespace mambascope::kernels
