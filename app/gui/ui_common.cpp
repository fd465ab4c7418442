#include "app/gui/ui_common.h"

#include <algorithm>

namespace mambascope::gui {

void draw_empty_hint(GuiContext& ctx, const char* title, const char* body) {
  ImGui::Dummy({0, S(ctx, 36)});
  ImGui::Indent(S(ctx, 30));
  ImGui::PushFont(ctx.bold);
  ImGui::TextUnformatted(title);
  ImGui::PopFont();
  ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + S(ctx, 560));
  ImGui::TextDisabled("%s", body);
  ImGui::PopTextWrapPos();
  ImGui::Unindent(S(ctx, 30));
}

void draw_error(std::string& error) {
  if (error.empty()) return;
  ImGui::PushID(&error);
  ImGui::PushStyleColor(ImGuiCol_Text, colors::kError);
  ImGui::PushTextWrapPos(0);
  ImGui::TextUnformatted(error.c_str());
  ImGui::PopTextWrapPos();
  ImGui::PopStyleColor();
  if (ImGui::SmallButton("dismiss")) error.clear();
  ImGui::PopID();
}

void draw_errors(std::vector<std::string>& errors) {
  for (std::string& e : errors) draw_error(e);
  errors.erase(std::remove_if(errors.begin(), errors.end(), [](const std::string& e) { return e.empty(); }), errors.end());
}

}  // namespace mambascope::gui
