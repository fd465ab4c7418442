#include "engine/ops/cpu/gemm.h"

#include <algorithm>

#if MAMBASCOPE_HAVE_OPENBLAS
#include <cblas.h>
#endif

namespace mambascope::cpu {

void gemm_f32(int64_t m, int64_t n, int64_t k, const float* x, int64_t ldx, const float* w, int64_t ldw, float* y,
              int64_t ldy, const float* bias, float alpha, float beta) {
#if MAMBASCOPE_HAVE_OPENBLAS
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(m), static_cast<int>(n), static_cast<int>(k),
              alpha, x, static_cast<int>(ldx), w, static_cast<int>(ldw), beta, y, static_cast<int>(ldy));
  if (bias)
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) y[i * ldy + j] += bias[j];
#else
  // Blocked over rows of x and rows of w so that a tile of each stays in cache; dot products in f32.
  constexpr int64_t kBm = 16, kBn = 64;
#pragma omp parallel for collapse(2) schedule(static)
  for (int64_t i0 = 0; i0 < m; i0 += kBm)
    for (int64_t j0 = 0; j0 < n; j0 += kBn)
      for (int64_t i = i0; i < std::min(m, i0 + kBm); ++i)
        for (int64_t j = j0; j < std::min(n, j0 + kBn); ++j) {
          const float* xr = x + i * ldx;
          const float* wr = w + j * ldw;
          float acc = 0.f;
          for (int64_t p = 0; p < k; ++p) acc += xr[p] * wr[p];
          float v = alpha * acc + (bias ? bias[j] : 0.f);
          if (beta != 0.f) v += beta * y[i * ldy + j];
          y[i * ldy + j] = v;
        }
#endif
}

}  // namespace mambascope::cpu
