#pragma once
// The Curves panel's plots, built from loaded profiles without any UI: one series per (profile, model,
// engine) over prompt length, the papers' values as hollow markers with their source, speed-up and memory
// saving relative to the transformer baseline of the same profile and engine, and the OOM boundary.
#include <string>
#include <vector>

#include "app/gui/plot_data.h"
#include "app/gui/profile_set.h"

namespace mambascope::gui {

enum class CurveMetric { PrefillMs, DecodeMsPerToken, TokensPerSecond, PeakMemory, SpeedUp, MemorySaving };
inline constexpr CurveMetric kAllCurveMetrics[] = {CurveMetric::PrefillMs,  CurveMetric::DecodeMsPerToken,
                                                   CurveMetric::TokensPerSecond, CurveMetric::PeakMemory,
                                                   CurveMetric::SpeedUp,    CurveMetric::MemorySaving};

// What a speed-up compares: the prefill time, the per-token decode time, or a protocol's end-to-end time.
enum class SpeedupBasis { Prefill, Decode, Total };

const char* curve_metric_title(CurveMetric m);
const char* speedup_basis_name(SpeedupBasis b);

// The series' names shared by every metric's plot, so one legend can hide a series in all of them.
struct CurveSeriesId {
  std::string name;        // unique: "transformer · NVIDIA H100 80GB HBM3" with several profiles
  std::string short_name;  // without the profile: "transformer", "mmmamba-linear (paper)"
  std::string group;       // the profile's label with several profiles, else empty
  uint32_t color = 0;
  MarkerShape marker = MarkerShape::Circle;
  bool reference = false;  // a paper's values
};
std::vector<CurveSeriesId> curve_series_ids(const std::vector<LoadedProfile>& set);

PlotSpec build_curve_plot(const std::vector<LoadedProfile>& set, CurveMetric metric, SpeedupBasis basis);

}  // namespace mambascope::gui
