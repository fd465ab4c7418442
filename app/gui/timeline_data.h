#pragma once
// The Timeline panel's layout, built from a kernel trace without any UI: lanes by layer and op (or by one
// of them), kernels that overlap in a lane stacked on sub-rows, and the time per op type for the table.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/profile/trace.h"

namespace mambascope::gui {

enum class LaneGrouping { LayerAndOp, Layer, Op };

struct TimelineLane {
  int layer = -1;          // -1: kernels outside any layer (or every layer, when grouping by op)
  std::string op;          // empty when grouping by layer
  std::string label;       // "L3 ssd_scan", "layer 3", "gemm", "(no layer) embedding"
  int rows = 1;            // sub-rows needed for kernels that overlap in time
  std::vector<int> kernels;  // indices into Trace::kernels, by start time
  std::vector<int> row_of;   // the sub-row of each of `kernels`
};

struct TimelineLayout {
  std::vector<TimelineLane> lanes;
  int64_t t0_ns = 0, t1_ns = 0;  // first start, last end
};

// Lanes ordered by layer (kernels outside layers first), then by each op's first launch.
TimelineLayout layout_timeline(const Trace& trace, LaneGrouping grouping);

struct OpTotal {
  std::string op;
  int64_t calls = 0;
  int64_t total_ns = 0, max_ns = 0;
  double share = 0;  // of the summed kernel time
  std::optional<double> GBps;  // bytes / time over the kernels that report bytes
};
// Sorted by total time, largest first.
std::vector<OpTotal> op_totals(const Trace& trace);

// Op names in order of first launch: the order of their colours in the panel.
std::vector<std::string> op_order(const Trace& trace);

}  // namespace mambascope::gui
