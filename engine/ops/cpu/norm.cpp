#include "engine/ops/cpu/norm.h"

#include <cmath>

namespace mambascope::cpu {

void norm_rows(bool layer_norm, int64_t rows, int64_t dim, const float* x, const float* w, const float* b, float* y,
               float eps, float* residual, bool residual_init, float (*round_residual)(float)) {
#pragma omp parallel for schedule(static)
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * dim;
    float* yr = y + r * dim;
    const float* src = xr;
    if (residual) {
      float* rr = residual + r * dim;
      for (int64_t c = 0; c < dim; ++c) rr[c] = round_residual(residual_init ? xr[c] : rr[c] + xr[c]);
      src = rr;
    }
    float mean = 0.f;
    if (layer_norm) {
      for (int64_t c = 0; c < dim; ++c) mean += src[c];
      mean /= static_cast<float>(dim);
    }
    float ss = 0.f;
    for (int64_t c = 0; c < dim; ++c) ss += (src[c] - mean) * (src[c] - mean);
    const float rstd = 1.f / std::sqrt(ss / static_cast<float>(dim) + eps);
    for (int64_t c = 0; c < dim; ++c) yr[c] = (src[c] - mean) * rstd * w[c] + (b ? b[c] : 0.f);
  }
}

}  // namespace mambascope::cpu
