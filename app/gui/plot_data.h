#pragma once
// What a plot shows, independent of how it is drawn: axes, series (lines and/or markers, with optional
// per-point notes such as a paper value's source), reference lines (an OOM boundary, 1× parity), and its CSV export.
// Panels build a PlotSpec each frame; app/gui/plot_widget.h draws it.
#include <cstdint>
#include <string>
#include <vector>

#include "app/gui/plot_math.h"

namespace mambascope::gui {

struct PlotAxis {
  std::string label;  // "prompt length (tokens)"
  plot::Scale scale = plot::Scale::Linear;
  plot::Unit unit = plot::Unit::Plain;
  bool include_zero = false;  // fitting keeps 0 in view (linear axes)
};

enum class SeriesStyle { LinesMarkers, Lines, Markers };
enum class MarkerShape { Circle, Square, Diamond, TriangleUp, Cross };

struct PlotSeries {
  std::string name;  // the legend entry; also the key that hides it, so unique within a plot
  std::vector<double> x, y;
  std::vector<std::string> notes;  // optional, one per point: shown in the tooltip and the CSV
  SeriesStyle style = SeriesStyle::LinesMarkers;
  MarkerShape marker = MarkerShape::Circle;
  uint32_t color = 0xFFFFFFFF;  // ImGui's packed ABGR (IM_COL32)
  bool hollow = false;          // markers drawn as outlines (reference points)
};

// A reference line across the plot: vertical (an OOM boundary at a length) or horizontal (1× parity).
struct PlotRefLine {
  bool vertical = true;
  double value = 0;
  std::string label;  // shown when the mouse is on the line
  uint32_t color = 0xFFFFFFFF;
  bool dashed = true;
  std::string tag;    // drawn beside the line (short); empty: the label
};

enum class LegendPlace { None, InsideTopLeft, InsideTopRight };

struct PlotSpec {
  std::string title;
  PlotAxis x, y;
  std::vector<PlotSeries> series;
  std::vector<PlotRefLine> ref_lines;
  LegendPlace legend = LegendPlace::InsideTopLeft;
  std::string export_stem = "plot";  // default file name of exports, without extension
  std::string empty_hint = "no data";  // shown when no series has a point
};

// The plot's data as CSV (one row per point: series,x,y,note; a note's lines joined by "; "), with the axis
// labels in the header comment.
// Hidden series are left out when `hidden` names them.
std::string plot_to_csv(const PlotSpec& spec, const std::vector<std::string>& hidden = {});

// Quotes a CSV field when it needs quoting (comma, quote, newline).
std::string csv_field(const std::string& s);

}  // namespace mambascope::gui
