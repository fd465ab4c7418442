#pragma once
// Times work on this thread's CUDA stream with CUDA events: `warmup` untimed calls, then `reps` calls each
// bracketed by its own pair of events. Returns the per-call milliseconds.
#include <functional>
#include <vector>

namespace mambascope {

std::vector<double> time_cuda_ms(const std::function<void()>& fn, int warmup, int reps);

}  // namespace mambascope
