#include "app/gui/curves_data.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <optional>

namespace mambascope::gui {

namespace {

using plot::Scale;
using plot::Unit;

constexpr MarkerShape kProfileMarkers[] = {MarkerShape::Circle, MarkerShape::Square, MarkerShape::TriangleUp,
                                           MarkerShape::Cross};

// The rows of one model measured by one engine under one protocol, in one profile: one series.
struct Group {
  const LoadedProfile* lp = nullptr;
  int profile_slot = 0;  // index among the visible profiles
  std::string model, engine, protocol;
  std::vector<const ProfileRow*> rows;  // sorted by length
};

std::vector<Group> make_groups(const std::vector<LoadedProfile>& set) {
  std::vector<Group> groups;
  int slot = 0;
  for (const LoadedProfile& lp : set) {
    if (!lp.visible) continue;
    for (const ProfileRow& r : lp.profile.rows) {
      auto it = std::find_if(groups.begin(), groups.end(), [&](const Group& g) {
        return g.lp == &lp && g.model == r.model && g.engine == r.engine && g.protocol == r.protocol;
      });
      if (it == groups.end()) {
        groups.push_back({&lp, slot, r.model, r.engine, r.protocol, {}});
        it = groups.end() - 1;
      }
      it->rows.push_back(&r);
    }
    ++slot;
  }
  for (Group& g : groups)
    std::stable_sort(g.rows.begin(), g.rows.end(), [](const ProfileRow* a, const ProfileRow* b) { return a->length < b->length; });
  return groups;
}

int visible_count(const std::vector<LoadedProfile>& set) {
  return static_cast<int>(std::count_if(set.begin(), set.end(), [](const LoadedProfile& lp) { return lp.visible; }));
}

std::string short_series_name(const Group& g) {
  std::string name = g.model;
  if (g.engine != "mambascope") name += " (" + g.engine + ")";
  if (g.protocol == "paper" && g.engine != "paper") name += " [paper protocol]";
  return name;
}

CurveSeriesId series_id(const Group& g, const std::vector<std::string>& models, bool several_profiles) {
  CurveSeriesId id;
  id.short_name = short_series_name(g);
  id.name = id.short_name;
  if (several_profiles) {
    id.group = g.lp->label;
    id.name += " \xC2\xB7 " + id.group;  // ·
  }
  const auto it = std::find(models.begin(), models.end(), g.model);
  id.color = series_color(static_cast<int>(it - models.begin()));
  id.reference = g.engine == "paper";
  id.marker = id.reference ? MarkerShape::Diamond : kProfileMarkers[g.profile_slot % 4];
  return id;
}

std::optional<double> peak_of(const ProfileRow& r) {
  if (r.peak_bytes) return static_cast<double>(*r.peak_bytes);
  if (r.peak_by_category.total() > 0) return static_cast<double>(r.peak_by_category.total());
  return std::nullopt;
}

std::optional<double> basis_value(const ProfileRow& r, SpeedupBasis b) {
  switch (b) {
    case SpeedupBasis::Prefill: return r.prefill_ms;
    case SpeedupBasis::Decode: return r.decode_ms_per_token;
    case SpeedupBasis::Total: return r.total_ms;
  }
  return std::nullopt;
}

std::string fmt(const char* f, double v) {
  char buf[96];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

void add_line(std::string& note, const std::string& line) {
  if (line.empty()) return;
  if (!note.empty()) note += '\n';
  note += line;
}

// What a tooltip says about a point beyond its coordinates: where it comes from and how noisy it is.
std::string row_note(const ProfileRow& r, CurveMetric m) {
  std::string note;
  if (!r.source.empty()) add_line(note, "source: " + r.source);
  if (m == CurveMetric::PrefillMs) {
    if (r.prefill_rel_spread) add_line(note, "spread " + fmt("%.1f%%", *r.prefill_rel_spread * 100));
    if (r.pct_ceiling_prefill) add_line(note, fmt("%.0f%% of the GEMM ceiling", *r.pct_ceiling_prefill));
  }
  if (m == CurveMetric::DecodeMsPerToken || m == CurveMetric::TokensPerSecond) {
    if (r.decode_rel_spread) add_line(note, "spread " + fmt("%.1f%%", *r.decode_rel_spread * 100));
    if (r.pct_ceiling_decode) add_line(note, fmt("%.0f%% of the copy bandwidth", *r.pct_ceiling_decode));
  }
  if (m == CurveMetric::PeakMemory && r.planned_bytes)
    add_line(note, "planned " + plot::format_exact(static_cast<double>(*r.planned_bytes), Unit::Bytes));
  add_line(note, r.note);
  return note;
}

const ProfileRow* row_at(const Group& g, int64_t length) {
  for (const ProfileRow* r : g.rows)
    if (r->length == length) return r;
  return nullptr;
}

const Group* baseline_for(const std::vector<Group>& groups, const Group& g) {
  for (const Group& b : groups)
    if (b.lp == g.lp && b.engine == g.engine && b.protocol == g.protocol && is_baseline_model(b.lp->profile, b.model))
      return &b;
  return nullptr;
}

PlotAxis y_axis(CurveMetric m, SpeedupBasis basis) {
  switch (m) {
    case CurveMetric::PrefillMs: return {"prefill time", Scale::Log10, Unit::Milliseconds};
    case CurveMetric::DecodeMsPerToken: return {"decode time per token", Scale::Log10, Unit::Milliseconds};
    case CurveMetric::TokensPerSecond: return {"decode tokens/s", Scale::Log10, Unit::Plain};
    case CurveMetric::PeakMemory: return {"peak memory (allocator)", Scale::Linear, Unit::Bytes, true};
    case CurveMetric::SpeedUp:
      return {std::string("speed-up vs transformer (") + speedup_basis_name(basis) + ")", Scale::Linear, Unit::Ratio, true};
    case CurveMetric::MemorySaving: return {"memory saving vs transformer", Scale::Linear, Unit::Ratio, true};
  }
  return {};
}

const char* export_stem(CurveMetric m) {
  switch (m) {
    case CurveMetric::PrefillMs: return "curves-prefill";
    case CurveMetric::DecodeMsPerToken: return "curves-decode";
    case CurveMetric::TokensPerSecond: return "curves-tokens-per-s";
    case CurveMetric::PeakMemory: return "curves-peak-memory";
    case CurveMetric::SpeedUp: return "curves-speedup";
    case CurveMetric::MemorySaving: return "curves-memory-saving";
  }
  return "curves";
}

}  // namespace

const char* curve_metric_title(CurveMetric m) {
  switch (m) {
    case CurveMetric::PrefillMs: return "Prefill time";
    case CurveMetric::DecodeMsPerToken: return "Decode time per token";
    case CurveMetric::TokensPerSecond: return "Decode throughput";
    case CurveMetric::PeakMemory: return "Peak memory";
    case CurveMetric::SpeedUp: return "Speed-up vs transformer";
    case CurveMetric::MemorySaving: return "Memory saving vs transformer";
  }
  return "?";
}

const char* speedup_basis_name(SpeedupBasis b) {
  switch (b) {
    case SpeedupBasis::Prefill: return "prefill";
    case SpeedupBasis::Decode: return "decode";
    case SpeedupBasis::Total: return "end to end";
  }
  return "?";
}

std::vector<CurveSeriesId> curve_series_ids(const std::vector<LoadedProfile>& set) {
  const std::vector<std::string> models = model_order(set);
  const bool several = visible_count(set) > 1;
  std::vector<CurveSeriesId> ids;
  for (const Group& g : make_groups(set)) ids.push_back(series_id(g, models, several));
  return ids;
}

PlotSpec build_curve_plot(const std::vector<LoadedProfile>& set, CurveMetric metric, SpeedupBasis basis) {
  PlotSpec spec;
  spec.title = curve_metric_title(metric);
  if (metric == CurveMetric::SpeedUp) spec.title += std::string(" (") + speedup_basis_name(basis) + ")";
  spec.x = {"prompt length (tokens)", Scale::Log10, Unit::Tokens};
  spec.y = y_axis(metric, basis);
  spec.export_stem = export_stem(metric);
  spec.legend = LegendPlace::None;  // the panel draws one legend for all its plots

  const std::vector<std::string> models = model_order(set);
  const bool several = visible_count(set) > 1;
  const std::vector<Group> groups = make_groups(set);
  const bool relative = metric == CurveMetric::SpeedUp || metric == CurveMetric::MemorySaving;

  for (const Group& g : groups) {
    const CurveSeriesId id = series_id(g, models, several);
    PlotSeries s;
    s.name = id.name;
    s.color = id.color;
    s.marker = id.marker;
    s.hollow = id.reference;
    s.style = id.reference ? SeriesStyle::Markers : SeriesStyle::LinesMarkers;
    const Group* base = relative ? baseline_for(groups, g) : nullptr;
    if (relative && (!base || base == &g)) continue;  // no baseline in this profile, or this is the baseline
    for (const ProfileRow* r : g.rows) {
      std::optional<double> y;
      std::string note;
      switch (metric) {
        case CurveMetric::PrefillMs: y = r->prefill_ms; break;
        case CurveMetric::DecodeMsPerToken: y = r->decode_ms_per_token; break;
        case CurveMetric::TokensPerSecond:
          if (r->decode_ms_per_token && *r->decode_ms_per_token > 0) y = 1000.0 / *r->decode_ms_per_token;
          break;
        case CurveMetric::PeakMemory: y = peak_of(*r); break;
        case CurveMetric::SpeedUp: {
          const ProfileRow* b = row_at(*base, r->length);
          const std::optional<double> mv = basis_value(*r, basis);
          const std::optional<double> bv = b ? basis_value(*b, basis) : std::nullopt;
          if (mv && bv && *mv > 0) {
            y = *bv / *mv;
            note = base->model + " " + plot::format_exact(*bv, Unit::Milliseconds) + " / " + r->model + " " +
                   plot::format_exact(*mv, Unit::Milliseconds);
          }
          break;
        }
        case CurveMetric::MemorySaving: {
          const ProfileRow* b = row_at(*base, r->length);
          const std::optional<double> mv = peak_of(*r);
          if (!b || !mv || *mv <= 0) break;
          if (const std::optional<double> bv = peak_of(*b)) {
            y = *bv / *mv;
            note = base->model + " " + plot::format_exact(*bv, Unit::Bytes) + " / " + r->model + " " +
                   plot::format_exact(*mv, Unit::Bytes);
          } else if (b->oom_predicted) {
            // The baseline did not fit: compare with what its planner said it would need, and say so.
            y = static_cast<double>(*b->oom_predicted) / *mv;
            note = base->model + " did not fit: the planner predicted " +
                   plot::format_exact(static_cast<double>(*b->oom_predicted), Unit::Bytes) + " / " + r->model + " " +
                   plot::format_exact(*mv, Unit::Bytes);
          }
          break;
        }
      }
      if (!y) continue;
      s.x.push_back(static_cast<double>(r->length));
      s.y.push_back(*y);
      std::string full = row_note(*r, metric);
      if (!note.empty()) full = note + (full.empty() ? "" : "\n" + full);
      s.notes.push_back(full);
    }
    if (!s.x.empty()) spec.series.push_back(std::move(s));
  }

  // The OOM boundary: the shortest length the planner refused, per series.
  for (const Group& g : groups) {
    const ProfileRow* first = nullptr;
    for (const ProfileRow* r : g.rows)
      if (r->oom_predicted && (!first || r->length < first->length)) first = r;
    if (!first) continue;
    const double x = static_cast<double>(first->length);
    const CurveSeriesId id = series_id(g, models, several);
    PlotRefLine line;
    line.value = x;
    line.color = id.color;
    const std::string from = " OOM from " + plot::format_tick(x, Unit::Tokens, 0, 0);
    line.label = id.name + from + ": the planner refused it, needing " +
                 plot::format_exact(static_cast<double>(*first->oom_predicted), Unit::Bytes);
    line.tag = id.short_name + from;
    spec.ref_lines.push_back(line);
  }
  if (relative) {
    spec.ref_lines.push_back({false, 1.0, "", 0x80FFFFFF, true, ""});  // parity: 1x
    spec.empty_hint = std::string("needs rows of the model named transformer with ") +
                      (metric == CurveMetric::MemorySaving ? "peak memory" : speedup_basis_name(basis)) +
                      " times at the same lengths, in the same profile";
  } else {
    spec.empty_hint = "no row of the visible profiles has this value";
  }
  return spec;
}

}  // namespace mambascope::gui
