#pragma once
// CPU reference of RMSNorm / LayerNorm with the pre-norm residual add (the specification of kernels/norm.cu).
// Per row of `dim` values, in f32:
//   r = x; or, with a residual stream, r = round(residual + x) (or round(x) when residual_init), stored back;
//   RMSNorm:   y = r / sqrt(mean(r^2) + eps) * w
//   LayerNorm: y = (r - mean(r)) / sqrt(var(r) + eps) * w + b      (biased variance, as torch)
// `round_residual` rounds a value to the residual's storage type (identity for f32).
#include <cstdint>

namespace mambascope::cpu {

void norm_rows(bool layer_norm, int64_t rows, int64_t dim, const float* x, const float* w, const float* b, float* y,
               float eps, float* residual, bool residual_init, float (*round_residual)(float));

}  // namespace mambascope::cpu
