#pragma once
// Micro-benchmarks of single ops (`mambascope bench-op <op>`), llm.c style: each op family registers a
// factory that builds device inputs at the requested dims/lengths and returns one case per length. The
// runner times each case with CUDA events (warm-up, median of reps), and reports GB/s, TFLOP/s and the
// share of the ceilings measured in the same run.
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "engine/bench/ceilings.h"
#include "engine/bench/stats.h"

namespace mambascope {

struct OpBenchArgs {
  std::string dims;                          // a preset name ("mamba2-2.7b") or empty for the op's default
  std::map<std::string, std::string> params; // --param k=v overrides (e.g. "headdim=128", "causal=0")
  std::vector<int64_t> lens;                 // sequence lengths (an op may ignore them, e.g. decode)
  uint64_t seed = 1;
  int64_t param_int(const std::string& k, int64_t def) const;
  double param_double(const std::string& k, double def) const;
  std::string param_str(const std::string& k, const std::string& def) const;
};

struct OpBenchCase {
  std::string op, dims;
  int64_t len = 0;
  double bytes = 0;   // fewest bytes the op must move through device memory (inputs once, outputs once)
  double flops = 0;   // floating-point operations (multiply-add = 2)
  std::function<void()> run;    // enqueues the op on this thread's stream
  std::function<void()> check;  // optional: verifies the output once before timing (throws Error)
  std::map<std::string, std::string> notes;  // shown in the JSON row
};

struct OpBenchRow {
  std::string op, dims;
  int64_t len = 0;
  TimingStats t;
  double GBps = 0, TFLOPs = 0;
  double pct_copy = 0, pct_gemm = 0;  // of the measured ceilings
  std::map<std::string, std::string> notes;
};

using OpBenchFactory = std::function<std::vector<OpBenchCase>(const OpBenchArgs&)>;

struct OpBenchEntry {
  std::string name, help;
  OpBenchFactory factory;
};

// Families register their ops here (called once by the CLI before parsing).
void register_op_bench(const std::string& name, const std::string& help, OpBenchFactory f);
const std::map<std::string, OpBenchEntry>& op_bench_registry();
void register_all_op_benches();  // calls each family's register_*_op_benches()

// Family registration functions (defined next to each family's ops).
void register_core_op_benches();
void register_attention_op_benches();
void register_mamba2_op_benches();

std::vector<OpBenchRow> run_op_bench(const std::string& op, const OpBenchArgs& args, const Ceilings* ceilings,
                                     int warmup, int reps);

}  // namespace mambascope
