#include "engine/ops/cpu/ssd.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace mambascope::ops::cpu {

void ssd_discretize_dt(int64_t L, int64_t H, const float* dt_raw, const float* bias, bool softplus, float dt_min,
                       float dt_max, float* dt) {
  for (int64_t t = 0; t < L; ++t)
    for (int64_t h = 0; h < H; ++h) {
      float v = dt_raw[t * H + h] + (bias ? bias[h] : 0.f);
      if (softplus) v = v <= 20.f ? std::log1p(std::exp(v)) : v;
      dt[t * H + h] = std::min(std::max(v, dt_min), dt_max);
    }
}

void ssd_sequential(const SsdDims& d, const SsdArrays& a) {
  const int64_t HP = d.H * d.P, GN = d.G * d.N, hpg = d.H / d.G;
#pragma omp parallel for schedule(static)
  for (int64_t h = 0; h < d.H; ++h) {
    float* S = a.state + h * d.P * d.N;
    const int64_t g = h / hpg;
    for (int64_t t = 0; t < d.L; ++t) {
      const float dt = a.dt[t * d.H + h];
      const float decay = std::exp(dt * a.A[h]);
      const float* x = a.x + t * HP + h * d.P;
      const float* B = a.B + t * GN + g * d.N;
      const float* C = a.C + t * GN + g * d.N;
      for (int64_t p = 0; p < d.P; ++p) {
        float* row = S + p * d.N;
        const float dx = dt * x[p];
        float acc = 0.f;
        for (int64_t n = 0; n < d.N; ++n) {
          row[n] = decay * row[n] + dx * B[n];
          acc += row[n] * C[n];
        }
        a.y[t * HP + h * d.P + p] = acc + (a.D ? a.D[h] * x[p] : 0.f);
      }
    }
  }
}

void ssd_chunked(const SsdDims& d, int64_t chunk, const SsdArrays& a) {
  const int64_t HP = d.H * d.P, GN = d.G * d.N, hpg = d.H / d.G, PN = d.P * d.N;
  const int64_t nc = (d.L + chunk - 1) / chunk;
#pragma omp parallel for schedule(static)
  for (int64_t h = 0; h < d.H; ++h) {
    const int64_t g = h / hpg;
    auto X = [&](int64_t t, int64_t p) { return a.x[t * HP + h * d.P + p]; };
    auto Bv = [&](int64_t t) { return a.B + t * GN + g * d.N; };
    auto Cv = [&](int64_t t) { return a.C + t * GN + g * d.N; };
    auto dt = [&](int64_t t) { return a.dt[t * d.H + h]; };

    // (1) cumulative sums of dt*A inside each chunk: cs[t] for the chunk holding t.
    std::vector<float> cs(static_cast<size_t>(d.L));
    for (int64_t c = 0; c < nc; ++c) {
      float run = 0.f;
      for (int64_t t = c * chunk; t < std::min(d.L, (c + 1) * chunk); ++t) cs[t] = run += dt(t) * a.A[h];
    }
    auto last = [&](int64_t c) { return std::min(d.L, (c + 1) * chunk) - 1; };

    // (2) each chunk's end state starting from zero: sum_s exp(cs_last - cs_s) dt_s x_s B_s^T.
    std::vector<float> states(static_cast<size_t>(nc * PN), 0.f);
    for (int64_t c = 0; c < nc; ++c) {
      float* Sc = states.data() + c * PN;
      for (int64_t s = c * chunk; s <= last(c); ++s) {
        const float w = std::exp(cs[last(c)] - cs[s]) * dt(s);
        const float* B = Bv(s);
        for (int64_t p = 0; p < d.P; ++p) {
          const float wx = w * X(s, p);
          for (int64_t n = 0; n < d.N; ++n) Sc[p * d.N + n] += wx * B[n];
        }
      }
    }

    // (3) state passing: replace each chunk's own state by the state entering it; the running state after
    // the last chunk is the final state.
    float* S = a.state + h * PN;  // holds the initial state
    std::vector<float> own(static_cast<size_t>(PN));
    for (int64_t c = 0; c < nc; ++c) {
      float* Sc = states.data() + c * PN;
      const float decay = std::exp(cs[last(c)]);
      std::copy(Sc, Sc + PN, own.begin());
      std::copy(S, S + PN, Sc);
      for (int64_t i = 0; i < PN; ++i) S[i] = decay * S[i] + own[i];
    }

    // (4) outputs: the state entering the chunk seen through C, plus the intra-chunk part.
    std::vector<float> acc(static_cast<size_t>(d.P));
    for (int64_t c = 0; c < nc; ++c) {
      const float* Sin = states.data() + c * PN;
      for (int64_t t = c * chunk; t <= last(c); ++t) {
        const float* C = Cv(t);
        const float et = std::exp(cs[t]);
        for (int64_t p = 0; p < d.P; ++p) {
          float v = 0.f;
          for (int64_t n = 0; n < d.N; ++n) v += Sin[p * d.N + n] * C[n];
          acc[p] = et * v;
        }
        for (int64_t s = c * chunk; s <= t; ++s) {
          const float* B = Bv(s);
          float cb = 0.f;
          for (int64_t n = 0; n < d.N; ++n) cb += C[n] * B[n];
          const float m = cb * std::exp(cs[t] - cs[s]) * dt(s);
          for (int64_t p = 0; p < d.P; ++p) acc[p] += m * X(s, p);
        }
        for (int64_t p = 0; p < d.P; ++p) a.y[t * HP + h * d.P + p] = acc[p] + (a.D ? a.D[h] * X(t, p) : 0.f);
      }
    }
  }
}

}  // namespace mambascope::ops::cpu
