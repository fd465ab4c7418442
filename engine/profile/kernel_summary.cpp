#include "engine/profile/kernel_summary.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <map>

namespace mambascope {

namespace {

struct Acc {
  int64_t calls = 0, ns = 0;
  std::string op;
  int64_t first = std::numeric_limits<int64_t>::max();  // first launch: order of equal totals
};

std::vector<KernelShare> ranked(const std::map<std::string, Acc>& m, int steps, double span_ns, size_t keep) {
  std::vector<std::pair<std::string, Acc>> v(m.begin(), m.end());
  std::stable_sort(v.begin(), v.end(), [](const auto& a, const auto& b) {
    return a.second.ns != b.second.ns ? a.second.ns > b.second.ns : a.second.first < b.second.first;
  });
  if (v.size() > keep) v.resize(keep);
  std::vector<KernelShare> out;
  for (const auto& [key, a] : v)
    out.push_back({key, a.op, a.calls / steps, static_cast<double>(a.ns) / steps / 1e6,
                   span_ns > 0 ? static_cast<double>(a.ns) / steps / span_ns : 0});
  return out;
}

}  // namespace

KernelSummary summarize_kernels(const PhaseRecords& ph, int top_kernels) {
  KernelSummary s;
  s.phase = ph.phase;
  s.steps = std::max(1, ph.steps);
  std::vector<std::pair<int64_t, int64_t>> windows = ph.windows;
  if (windows.empty()) windows.push_back({std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()});
  // Span per step: first start to last end of the records starting in its window.
  std::vector<int64_t> lo(windows.size(), std::numeric_limits<int64_t>::max()), hi(windows.size(), std::numeric_limits<int64_t>::min());
  std::map<std::string, Acc> by_op, by_layer, by_name;
  int64_t busy = 0, scoped = 0, counted = 0;
  for (const KernelRecord& k : ph.records) {
    size_t w = 0;
    while (w < windows.size() && !(k.start_ns >= windows[w].first && k.start_ns < windows[w].second)) ++w;
    if (w == windows.size()) continue;  // outside every step (e.g. a warm-up step's stragglers)
    lo[w] = std::min(lo[w], k.start_ns);
    hi[w] = std::max(hi[w], k.end_ns);
    const int64_t d = k.duration_ns();
    busy += d;
    ++counted;
    if (k.layer >= 0 || (!k.op.empty() && k.op != k.kind)) ++scoped;  // a bare memcpy's op is its kind
    for (auto [m, key] : {std::pair{&by_op, k.op.empty() ? std::string("(no scope)") : k.op},
                          std::pair{&by_layer, k.layer < 0 ? std::string("outside layers") : fmt::format("layer {}", k.layer)},
                          std::pair{&by_name, k.name}}) {
      Acc& a = (*m)[key];
      ++a.calls;
      a.ns += d;
      if (k.start_ns < a.first) {
        a.first = k.start_ns;
        a.op = m == &by_name ? k.op : "";
      }
    }
  }
  double span = 0;
  int spans = 0;
  for (size_t w = 0; w < windows.size(); ++w)
    if (hi[w] > lo[w]) {
      span += static_cast<double>(hi[w] - lo[w]);
      ++spans;
    }
  const double span_ns = spans ? span / spans : 0;
  s.span_ms = span_ns / 1e6;
  s.busy_ms = static_cast<double>(busy) / s.steps / 1e6;
  s.records = counted / s.steps;
  s.scoped_share = counted ? static_cast<double>(scoped) / static_cast<double>(counted) : 0;
  s.by_op = ranked(by_op, s.steps, span_ns, by_op.size());
  // Layers in layer order, not by time: a per-layer profile reads top to bottom.
  s.by_layer = ranked(by_layer, s.steps, span_ns, by_layer.size());
  std::stable_sort(s.by_layer.begin(), s.by_layer.end(), [](const KernelShare& a, const KernelShare& b) {
    auto num = [](const std::string& k) { return k.rfind("layer ", 0) == 0 ? std::stoi(k.substr(6)) : -1; };
    return num(a.key) < num(b.key);
  });
  s.top = ranked(by_name, s.steps, span_ns, static_cast<size_t>(std::max(0, top_kernels)));
  return s;
}

std::string kernel_summary_text(const KernelSummary& s) {
  std::string t = fmt::format("{} {} at {} tokens, {} step{}{}; per step: GPU span {:.3f} ms, busy {:.3f} ms ({:.0f}%), {} records, "
                              "{:.0f}% with an engine scope\n",
                              s.model, s.phase, s.length, s.steps, s.steps > 1 ? "s" : "",
                              s.phase == "decode" ? (s.cuda_graphs ? " (CUDA graph replays)" : " (no CUDA graphs)") : "", s.span_ms,
                              s.busy_ms, s.span_ms > 0 ? 100 * s.busy_ms / s.span_ms : 0, s.records, 100 * s.scoped_share);
  auto table = [&](const char* title, const std::vector<KernelShare>& v, bool with_op) {
    t += fmt::format("\n| {} |{} calls | ms per step | % of step |\n|---|{}---:|---:|---:|\n", title, with_op ? " op |" : "",
                     with_op ? "---|" : "");
    for (const KernelShare& k : v) {
      std::string key = k.key;
      if (key.size() > 90) key = key.substr(0, 87) + "...";
      t += fmt::format("| {} |{} {} | {:.4f} | {:.1f}% |\n", key, with_op ? " " + k.op + " |" : "", k.calls, k.total_ms, 100 * k.share);
    }
  };
  table("op", s.by_op, false);
  table("layer", s.by_layer, false);
  table("kernel", s.top, true);
  return t;
}

}  // namespace mambascope
