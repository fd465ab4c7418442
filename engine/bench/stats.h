#pragma once
// Summary statistics of repeated timings, nvbench style: median and the noise around it.
#include <vector>

namespace mambascope {

struct TimingStats {
  int samples = 0;
  double median_ms = 0, mean_ms = 0, min_ms = 0, max_ms = 0;
  double rel_stdev = 0;  // standard deviation / mean ("noise")
};

TimingStats summarize_ms(std::vector<double> samples_ms);

}  // namespace mambascope
