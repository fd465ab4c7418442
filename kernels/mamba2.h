#pragma once
// Launch functions of the Mamba-2 op family (one op per .cu file; CPU twins in engine/ops/cpu/mamba2.h and
// engine/ops/cpu/ssd.h). Activations are bf16, small per-channel parameters f32, SSM states f32. Rows of a
// 2-D array may be strided (`ld*`, in elements) so that the ops read slices of the in_proj output in place;
// rows must start on 16-byte boundaries.
//
// Conv state layout: bf16 [K, C] per sequence, time-major, slot K-1 the newest raw input (see
// engine/ops/cpu/mamba2.h). SSM state layout: f32 [H, P, N] per sequence.
#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>

namespace mambascope::kernels {

// ---- causal_conv1d.cu: prefill depthwise causal conv1d (+ SiLU), K in 2..4 ----
// y[t, c] = act(bias[c] + sum_k w[c, k] u[t - K + 1 + k, c]), u = init_state (zeros if null) then x.
// final_state (if set) receives the last K inputs of u; it must not alias init_state. C % 8 == 0.
struct CausalConv1dArgs {
  int64_t L = 0, C = 0;
  int K = 4;
  const void* x = nullptr;  // bf16 [L, C]
  int64_t ldx = 0;
  const float* w = nullptr;     // [C, K]
  const float* bias = nullptr;  // [C] or null
  const void* init_state = nullptr;  // bf16 [K, C] or null
  void* y = nullptr;                 // bf16 [L, C]; must not alias x
  int64_t ldy = 0;
  void* final_state = nullptr;  // bf16 [K, C] or null
  bool silu = true;
};
cudaError_t causal_conv1d(const CausalConv1dArgs& a, cudaStream_t s);

// ---- conv1d_update.cu: one decode token of the conv for `batch` sequences ----
// state [batch, K, C] shifts by one with x as the newest slot; y = act(bias + sum_k w[c, k] state[k, c]).
struct Conv1dUpdateArgs {
  int64_t batch = 1, C = 0;
  int K = 4;
  const void* x = nullptr;  // bf16 [batch, C]
  int64_t ldx = 0;
  const float* w = nullptr;
  const float* bias = nullptr;
  void* state = nullptr;  // bf16 [batch, K, C], updated in place
  void* y = nullptr;      // bf16 [batch, C]
  int64_t ldy = 0;
  bool silu = true;
};
cudaError_t conv1d_update(const Conv1dUpdateArgs& a, cudaStream_t s);

// Per-head SSD parameters shared by the prefill and decode kernels:
//   dt = clamp(softplus?(dt_raw + dt_bias), dt_min, dt_max) per row and head; A (negative) and the skip D per head.
struct SsdHeadArgs {
  const void* dt = nullptr;  // bf16 [rows, H], raw
  int64_t lddt = 0;
  const float* dt_bias = nullptr;  // [H] or null
  bool dt_softplus = true;
  float dt_min = 0.f, dt_max = 3.0e38f;
  const float* A = nullptr;  // [H]
  const float* D = nullptr;  // [H] or null
};

// Which implementation of the SSD prefill runs: Auto = the fastest one for (P, N); MmaSync = the warp-level
// tensor-core kernel (every supported (P, N)); Wgmma = the Hopper warpgroup kernel (P 64, N 128 only; falls
// back to MmaSync elsewhere). Benchmarks and tests pick one to compare them.
enum class SsdKernel { Auto, MmaSync, Wgmma };

// ---- ssd_chunk_scan.cu: the SSD prefill (chunked scan) for one sequence ----
// dt = clamp(softplus?(dt_raw + dt_bias), dt_min, dt_max); per head h (group h / (H/G)):
//   h_t = exp(dt_t A_h) h_{t-1} + dt_t x_t B_t^T,  y_t = h_t C_t + D_h x_t,  h_{-1} = init_state (or 0),
// final_state = h_{L-1} (may alias init_state). Supported: (P, N) in {64, 128} x {64, 128}.
struct SsdScanArgs {
  int64_t L = 0, H = 0, P = 0, G = 1, N = 0;
  const void* x = nullptr;  // bf16 [L, H*P]
  int64_t ldx = 0;
  SsdHeadArgs head;          // dt [L, H], A, D
  const void* B = nullptr;   // bf16 [L, G*N]
  int64_t ldb = 0;
  const void* C = nullptr;  // bf16 [L, G*N]
  int64_t ldc = 0;
  const float* init_state = nullptr;  // f32 [H, P, N] or null
  float* final_state = nullptr;       // f32 [H, P, N]
  void* y = nullptr;                  // bf16 [L, H*P]
  int64_t ldy = 0;
  void* workspace = nullptr;  // ssd_chunk_scan_workspace_bytes(H, P, N) bytes, 256-byte aligned
  SsdKernel kernel = SsdKernel::Auto;
};
bool ssd_chunk_scan_supported(int64_t P, int64_t N);
size_t ssd_chunk_scan_workspace_bytes(int64_t H, int64_t P, int64_t N);
cudaError_t ssd_chunk_scan(const SsdScanArgs& a, cudaStream_t s);

// ---- ssm_state_update.cu: one decode token of the SSM for `batch` sequences ----
// The recurrence above for one step on post-conv x, B, C; y = h C + D x, times silu(z) when z is set.
// Any P % 16 == 0 and N % 32 == 0 with N <= 256.
struct SsmStateUpdateArgs {
  int64_t batch = 1, H = 0, P = 0, G = 1, N = 0;
  const void* x = nullptr;  // bf16 [batch, H*P]
  int64_t ldx = 0;
  const void* B = nullptr;  // bf16 [batch, G*N]
  int64_t ldb = 0;
  const void* C = nullptr;  // bf16 [batch, G*N]
  int64_t ldc = 0;
  SsdHeadArgs head;         // dt [batch, H], A, D
  const void* z = nullptr;  // bf16 [batch, H*P] or null
  int64_t ldz = 0;
  float* state = nullptr;  // f32 [batch, H, P, N], updated in place
  void* y = nullptr;       // bf16 [batch, H*P]
  int64_t ldy = 0;
};
cudaError_t ssm_state_update(const SsmStateUpdateArgs& a, cudaStream_t s);

// ---- ssm_state_update.cu, fused: the whole Mamba-2 decode step between the two GEMMs ----
// From the raw (pre-conv) xBC of one token per sequence: conv update (state shifted, silu(conv) rounded to
// bf16), the SSD step above with D, y rounded to bf16, then y * silu(z) (when z is set) and the grouped
// RMSNorm over the heads of each B/C group (when norm_w is set; group = (H/G)*P), out rounded to bf16.
// One cooperative kernel: a grid-wide barrier separates the per-group norm sum (and the B/C conv-state write)
// from the rest. K in 2..4, P % 16 == 0, N in {32, 64, 128, 256}.
struct Mamba2DecodeArgs {
  int64_t batch = 1, H = 0, P = 0, G = 1, N = 0;
  int K = 4;
  const void* xbc = nullptr;  // bf16 [batch, H*P + 2*G*N], raw
  int64_t ldxbc = 0;
  const float* conv_w = nullptr;  // [conv_dim, K]
  const float* conv_b = nullptr;  // [conv_dim] or null
  void* conv_state = nullptr;     // bf16 [batch, K, conv_dim], updated in place
  SsdHeadArgs head;               // dt [batch, H], A, D
  const void* z = nullptr;        // bf16 [batch, H*P] or null
  int64_t ldz = 0;
  const float* norm_w = nullptr;  // [H*P] or null
  float eps = 1e-5f;
  float* ssm_state = nullptr;  // f32 [batch, H, P, N], updated in place
  void* y = nullptr;           // bf16 [batch, H*P]
  int64_t ldy = 0;
  void* workspace = nullptr;  // mamba2_decode_step_workspace_bytes(...)
};
size_t mamba2_decode_step_workspace_bytes(int64_t batch, int64_t H, int64_t P);
cudaError_t mamba2_decode_step(const Mamba2DecodeArgs& a, cudaStream_t s);

// ---- gated_rmsnorm.cu: out = rmsnorm over groups of (y * silu(z)) * w (z optional) ----
// group % 8 == 0, group <= 8192.
struct GatedRmsNormArgs {
  int64_t rows = 0, D = 0, group = 0;
  const void* y = nullptr;  // bf16 [rows, D]
  int64_t ldy = 0;
  const void* z = nullptr;  // bf16 [rows, D] or null
  int64_t ldz = 0;
  const float* w = nullptr;  // [D]
  float eps = 1e-5f;
  void* out = nullptr;  // bf16 [rows, D]; may alias y
  int64_t ldo = 0;
};
cudaError_t gated_rmsnorm(const GatedRmsNormArgs& a, cudaStream_t s);

}  // namespace mambascope::kernels
