#include "engine/ops/cpu/attention.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace mambascope::cpu {

void attention(const AttentionDims& d, const float* q, const float* k, const float* v, float* o, float scale,
               bool causal, int64_t row_step) {
  const int64_t D = d.head_dim, group = d.heads_q / d.heads_kv;
  const int64_t q_row = int64_t{d.heads_q} * D, kv_row = int64_t{d.heads_kv} * D;
  const int64_t offset = d.len_kv - d.len_q;  // bottom-right alignment of the causal mask
  constexpr int64_t kTile = 64;
  const int64_t rows = d.len_q;
#pragma omp parallel for collapse(3) schedule(dynamic, 4)
  for (int b = 0; b < d.batch; ++b)
    for (int h = 0; h < d.heads_q; ++h)
      for (int64_t i = 0; i < rows; ++i) {
        if (row_step > 1 && i % row_step != 0 && i != rows - 1) continue;
        const float* qi = q + (b * d.len_q + i) * q_row + h * D;
        float* oi = o + (b * d.len_q + i) * q_row + h * D;
        const int64_t hk = h / group;
        const int64_t visible = causal ? std::clamp<int64_t>(i + offset + 1, 0, d.len_kv) : d.len_kv;
        std::vector<float> acc(static_cast<size_t>(D), 0.f), s(kTile);
        float m = -std::numeric_limits<float>::infinity(), l = 0.f;
        for (int64_t j0 = 0; j0 < visible; j0 += kTile) {
          const int64_t n = std::min(kTile, visible - j0);
          float tile_max = -std::numeric_limits<float>::infinity();
          for (int64_t t = 0; t < n; ++t) {
            const float* kj = k + (b * d.len_kv + j0 + t) * kv_row + hk * D;
            float dot = 0.f;
            for (int64_t c = 0; c < D; ++c) dot += qi[c] * kj[c];
            s[t] = dot * scale;
            tile_max = std::max(tile_max, s[t]);
          }
          const float m_new = std::max(m, tile_max);
          const float alpha = std::exp(m - m_new);  // 0 on the first tile (m = -inf)
          l *= alpha;
          for (float& a : acc) a *= alpha;
          for (int64_t t = 0; t < n; ++t) {
            const float p = std::exp(s[t] - m_new);
            l += p;
            const float* vj = v + (b * d.len_kv + j0 + t) * kv_row + hk * D;
            for (int64_t c = 0; c < D; ++c) acc[c] += p * vj[c];
          }
          m = m_new;
        }
        const float inv = l > 0.f ? 1.f / l : 0.f;
        for (int64_t c = 0; c < D; ++c) oi[c] = acc[c] * inv;
      }
}

}  // namespace mambascope::cpu
