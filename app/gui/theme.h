#pragma once
// Look of the GUI: fonts (DejaVu Sans from fonts-dejavu-core, ImGui's built-in font when it is missing),
// the dark style, scaled for the monitor's content scale.

struct ImFont;

namespace mambascope::gui {

struct Fonts {
  ImFont* regular = nullptr;
  ImFont* bold = nullptr;
  bool packaged = false;  // false: ImGui's default font stands in
};

// Call once after ImGui::CreateContext(), before the first frame. MAMBASCOPE_GUI_FONT may name another TTF.
Fonts load_fonts(float scale);
void apply_style(float scale);

}  // namespace mambascope::gui
