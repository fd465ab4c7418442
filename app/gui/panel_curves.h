#pragma once
// Curves panel: prefill ms, decode ms/token, tokens/s, peak memory, speed-up and memory saving vs the
// transformer over prompt length, from the loaded profiles (several at once), the papers' values as
// markers, the OOM boundary marked. With the sweep seam wired (services.h), it also runs sweeps.
#include <array>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "app/gui/curves_data.h"
#include "app/gui/job.h"
#include "app/gui/panel_profiles.h"
#include "app/gui/plot_widget.h"

namespace mambascope::gui {

struct CurvesState {
  std::array<PlotView, 6> views;  // one per CurveMetric
  std::set<std::string> hidden;   // series hidden in every plot (the sidebar legend)
  SpeedupBasis basis = SpeedupBasis::Decode;
  // A sweep on a worker thread (only when services.sweep is wired).
  std::unique_ptr<Job<Profile>> sweep;
  std::vector<std::string> sweep_models;
  std::string sweep_lengths = "1k,4k,16k,64k";
  int sweep_backend = 0;  // 0 cuda, 1 cpu
  std::string sweep_error;
};

// Takes a finished sweep's profile (or its error) and reports progress to the status bar; call once a frame,
// whichever panel shows.
void poll_sweep(CurvesState& s, ProfilesState& profiles, GuiContext& ctx);
void draw_curves_panel(CurvesState& s, ProfilesState& profiles, GuiContext& ctx);

}  // namespace mambascope::gui
