#include "engine/ops/cpu/rope.h"

#include <cmath>
#include <vector>

namespace mambascope::cpu {

double rope_base(const RopeConfig& c, int head_dim, int64_t total_len) {
  double base = c.theta;
  if (c.scaling == RopeScaling::DynamicNtk && total_len > c.max_positions) {
    const double f = c.factor;
    base *= std::pow(f * static_cast<double>(total_len) / static_cast<double>(c.max_positions) - (f - 1.0),
                     static_cast<double>(head_dim) / (head_dim - 2.0));
  }
  return base;
}

float rope_inv_freq(double base, int head_dim, int i) {
  return static_cast<float>(1.0 / std::pow(base, 2.0 * i / head_dim));
}

void rope(float* x, int64_t batch, int64_t len, int heads, int head_dim, const RopeConfig& c, int64_t pos_offset,
          int64_t total_len) {
  const int half = head_dim / 2;
  const double base = rope_base(c, head_dim, total_len);
  std::vector<float> inv(static_cast<size_t>(half));
  for (int i = 0; i < half; ++i) inv[i] = rope_inv_freq(base, head_dim, i);
#pragma omp parallel for collapse(2) schedule(static)
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t l = 0; l < len; ++l) {
      float t = static_cast<float>(pos_offset + l);
      if (c.scaling == RopeScaling::Linear) t = t / c.factor;
      for (int h = 0; h < heads; ++h) {
        float* v = x + ((b * len + l) * heads + h) * head_dim;
        for (int i = 0; i < half; ++i) {
          const float a = t * inv[i];
          const float cs = std::cos(a), sn = std::sin(a);
          const float x0 = v[i], x1 = v[i + half];
          v[i] = x0 * cs - x1 * sn;
          v[i + half] = x1 * cs + x0 * sn;
        }
      }
    }
}

}  // namespace mambascope::cpu
