#pragma once
// CPU references of the Mamba-2 ops around the SSD core (the specification of the CUDA kernels): the causal
// depthwise conv1d (prefill and one-token update) and the gated grouped RMSNorm. Plain loops, f32.
//
// Conv state layout (shared with the CUDA kernels and the layer's cache): `state [K, C]` time-major, slot
// K-1 the newest input, slot 0 the oldest: the last K raw (pre-conv) inputs of the sequence so far, zeros
// where the sequence is shorter. This is the memory layout of the reference's conv_state (a [B, K, C] buffer
// viewed as [B, C, K]).
#include <cmath>
#include <cstdint>

namespace mambascope::ops::cpu {

// y[t, c] = act(bias[c] + sum_k w[c, k] * u[t - K + 1 + k, c]) for t in [0, L), where u is the sequence
// `x [L, C]` preceded by the K inputs in `init_state` (zeros when null). act is SiLU when `silu`.
// `final_state` (may be null) receives the last K inputs of that extended sequence. bias may be null.
void causal_conv1d(int64_t L, int64_t C, int64_t K, const float* x, const float* w, const float* bias,
                   const float* init_state, bool silu, float* y, float* final_state);

// One token for `batch` sequences: state [batch, K, C] is shifted by one (the oldest input drops out, x
// becomes slot K-1), then y [batch, C] = act(bias + sum_k w[c, k] state[k, c]).
void conv1d_update(int64_t batch, int64_t C, int64_t K, const float* x, const float* w, const float* bias,
                   float* state, bool silu, float* y);

// out[r, :] = rmsnorm_grouped(y[r, :] * silu(z[r, :])) * w over rows of D channels, normalised separately
// over each run of `group` channels: v / sqrt(mean(v^2) + eps). z may be null (no gate).
// The reference's RMSNormGated with norm_before_gate=False.
void gated_rmsnorm(int64_t rows, int64_t D, int64_t group, const float* y, const float* z, const float* w, float eps,
                   float* out);

inline float silu(float v) { return v / (1.f + std::exp(-v)); }

}  // namespace mambascope::ops::cpu
