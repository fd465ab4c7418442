#pragma once
// One measured run of a model: prefill `length` tokens, then decode `decode` tokens greedily, timing each
// phase with CUDA events (wall clock on the CPU) and reading the allocator's peak by category. The unit the
// benchmark sweeps repeat; `mambascope run` prints one.
#include <string>

#include "engine/bench/stats.h"
#include "engine/model/model.h"
#include "engine/profile/profile.h"
#include "engine/session/session.h"

namespace mambascope {

struct RunOptions {
  int64_t length = 1024;       // prompt tokens
  int64_t decode = 32;         // generated tokens (the first few are warm-up for the median)
  int64_t prefill_chunk = 8192;
  bool cuda_graphs = true;
  int repeats = 1;             // prefill repeats (median reported)
  bool host_clock_decode = false;  // time decode steps on the host clock (token in -> token out) instead of events
  uint64_t seed = 1;
};

struct RunResult {
  TimingStats prefill;          // ms
  TimingStats decode;           // ms per token, steady state
  MemoryPlan plan;
  MemorySnapshot memory;        // the device allocator over the run (peaks)
  size_t device_used = 0;       // cudaMemGetInfo total - free at the end of the run
  std::vector<int32_t> tokens;  // what greedy decode produced
};

// `n` deterministic pseudo-random token ids below `vocab` (a benchmark prompt: speed does not depend on them).
std::vector<int32_t> random_prompt(int64_t n, int64_t vocab, uint64_t seed);
// The session a run uses: room for the prompt and the generated tokens.
SessionOptions session_options(const RunOptions& opt);
RunResult run_model(std::shared_ptr<const Model> model, const RunOptions& opt);
ProfileRow to_profile_row(const Model& m, const RunOptions& o, const RunResult& r);

}  // namespace mambascope
