#include "app/gui/timeline_data.h"

#include <algorithm>
#include <map>
#include <numeric>

namespace mambascope::gui {

std::vector<std::string> op_order(const Trace& trace) {
  std::vector<int> idx(trace.kernels.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::stable_sort(idx.begin(), idx.end(), [&](int a, int b) { return trace.kernels[a].start_ns < trace.kernels[b].start_ns; });
  std::vector<std::string> ops;
  for (int i : idx)
    if (std::find(ops.begin(), ops.end(), trace.kernels[i].op) == ops.end()) ops.push_back(trace.kernels[i].op);
  return ops;
}

TimelineLayout layout_timeline(const Trace& trace, LaneGrouping grouping) {
  TimelineLayout out;
  if (trace.kernels.empty()) return out;
  const std::vector<std::string> ops = op_order(trace);
  auto op_rank = [&](const std::string& op) { return std::find(ops.begin(), ops.end(), op) - ops.begin(); };

  std::vector<int> idx(trace.kernels.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::stable_sort(idx.begin(), idx.end(), [&](int a, int b) { return trace.kernels[a].start_ns < trace.kernels[b].start_ns; });

  // (layer, op rank) -> lane; the key leaves out what the grouping ignores.
  std::map<std::pair<int, long>, TimelineLane> lanes;
  out.t0_ns = trace.kernels[idx.front()].start_ns;
  out.t1_ns = out.t0_ns;
  for (int i : idx) {
    const KernelRecord& k = trace.kernels[i];
    out.t1_ns = std::max(out.t1_ns, k.end_ns);
    const int layer = grouping == LaneGrouping::Op ? -1 : k.layer;
    const long rank = grouping == LaneGrouping::Layer ? -1 : op_rank(k.op);
    TimelineLane& lane = lanes[{layer, rank}];
    if (lane.kernels.empty()) {
      lane.layer = layer;
      lane.op = grouping == LaneGrouping::Layer ? "" : k.op;
      std::string where = layer < 0 ? (grouping == LaneGrouping::Op ? "" : "(no layer)") : "L";
      if (layer >= 0) where += std::to_string(layer);
      if (grouping == LaneGrouping::Layer) lane.label = layer < 0 ? "(no layer)" : "layer " + std::to_string(layer);
      else {
        const std::string op = k.op.empty() ? "(no scope)" : k.op;  // a kernel launched outside any engine scope
        lane.label = where.empty() ? op : where + " " + op;
      }
    }
    lane.kernels.push_back(i);
  }
  for (auto& [key, lane] : lanes) {
    // Greedy interval colouring: each kernel takes the first sub-row that is free when it starts.
    std::vector<int64_t> row_end;
    for (int i : lane.kernels) {
      const KernelRecord& k = trace.kernels[i];
      size_t r = 0;
      while (r < row_end.size() && row_end[r] > k.start_ns) ++r;
      if (r == row_end.size()) row_end.push_back(0);
      row_end[r] = k.end_ns;
      lane.row_of.push_back(static_cast<int>(r));
    }
    lane.rows = std::max<int>(1, static_cast<int>(row_end.size()));
    out.lanes.push_back(std::move(lane));
  }
  return out;
}

std::vector<OpTotal> op_totals(const Trace& trace) {
  std::vector<OpTotal> totals;
  std::map<std::string, std::pair<double, int64_t>> bytes;  // op -> (bytes, ns) over kernels with bytes
  int64_t all = 0;
  for (const KernelRecord& k : trace.kernels) {
    auto it = std::find_if(totals.begin(), totals.end(), [&](const OpTotal& t) { return t.op == k.op; });
    if (it == totals.end()) {
      OpTotal t;
      t.op = k.op;
      totals.push_back(t);
      it = totals.end() - 1;
    }
    const int64_t d = k.duration_ns();
    ++it->calls;
    it->total_ns += d;
    it->max_ns = std::max(it->max_ns, d);
    all += d;
    if (k.bytes) {
      bytes[k.op].first += static_cast<double>(*k.bytes);
      bytes[k.op].second += d;
    }
  }
  for (OpTotal& t : totals) {
    t.share = all > 0 ? static_cast<double>(t.total_ns) / static_cast<double>(all) : 0;
    const auto b = bytes.find(t.op);
    if (b != bytes.end() && b->second.second > 0) t.GBps = b->second.first / static_cast<double>(b->second.second);
  }
  std::stable_sort(totals.begin(), totals.end(), [](const OpTotal& a, const OpTotal& b) { return a.total_ns > b.total_ns; });
  return totals;
}

}  // namespace mambascope::gui
