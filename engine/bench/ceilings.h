#pragma once
// The GPU's measured ceilings, the denominators of every "% of ceiling" the benchmarks print:
// device copy bandwidth (bytes read + bytes written per second) and bf16 GEMM throughput through cuBLASLt.
#include <string>

#include "engine/bench/stats.h"

namespace mambascope {

struct CeilingOptions {
  size_t copy_bytes = size_t{2} << 30;  // 2 GiB each way: far beyond the 50 MB L2
  int gemm_size = 8192;                 // M = N = K
  int warmup = 5, reps = 30;
};

struct Ceilings {
  std::string gpu;
  double copy_GBps = 0;       // from the median copy time
  TimingStats copy;
  double gemm_TFLOPs = 0;     // from the median GEMM time
  TimingStats gemm;
  CeilingOptions options;
};

Ceilings measure_ceilings(const CeilingOptions& opt = {});

}  // namespace mambascope
