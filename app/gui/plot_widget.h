#pragma once
// Our plot widget on ImDrawList (ImPlot is not packaged in Debian). Draws a PlotSpec: linear/log axes with
// nice ticks, lines and markers, reference lines, a legend whose entries hide/show a series on click, a
// tooltip with the exact values (and notes) of the nearest point, crosshair read-out.
// Mouse: left-drag zooms to a rectangle (a flat drag zooms x only, a thin one y only), wheel zooms about
// the cursor (over an axis: that axis only), right-drag pans, double-click fits, right-click opens a menu
// with fit, log x/y, series toggles and export to PNG/CSV.
#include <set>
#include <string>
#include <vector>

#include <imgui.h>

#include "app/gui/file_dialog.h"
#include "app/gui/gui_context.h"
#include "app/gui/plot_data.h"

namespace mambascope::gui {

// Per plot, kept by the panel across frames.
struct PlotView {
  bool auto_fit = true;  // follow the data until the user zooms or pans
  plot::Range x{1, 10}, y{0, 1};
  int x_log = -1, y_log = -1;  // the user's choice from the menu (0 linear, 1 log); -1: as the spec says
  std::set<std::string> hidden;  // used when the caller shares no set
  // interaction in progress
  bool box_drag = false;
  ImVec2 drag_from{};
  bool export_png = false;
  int export_frames = 0;  // frames until the PNG capture: the plot draws its own legend for it
  SaveDialogState export_dialog;
};

// Where the data went: the plot area (inside the axes) in screen coordinates. The inside legend's first row
// starts 6 points (scaled) in from its top-left corner.
struct PlotArea {
  ImVec2 min, max;
};
PlotArea draw_plot(const char* id, const PlotSpec& spec, PlotView& view, ImVec2 size, GuiContext& ctx,
                   std::set<std::string>* shared_hidden = nullptr);

// A legend outside any plot (a panel's sidebar): one row per entry under its group's header; a click
// hides/shows the series in every plot drawn with the same `hidden` set.
struct LegendEntry {
  std::string name;     // the series' key
  std::string display;  // what the row shows (empty: the name)
  std::string group;    // rows are listed under a header per group (empty: none)
  uint32_t color = 0;
  MarkerShape marker = MarkerShape::Circle;
  bool lines = true;
  bool hollow = false;
};
void draw_legend_list(const std::vector<LegendEntry>& entries, std::set<std::string>& hidden, GuiContext& ctx);

// Small drawing helpers shared with the other panels' custom charts.
void draw_marker(ImDrawList* dl, ImVec2 c, MarkerShape shape, float r, ImU32 col, bool hollow, float thickness);
void draw_dashed_line(ImDrawList* dl, ImVec2 a, ImVec2 b, ImU32 col, float thickness, float dash);
// Text centred on `center`, rotated to read bottom-to-top (a y axis label).
void draw_text_vertical(ImDrawList* dl, ImVec2 center, ImU32 col, const char* text);
ImU32 with_alpha(uint32_t col, float alpha);

}  // namespace mambascope::gui
