#include "engine/scan/contribution.h"

#include <cmath>
#include <cstdio>

#include "engine/core/error.h"

namespace mambascope {

std::vector<float> ssd_attention_row(const Mamba2SsdInputs& in, int64_t t, int64_t h) {
  if (t < 0 || t >= in.L) throw Error("token " + std::to_string(t) + " is outside the sequence of " + std::to_string(in.L), "contribution", "t");
  if (h < 0 || h >= in.H) throw Error("head " + std::to_string(h) + " is outside 0.." + std::to_string(in.H - 1), "contribution", "head");
  const int64_t g = h / (in.H / in.G), GN = in.G * in.N;
  const float* Ct = in.C.data() + t * GN + g * in.N;
  const float A = in.A[static_cast<size_t>(h)];
  std::vector<float> row(static_cast<size_t>(in.L), 0.f);
  // Walk s from t down to 0 carrying the log-decay sum_{r=s+1..t} A dt_r, in double: long sequences sum many terms.
  double log_decay = 0.0;
  for (int64_t s = t; s >= 0; --s) {
    const float* Bs = in.B.data() + s * GN + g * in.N;
    double cb = 0.0;
    for (int64_t n = 0; n < in.N; ++n) cb += static_cast<double>(Ct[n]) * Bs[n];
    const double dts = in.dt[static_cast<size_t>(s * in.H + h)];
    row[static_cast<size_t>(s)] = static_cast<float>(cb * std::exp(log_decay) * dts);
    log_decay += static_cast<double>(A) * dts;
  }
  return row;
}

Contribution patch_contribution(const ConnectorTrace& trace, int64_t patch, int64_t head) {
  const int64_t n = trace.rows * trace.cols;
  if (patch < 0 || patch >= n)
    throw Error("patch " + std::to_string(patch) + " is outside the " + std::to_string(trace.rows) + "x" + std::to_string(trace.cols) + " grid",
                "contribution", "patch", "choose a patch in 0.." + std::to_string(n - 1));
  if (trace.directions.empty()) throw Error("the trace has no scan directions", "contribution", "trace");
  const int64_t H = trace.directions[0].ssd.H;
  if (head < -1 || head >= H)
    throw Error("head " + std::to_string(head) + " does not exist (" + std::to_string(H) + " heads)", "contribution", "head",
                "pass -1 for the mean over heads or a head in 0.." + std::to_string(H - 1));
  Contribution c;
  c.rows = trace.rows, c.cols = trace.cols, c.patch = patch, c.layer = trace.layer, c.heads = H, c.head = head, c.scan_set = trace.scan_set;
  c.combined.assign(static_cast<size_t>(n), 0.f);
  for (const ConnectorDirection& d : trace.directions) {
    if (static_cast<int64_t>(d.perm.size()) != n || d.ssd.L != n)
      throw Error("direction " + d.order + " covers " + std::to_string(d.perm.size()) + " patches, the grid has " + std::to_string(n),
                  "contribution", "trace");
    DirectionContribution dc;
    dc.order = d.order;
    for (int64_t s = 0; s < n; ++s)
      if (d.perm[static_cast<size_t>(s)] == patch) dc.step = s;
    std::vector<float> by_step(static_cast<size_t>(n), 0.f);
    for (int64_t h = (head < 0 ? 0 : head); h < (head < 0 ? H : head + 1); ++h) {
      const std::vector<float> row = ssd_attention_row(d.ssd, dc.step, h);
      for (int64_t s = 0; s <= dc.step; ++s) by_step[static_cast<size_t>(s)] += head < 0 ? std::fabs(row[static_cast<size_t>(s)]) / H : row[static_cast<size_t>(s)];
    }
    dc.map.assign(static_cast<size_t>(n), 0.f);
    for (int64_t s = 0; s < n; ++s) dc.map[static_cast<size_t>(d.perm[static_cast<size_t>(s)])] = by_step[static_cast<size_t>(s)];
    const float w = 1.f / static_cast<float>(trace.directions.size());
    for (int64_t i = 0; i < n; ++i) c.combined[static_cast<size_t>(i)] += w * dc.map[static_cast<size_t>(i)];
    c.directions.push_back(std::move(dc));
  }
  char buf[256];
  std::snprintf(buf, sizeof buf, "decay-weighted C.B (implicit SSM attention), connector layer %lld/%lld, patch (%lld, %lld), %s, %s scan",
                static_cast<long long>(trace.layer), static_cast<long long>(trace.layers), static_cast<long long>(patch / trace.cols),
                static_cast<long long>(patch % trace.cols), head < 0 ? "mean |alpha| over heads" : ("head " + std::to_string(head)).c_str(),
                trace.scan_set.c_str());
  c.description = buf;
  return c;
}

Contribution compute_contribution(const Model& model, const Tensor& pixels, int64_t patch, int64_t layer, int64_t head) {
  return patch_contribution(trace_connector(model, pixels, layer), patch, head);
}

}  // namespace mambascope
