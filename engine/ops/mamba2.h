#pragma once
// The Mamba-2 ops: shape/dtype/device checks, then the CPU reference (engine/ops/cpu/mamba2.h, ssd.h) or the
// CUDA kernel (kernels/mamba2.h). 2-D arguments may be row-strided views (e.g. slices of the in_proj output);
// on CUDA their rows must start on 16-byte boundaries.
//
// Dtypes. CPU: activations and states any float type, computed in f32. CUDA: activations (x, dt, B, C, z, y,
// conv states) bf16; per-channel parameters (conv w/bias, A, D, dt_bias, norm w) f32; SSM states f32.
// Temporaries come from `arena` when one is given (sessions, CUDA-graph capture), otherwise are allocated.
#include <limits>

#include "engine/core/arena.h"
#include "engine/core/tensor.h"

namespace mambascope::ops {

// Causal depthwise conv1d over time (prefill), SiLU when `silu`:
//   x [L, C], w [C, K] (or PyTorch's [C, 1, K]), bias [C] or undefined,
//   init_state [K, C] or undefined (zeros): the K inputs before x, time-major, slot K-1 the newest;
//   y [L, C]; final_state [K, C] or undefined: the last K inputs (may alias init_state).
// CUDA: K in 2..4, C % 8 == 0.
void causal_conv1d(const Tensor& x, const Tensor& w, const Tensor& bias, const Tensor& init_state, Tensor& y,
                   Tensor& final_state, bool silu = true, Arena* arena = nullptr);

// One decode token for `batch` sequences: x [batch, C]; state [batch, K, C] shifted in place (x becomes
// slot K-1); y [batch, C] = act(bias + sum_k w[:, k] * state[k]).
void conv1d_update(const Tensor& x, const Tensor& w, const Tensor& bias, Tensor& state, Tensor& y, bool silu = true);

// Settings of the SSD core shared by prefill and decode.
struct SsdParams {
  int64_t ngroups = 1;  // groups of B/C; head h uses group h / (nheads / ngroups)
  Tensor dt_bias;       // [H] or undefined
  bool dt_softplus = true;
  float dt_min = 0.f, dt_max = std::numeric_limits<float>::infinity();  // the reference's dt_limit
  Tensor D;                  // [H] skip or undefined
  int64_t chunk_size = 256;  // the CPU chunked form's chunk; the CUDA kernel chooses its own (same math)
  // Which CUDA implementation runs (benchmarks and tests compare them): the fastest for (P, N), the mma.sync
  // kernel (every supported P, N) or the Hopper wgmma kernel (P 64, N 128; the mma.sync one elsewhere).
  enum class CudaKernel { Auto, MmaSync, Wgmma } cuda_kernel = CudaKernel::Auto;
};

// SSD prefill for one sequence. x [L, H*P], dt [L, H] raw (before bias/softplus), A [H] (negative), B and C
// [L, G*N]; init_state [H, P, N] f32 or undefined (zeros); y [L, H*P]; final_state [H, P, N] f32 (may alias
// init_state). H = A's size, G = p.ngroups. CUDA: (P, N) in {64, 128} x {64, 128}.
// Bytes ssd_scan / causal_conv1d take from their arena at most (the memory planner sizes sessions with them;
// 0 for the CPU path, which computes in its own buffers).
size_t ssd_scan_scratch_bytes(int64_t H, int64_t P, int64_t N);
size_t causal_conv1d_scratch_bytes(int64_t K, int64_t C);

void ssd_scan(const Tensor& x, const Tensor& dt, const Tensor& A, const Tensor& B, const Tensor& C, const SsdParams& p,
              const Tensor& init_state, Tensor& y, Tensor& final_state, Arena* arena = nullptr);

// SSD decode: one token for `batch` sequences on post-conv inputs. x [batch, H*P], dt [batch, H] raw, B, C
// [batch, G*N], z [batch, H*P] or undefined (y *= silu(z) when given), state [batch, H, P, N] f32 updated in
// place, y [batch, H*P]. CUDA: P % 16 == 0, N in {32, 64, 128, 256}.
void ssm_state_update(const Tensor& x, const Tensor& dt, const Tensor& A, const Tensor& B, const Tensor& C,
                      const Tensor& z, const SsdParams& p, Tensor& state, Tensor& y);

// The whole Mamba-2 decode step between the two GEMMs, for `batch` sequences: conv1d_update of the raw xbc
// [batch, conv_dim = H*P + 2*G*N] (conv_state [batch, K, conv_dim]), ssm_state_update of the resulting
// x | B | C (ssm_state [batch, H, P, N]), then y * silu(z) and, when norm_w [H*P] is given, the grouped
// RMSNorm over the heads of each group (group size (H/G)*P, the layer's). dt [batch, H] raw, z [batch, H*P] or
// undefined, y [batch, H*P]. CPU: those three ops in sequence (the definition). CUDA: one fused cooperative
// kernel (K 2..4, P % 16 == 0, N in {32, 64, 128, 256}; y is rounded to bf16 before the norm, as between the
// separate ops).
void mamba2_decode_step(const Tensor& xbc, const Tensor& dt, const Tensor& z, const Tensor& conv_w, const Tensor& conv_b,
                        const Tensor& A, const SsdParams& p, const Tensor& norm_w, float eps, Tensor& conv_state,
                        Tensor& ssm_state, Tensor& y, Arena* arena = nullptr);

// out [rows, D] = rmsnorm over each run of `group` channels of (y * silu(z)) (or y when z is undefined),
// times w [D]; eps inside the square root. out may alias y. CUDA: group % 8 == 0, group <= 8192.
void gated_rmsnorm(const Tensor& y, const Tensor& z, const Tensor& w, Tensor& out, int64_t group, float eps);

}  // namespace mambascope::ops
