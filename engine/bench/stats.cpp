#include "engine/bench/stats.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace mambascope {

TimingStats summarize_ms(std::vector<double> v) {
  TimingStats s;
  s.samples = static_cast<int>(v.size());
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  s.median_ms = n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
  s.min_ms = v.front();
  s.max_ms = v.back();
  s.mean_ms = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(n);
  double var = 0;
  for (double x : v) var += (x - s.mean_ms) * (x - s.mean_ms);
  s.rel_stdev = n > 1 && s.mean_ms > 0 ? std::sqrt(var / static_cast<double>(n - 1)) / s.mean_ms : 0.0;
  return s;
}

}  // namespace mambascope
