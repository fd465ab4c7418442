#pragma once
// Where the time of a profiled phase goes: the records of a CUPTI collection (engine/profile/trace.h) summed
// per op scope, per layer and per kernel symbol, with each one's share of the phase's GPU span. What
// `mambascope profile` prints and stores in the profile JSON (docs/profile-format.md, "kernel_summaries").
#include <string>
#include <vector>

#include "engine/profile/profile.h"
#include "engine/profile/trace.h"

namespace mambascope {

// The records of one phase (a prefill, or `steps` decode steps) and the windows of its steps: [start, end)
// GPU-clock intervals, one per step; a record belongs to the step whose window holds its start.
struct PhaseRecords {
  std::string phase;   // "prefill" or "decode"
  int steps = 1;
  std::vector<std::pair<int64_t, int64_t>> windows;  // empty: one window around all records
  std::vector<KernelRecord> records;
};

// Sums per op / layer / kernel symbol. Times are per step (totals / steps); span_ms is the mean over steps of
// (last end - first start) of the step's records, and shares are of that span (busy_ms / span_ms = how much
// of the step the GPU is running something). `top` keeps the `top_kernels` largest symbols.
KernelSummary summarize_kernels(const PhaseRecords& phase, int top_kernels = 15);
// The summary as text tables (time per op type, per layer, top kernels, % of the step).
std::string kernel_summary_text(const KernelSummary& s);

}  // namespace mambascope
