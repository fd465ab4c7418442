#pragma once
// The SSD (state-space duality) core of Mamba-2 on the CPU: the specification the CUDA kernels are tested
// against. Plain loops, f32 everywhere, one sequence.
//
// Per head h (group g = h / (H / G)), token t, with h_t a [P, N] state:
//   h_t = exp(dt_t A_h) h_{t-1} + dt_t x_t B_t^T        (x_t: [P], B_t, C_t: [N] of group g)
//   y_t = h_t C_t + D_h x_t
// `dt` here is the discretisation step itself (after bias, softplus and clamping: see ssd_discretize_dt).
#include <cstdint>

namespace mambascope::ops::cpu {

struct SsdDims {
  int64_t L = 0;  // tokens
  int64_t H = 0;  // heads
  int64_t P = 0;  // channels per head (headdim)
  int64_t G = 1;  // groups of B/C (divides H)
  int64_t N = 0;  // state size per channel (d_state)
};

// Dense row-major arrays: x [L, H*P], dt [L, H], A [H], B and C [L, G*N], D [H] or null,
// state [H, P, N]: the initial state on entry, the final state on return. y [L, H*P].
struct SsdArrays {
  const float* x = nullptr;
  const float* dt = nullptr;
  const float* A = nullptr;
  const float* B = nullptr;
  const float* C = nullptr;
  const float* D = nullptr;
  float* state = nullptr;
  float* y = nullptr;
};

// dt[t, h] = clamp(softplus(dt_raw[t, h] + bias[h]), dt_min, dt_max); softplus(v) = log(1 + e^v), and v itself
// above 20 (as the reference does). bias may be null; softplus may be off.
void ssd_discretize_dt(int64_t L, int64_t H, const float* dt_raw, const float* bias, bool softplus, float dt_min,
                       float dt_max, float* dt);

// The recurrence above, token by token: the definition.
void ssd_sequential(const SsdDims& d, const SsdArrays& a);

// The same function in the chunked form the GPU computes, for chunks of `chunk` tokens (the last one may be
// short): (1) cumulative sums of dt*A inside each chunk, (2) each chunk's own end state from zero,
// (3) state passing across chunks (a short sequential scan), (4) each chunk's output = the intra-chunk
// (masked, decayed C B^T) product with dt x plus C times the state entering the chunk. Equal to
// ssd_sequential up to f32 rounding.
void ssd_chunked(const SsdDims& d, int64_t chunk, const SsdArrays& a);

}  // namespace mambascope::ops::cpu
