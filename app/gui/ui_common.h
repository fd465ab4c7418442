#pragma once
// What the panels draw alike: the charts' colours, the hint an empty panel shows, load errors with a
// dismiss button.
#include <string>
#include <vector>

#include <imgui.h>

#include "app/gui/gui_context.h"

namespace mambascope::gui {

namespace colors {
inline constexpr ImU32 kPlotBg = IM_COL32(22, 24, 28, 255);     // inside a chart's axes
inline constexpr ImU32 kFrame = IM_COL32(90, 96, 108, 255);     // axes and chart borders
inline constexpr ImU32 kGrid = IM_COL32(255, 255, 255, 26);
inline constexpr ImU32 kGridMinor = IM_COL32(255, 255, 255, 10);
inline constexpr ImU32 kText = IM_COL32(200, 204, 212, 255);    // tick labels
inline constexpr ImU32 kTitle = IM_COL32(225, 228, 235, 255);   // titles, axis labels
inline const ImVec4 kError{1.f, 0.48f, 0.42f, 1.f};
}  // namespace colors

// A title and a wrapped paragraph, indented, where a panel has nothing to show yet.
void draw_empty_hint(GuiContext& ctx, const char* title, const char* body);
// An error's text, wrapped, and a dismiss button that clears it.
void draw_error(std::string& error);
// Every error of a list, each with its dismiss button.
void draw_errors(std::vector<std::string>& errors);

}  // namespace mambascope::gui
