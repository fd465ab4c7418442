#include "engine/ops/cpu/sampling.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <vector>

#include "kernels/sampling_math.h"

namespace mambascope::cpu {

namespace sm = sampling_math;

int32_t sample_row(const float* logits, int64_t vocab, const int32_t* prev, int64_t n_prev, const SamplingConfig& c,
                   uint64_t step, uint64_t row) {
  std::vector<float> y(logits, logits + vocab);
  if (c.repetition_penalty != 1.f && prev)
    for (int64_t i = 0; i < n_prev; ++i)
      if (prev[i] >= 0 && prev[i] < vocab) y[prev[i]] = sm::penalize(logits[prev[i]], c.repetition_penalty);

  auto argmax = [&](auto score, const std::vector<char>* keep) {
    int64_t best = -1;
    float bv = 0.f;
    for (int64_t i = 0; i < vocab; ++i) {
      if (keep && !(*keep)[i]) continue;
      const float v = score(i);
      if (best < 0 || v > bv) best = i, bv = v;
    }
    return static_cast<int32_t>(best < 0 ? 0 : best);
  };
  if (c.temperature <= 0.f) return argmax([&](int64_t i) { return y[i]; }, nullptr);

  std::vector<uint32_t> key(static_cast<size_t>(vocab));
  for (int64_t i = 0; i < vocab; ++i) {
    y[i] = sm::div_(y[i], c.temperature);
    key[i] = sm::order_key(y[i]);
  }
  std::vector<char> keep(static_cast<size_t>(vocab), 1);
  if (c.top_k > 0 && c.top_k < vocab) {
    std::vector<uint32_t> sorted = key;
    std::nth_element(sorted.begin(), sorted.begin() + (c.top_k - 1), sorted.end(), std::greater<>());
    const uint32_t kth = sorted[c.top_k - 1];
    for (int64_t i = 0; i < vocab; ++i) keep[i] = key[i] >= kth;
  }
  if (c.top_p < 1.f) {
    float ymax = -INFINITY;
    for (int64_t i = 0; i < vocab; ++i)
      if (keep[i]) ymax = std::max(ymax, y[i]);
    std::vector<std::pair<uint32_t, uint64_t>> kw;  // (key, weight) of the kept tokens
    uint64_t total = 0;
    for (int64_t i = 0; i < vocab; ++i)
      if (keep[i]) {
        const uint64_t w = sm::fixed_weight(sm::sub_(y[i], ymax));
        kw.emplace_back(key[i], w);
        total += w;
      }
    const uint64_t limit = std::max<uint64_t>(static_cast<uint64_t>(static_cast<double>(c.top_p) * static_cast<double>(total)), 1);
    std::sort(kw.begin(), kw.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    uint64_t above = 0;  // weight of keys strictly greater than the current group
    uint32_t cut = kw.empty() ? 0 : kw.front().first;
    for (size_t g = 0; g < kw.size();) {
      size_t e = g;
      uint64_t group = 0;
      while (e < kw.size() && kw[e].first == kw[g].first) group += kw[e++].second;
      if (above >= limit) break;
      cut = kw[g].first;
      above += group;
      g = e;
    }
    for (int64_t i = 0; i < vocab; ++i) keep[i] = keep[i] && key[i] >= cut;
  }
  return argmax([&](int64_t i) { return sm::add_(y[i], sm::gumbel(c.seed, step, row, static_cast<uint64_t>(i))); }, &keep);
}

}  // namespace mambascope::cpu
