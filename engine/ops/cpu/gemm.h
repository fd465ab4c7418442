#pragma once
// CPU reference GEMM (f32): y[m, n] = alpha * sum_k x[m, k] * w[n, k] + bias[n] + beta * y[m, n].
// OpenBLAS when the build has it, a blocked loop otherwise. Row-major with leading dimensions.
#include <cstdint>

namespace mambascope::cpu {
void gemm_f32(int64_t m, int64_t n, int64_t k, const float* x, int64_t ldx, const float* w, int64_t ldw, float* y,
              int64_t ldy, const float* bias, float alpha, float beta);
}
