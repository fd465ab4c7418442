#include "app/gui/theme.h"

#include <cstdlib>
#include <filesystem>
#include <string>

#include <imgui.h>

namespace mambascope::gui {

namespace {

constexpr float kFontPx = 15.f;
constexpr const char* kFontDirs[] = {"/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/TTF", "/usr/share/fonts/dejavu"};

std::string find_font(const char* file) {
  for (const char* d : kFontDirs) {
    const std::filesystem::path p = std::filesystem::path(d) / file;
    if (std::filesystem::exists(p)) return p.string();
  }
  return {};
}

// Latin-1 plus the punctuation, arrows and math signs the panels print (–, …, →, ≥, ×, µ, ·, ▶).
const ImWchar* glyph_ranges() {
  static const ImWchar kRanges[] = {0x0020, 0x00FF, 0x2010, 0x2027, 0x2190, 0x21FF, 0x2200, 0x22FF, 0x25A0, 0x25FF, 0};
  return kRanges;
}

}  // namespace

Fonts load_fonts(float scale) {
  ImGuiIO& io = ImGui::GetIO();
  Fonts f;
  std::string regular;
  if (const char* env = std::getenv("MAMBASCOPE_GUI_FONT"); env && std::filesystem::exists(env)) regular = env;
  if (regular.empty()) regular = find_font("DejaVuSans.ttf");
  const std::string bold = find_font("DejaVuSans-Bold.ttf");
  if (!regular.empty()) f.regular = io.Fonts->AddFontFromFileTTF(regular.c_str(), kFontPx * scale, nullptr, glyph_ranges());
  if (f.regular) {
    f.packaged = true;
    if (!bold.empty()) f.bold = io.Fonts->AddFontFromFileTTF(bold.c_str(), kFontPx * scale, nullptr, glyph_ranges());
  } else {
    ImFontConfig cfg;
    cfg.SizePixels = 13.f * scale;
    f.regular = io.Fonts->AddFontDefault(&cfg);
  }
  if (!f.bold) f.bold = f.regular;
  io.FontDefault = f.regular;
  return f;
}

void apply_style(float scale) {
  ImGui::StyleColorsDark();
  ImGuiStyle& s = ImGui::GetStyle();
  s.WindowRounding = 0;
  s.ChildRounding = 3;
  s.FrameRounding = 3;
  s.PopupRounding = 3;
  s.GrabRounding = 3;
  s.TabRounding = 3;
  s.WindowBorderSize = 0;
  s.FramePadding = {6, 4};
  s.ItemSpacing = {8, 6};
  s.WindowPadding = {10, 8};
  ImVec4* c = s.Colors;
  c[ImGuiCol_WindowBg] = {0.105f, 0.110f, 0.122f, 1.f};
  c[ImGuiCol_ChildBg] = {0.125f, 0.130f, 0.145f, 1.f};
  c[ImGuiCol_PopupBg] = {0.14f, 0.145f, 0.16f, 0.98f};
  c[ImGuiCol_MenuBarBg] = {0.14f, 0.145f, 0.16f, 1.f};
  c[ImGuiCol_FrameBg] = {0.18f, 0.19f, 0.21f, 1.f};
  c[ImGuiCol_FrameBgHovered] = {0.24f, 0.26f, 0.29f, 1.f};
  c[ImGuiCol_FrameBgActive] = {0.28f, 0.31f, 0.35f, 1.f};
  c[ImGuiCol_Tab] = {0.16f, 0.17f, 0.19f, 1.f};
  c[ImGuiCol_TabHovered] = {0.26f, 0.42f, 0.58f, 1.f};
  c[ImGuiCol_TabActive] = {0.22f, 0.36f, 0.50f, 1.f};
  c[ImGuiCol_Header] = {0.22f, 0.30f, 0.40f, 0.8f};
  c[ImGuiCol_HeaderHovered] = {0.26f, 0.38f, 0.52f, 0.9f};
  c[ImGuiCol_Button] = {0.20f, 0.28f, 0.38f, 1.f};
  c[ImGuiCol_ButtonHovered] = {0.26f, 0.38f, 0.52f, 1.f};
  c[ImGuiCol_TableHeaderBg] = {0.16f, 0.17f, 0.19f, 1.f};
  c[ImGuiCol_TableRowBgAlt] = {1.f, 1.f, 1.f, 0.03f};
  s.ScaleAllSizes(scale);
}

}  // namespace mambascope::gui
