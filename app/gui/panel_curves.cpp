#include "app/gui/panel_curves.h"

#include <algorithm>
#include <ctime>

#include <imgui.h>
#include <imgui_stdlib.h>

#include "app/gui/ui_common.h"
#include "engine/bench/lengths.h"

namespace mambascope::gui {

namespace {

// Run models x lengths through the sweep seam on a worker thread, with progress and cancel.
void draw_sweep_controls(CurvesState& s, GuiContext& ctx) {
  if (!ctx.services.sweep || !ImGui::CollapsingHeader("Run a sweep")) return;
  if (s.sweep) {
    ImGui::ProgressBar(static_cast<float>(s.sweep->fraction()), {-1, 0}, s.sweep->message().c_str());
    if (ImGui::Button(s.sweep->cancel_requested() ? "Stopping..." : "Cancel")) s.sweep->cancel();
    return;
  }
  for (const std::string& m : ctx.services.sweep_models) {
    bool on = std::find(s.sweep_models.begin(), s.sweep_models.end(), m) != s.sweep_models.end();
    if (ImGui::Checkbox(m.c_str(), &on)) {
      if (on) s.sweep_models.push_back(m);
      else s.sweep_models.erase(std::find(s.sweep_models.begin(), s.sweep_models.end(), m));
    }
  }
  ImGui::SetNextItemWidth(-1);
  ImGui::InputTextWithHint("##lengths", "lengths: 1k,4k,16k,101k", &s.sweep_lengths);
  ImGui::SetNextItemWidth(-1);
  ImGui::Combo("##backend", &s.sweep_backend, "CUDA backend\0CPU backend (tiny models, short lengths)\0");
  ImGui::BeginDisabled(s.sweep_models.empty());
  if (ImGui::Button("Run")) {
    try {
      SweepRequest req{s.sweep_models, parse_lengths(s.sweep_lengths, "lengths"), s.sweep_backend ? "cpu" : "cuda"};
      s.sweep_error.clear();
      s.sweep = std::make_unique<Job<Profile>>("sweep", [fn = ctx.services.sweep, req](JobProgress& p) { return fn(req, p); });
    } catch (const std::exception& e) {
      s.sweep_error = e.what();
    }
  }
  ImGui::EndDisabled();
  draw_error(s.sweep_error);
}

}  // namespace

void poll_sweep(CurvesState& s, ProfilesState& profiles, GuiContext& ctx) {
  if (!s.sweep) return;
  ctx.animating = true;
  ctx.job_line = s.sweep->title() + ": " + s.sweep->message();
  ctx.job_fraction = s.sweep->fraction();
  if (!s.sweep->done()) return;
  if (std::optional<Profile> p = s.sweep->take_value()) {
    char when[32];
    const std::time_t now = std::time(nullptr);
    std::strftime(when, sizeof when, "%H:%M:%S", std::localtime(&now));
    add_profile(profiles, std::move(*p), std::string("sweep ") + when);
    ctx.notify(std::string("sweep finished at ") + when);
  } else {
    s.sweep_error = s.sweep->error();
    ctx.notify(s.sweep_error, true);
  }
  s.sweep.reset();
  ctx.job_line.clear();
  ctx.job_fraction = -1;
}

void draw_curves_panel(CurvesState& s, ProfilesState& profiles, GuiContext& ctx) {
  const float sidebar_w = S(ctx, 300);
  ImGui::BeginChild("curves_sidebar", {sidebar_w, 0}, true);
  draw_profile_list(profiles, ctx);
  ImGui::Separator();
  draw_sweep_controls(s, ctx);
  ImGui::TextUnformatted("Speed-up compares");
  ImGui::SetNextItemWidth(-1);
  int basis = static_cast<int>(s.basis);
  if (ImGui::Combo("##basis", &basis, "prefill time\0decode time per token\0end-to-end time (paper protocol)\0"))
    s.basis = static_cast<SpeedupBasis>(basis);
  ImGui::Separator();
  const std::vector<CurveSeriesId> ids = curve_series_ids(profiles.loaded);
  if (!ids.empty()) {
    ImGui::TextUnformatted("Series (click to hide)");
    std::vector<LegendEntry> entries;
    for (const CurveSeriesId& id : ids)
      entries.push_back({id.name, id.short_name, id.group, id.color, id.marker, !id.reference, id.reference});
    draw_legend_list(entries, s.hidden, ctx);
    ImGui::Spacing();
    ImGui::TextDisabled("hollow diamonds: a paper's values\ndashed vertical: OOM boundary");
  }
  ImGui::EndChild();
  ImGui::SameLine();

  ImGui::BeginChild("curves_plots", {0, 0}, false, ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse);
  if (profiles.loaded.empty()) {
    draw_empty_hint(ctx, "No profiles loaded",
                    "Open one or more profile JSON files (Open profiles..., or drop them on the window). "
                    "`mambascope bench` writes them; profiles/ holds recorded runs and profiles/paper/ the papers' "
                    "reference points. Several files at once compare GPUs or builds.");
  } else {
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const int cols = avail.x > avail.y * 1.25f ? 3 : 2;
    const int rows = (6 + cols - 1) / cols;
    const float gap = ImGui::GetStyle().ItemSpacing.x;
    const ImVec2 cell{(avail.x - gap * (cols - 1)) / cols, (avail.y - ImGui::GetStyle().ItemSpacing.y * (rows - 1)) / rows};
    for (int i = 0; i < 6; ++i) {
      const CurveMetric m = kAllCurveMetrics[i];
      const PlotSpec spec = build_curve_plot(profiles.loaded, m, s.basis);
      if (i % cols) ImGui::SameLine();
      draw_plot(spec.export_stem.c_str(), spec, s.views[i], cell, ctx, &s.hidden);
    }
  }
  ImGui::EndChild();
}

}  // namespace mambascope::gui
