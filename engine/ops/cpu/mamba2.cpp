#include "engine/ops/cpu/mamba2.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace mambascope::ops::cpu {

void causal_conv1d(int64_t L, int64_t C, int64_t K, const float* x, const float* w, const float* bias,
                   const float* init_state, bool silu_act, float* y, float* final_state) {
  // u(t, c) for t in [-K, L): the extended sequence.
  auto u = [&](int64_t t, int64_t c) -> float {
    if (t >= 0) return x[t * C + c];
    return init_state ? init_state[(K + t) * C + c] : 0.f;
  };
  for (int64_t t = 0; t < L; ++t)
    for (int64_t c = 0; c < C; ++c) {
      float acc = bias ? bias[c] : 0.f;
      for (int64_t k = 0; k < K; ++k) acc += w[c * K + k] * u(t - K + 1 + k, c);
      y[t * C + c] = silu_act ? silu(acc) : acc;
    }
  if (final_state) {
    std::vector<float> tmp(static_cast<size_t>(K * C));  // final_state may alias init_state
    for (int64_t k = 0; k < K; ++k)
      for (int64_t c = 0; c < C; ++c) tmp[k * C + c] = u(L - K + k, c);
    std::copy(tmp.begin(), tmp.end(), final_state);
  }
}

void conv1d_update(int64_t batch, int64_t C, int64_t K, const float* x, const float* w, const float* bias,
                   float* state, bool silu_act, float* y) {
  for (int64_t b = 0; b < batch; ++b) {
    float* st = state + b * K * C;
    for (int64_t c = 0; c < C; ++c) {
      for (int64_t k = 0; k + 1 < K; ++k) st[k * C + c] = st[(k + 1) * C + c];
      st[(K - 1) * C + c] = x[b * C + c];
      float acc = bias ? bias[c] : 0.f;
      for (int64_t k = 0; k < K; ++k) acc += w[c * K + k] * st[k * C + c];
      y[b * C + c] = silu_act ? silu(acc) : acc;
    }
  }
}

void gated_rmsnorm(int64_t rows, int64_t D, int64_t group, const float* y, const float* z, const float* w, float eps,
                   float* out) {
  std::vector<float> v(static_cast<size_t>(group));
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t g0 = 0; g0 < D; g0 += group) {
      double ss = 0;
      for (int64_t i = 0; i < group; ++i) {
        const int64_t c = r * D + g0 + i;
        v[i] = z ? y[c] * silu(z[c]) : y[c];
        ss += static_cast<double>(v[i]) * v[i];
      }
      const float rstd = 1.f / std::sqrt(static_cast<float>(ss / group) + eps);
      for (int64_t i = 0; i < group; ++i) out[r * D + g0 + i] = v[i] * rstd * w[g0 + i];
    }
}

}  // namespace mambascope::ops::cpu
