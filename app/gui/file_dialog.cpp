#include "app/gui/file_dialog.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <system_error>

#include <imgui.h>
#include <imgui_stdlib.h>

#include "app/gui/ui_common.h"

namespace mambascope::gui {

namespace fs = std::filesystem;

namespace {

bool matches(const std::string& name, const std::vector<std::string>& exts) {
  if (exts.empty()) return true;
  std::string lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const std::string& e : exts)
    if (lower.size() >= e.size() && lower.compare(lower.size() - e.size(), e.size(), e) == 0) return true;
  return false;
}

void list_dir(FileDialogState& s) {
  s.entries.clear();
  s.error.clear();
  std::error_code ec;
  for (fs::directory_iterator it(s.dir, fs::directory_options::skip_permission_denied, ec), end; !ec && it != end;
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.empty() || name[0] == '.') continue;
    std::error_code e2;
    const bool dir = it->is_directory(e2);
    if (!dir && !matches(name, s.extensions)) continue;
    s.entries.push_back({name, dir, dir ? 0ull : static_cast<unsigned long long>(it->file_size(e2))});
  }
  if (ec) s.error = s.dir + ": " + ec.message();
  std::sort(s.entries.begin(), s.entries.end(), [](const auto& a, const auto& b) {
    return a.is_dir != b.is_dir ? a.is_dir : a.name < b.name;
  });
  s.listed_dir = s.dir;
}

std::string human_size(unsigned long long b) {
  char buf[32];
  if (b >= (1ull << 20)) std::snprintf(buf, sizeof buf, "%.1f MiB", b / 1048576.0);
  else if (b >= 1024) std::snprintf(buf, sizeof buf, "%.1f KiB", b / 1024.0);
  else std::snprintf(buf, sizeof buf, "%llu B", b);
  return buf;
}

}  // namespace

void open_file_dialog(FileDialogState& s, const std::string& title, std::vector<std::string> extensions, bool multi) {
  s.title = title;
  s.extensions = std::move(extensions);
  s.multi = multi;
  s.request_open = true;
  s.selected.clear();
  s.typed.clear();
  std::error_code ec;
  if (s.dir.empty() || !fs::is_directory(s.dir, ec)) s.dir = fs::current_path(ec).string();
  s.listed_dir.clear();
}

std::vector<std::string> draw_file_dialog(FileDialogState& s) {
  std::vector<std::string> chosen;
  const std::string id = s.title + "##file_dialog";
  if (s.request_open) {
    ImGui::OpenPopup(id.c_str());
    s.request_open = false;
  }
  const ImGuiViewport* vp = ImGui::GetMainViewport();
  ImGui::SetNextWindowSize({vp->WorkSize.x * 0.6f, vp->WorkSize.y * 0.7f}, ImGuiCond_Appearing);
  ImGui::SetNextWindowPos({vp->WorkPos.x + vp->WorkSize.x * 0.5f, vp->WorkPos.y + vp->WorkSize.y * 0.5f},
                          ImGuiCond_Appearing, {0.5f, 0.5f});
  if (!ImGui::BeginPopupModal(id.c_str(), nullptr, ImGuiWindowFlags_NoSavedSettings)) return chosen;
  if (s.listed_dir != s.dir) list_dir(s);

  if (ImGui::Button("Up")) {
    s.dir = fs::path(s.dir).parent_path().string();
    s.selected.clear();
  }
  ImGui::SameLine();
  ImGui::TextUnformatted(s.dir.c_str());
  if (!s.extensions.empty()) {
    std::string f = "showing";
    for (const std::string& e : s.extensions) f += " *" + e;
    ImGui::SameLine();
    ImGui::TextDisabled("(%s)", f.c_str());
  }
  if (!s.error.empty()) ImGui::TextColored(colors::kError, "%s", s.error.c_str());

  const float footer = ImGui::GetFrameHeightWithSpacing() * 2 + ImGui::GetStyle().ItemSpacing.y;
  bool confirm = false;
  if (ImGui::BeginChild("entries", {0, -footer}, true)) {
    for (const auto& e : s.entries) {
      const bool sel = std::find(s.selected.begin(), s.selected.end(), e.name) != s.selected.end();
      const std::string label = (e.is_dir ? "[dir] " : "") + e.name;
      if (ImGui::Selectable(label.c_str(), sel, ImGuiSelectableFlags_AllowDoubleClick | ImGuiSelectableFlags_DontClosePopups)) {
        if (e.is_dir) {
          if (ImGui::IsMouseDoubleClicked(0)) {
            s.dir = (fs::path(s.dir) / e.name).string();
            s.selected.clear();
          }
        } else {
          const bool add = s.multi && ImGui::GetIO().KeyCtrl;
          if (!add) s.selected.clear();
          if (add && sel) s.selected.erase(std::find(s.selected.begin(), s.selected.end(), e.name));
          else s.selected.push_back(e.name);
          if (ImGui::IsMouseDoubleClicked(0)) confirm = true;
        }
      }
      if (!e.is_dir) {
        ImGui::SameLine(ImGui::GetWindowContentRegionMax().x - ImGui::CalcTextSize("0000.0 KiB").x);
        ImGui::TextDisabled("%s", human_size(e.size).c_str());
      }
    }
  }
  ImGui::EndChild();

  ImGui::SetNextItemWidth(-1);
  ImGui::InputTextWithHint("##typed", s.multi ? "or type a path (Ctrl+click selects several)" : "or type a path", &s.typed);
  if (ImGui::Button("Open") || confirm) {
    if (!s.typed.empty()) {
      std::error_code ec;
      const fs::path p = fs::path(s.typed).is_absolute() ? fs::path(s.typed) : fs::path(s.dir) / s.typed;
      if (fs::is_directory(p, ec)) {
        s.dir = p.lexically_normal().string();
        s.typed.clear();
      } else {
        chosen.push_back(p.lexically_normal().string());
      }
    }
    for (const std::string& n : s.selected) chosen.push_back((fs::path(s.dir) / n).string());
    if (!chosen.empty()) ImGui::CloseCurrentPopup();
  }
  ImGui::SameLine();
  if (ImGui::Button("Cancel") || ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape))) ImGui::CloseCurrentPopup();
  ImGui::EndPopup();
  return chosen;
}

void open_save_dialog(SaveDialogState& s, const std::string& title, const std::string& default_path) {
  s.title = title;
  s.path = default_path;
  s.request_open = true;
}

std::string draw_save_dialog(SaveDialogState& s) {
  std::string chosen;
  const std::string id = s.title + "##save_dialog";
  if (s.request_open) {
    ImGui::OpenPopup(id.c_str());
    s.request_open = false;
  }
  if (!ImGui::BeginPopupModal(id.c_str(), nullptr, ImGuiWindowFlags_AlwaysAutoResize | ImGuiWindowFlags_NoSavedSettings))
    return chosen;
  ImGui::TextUnformatted("File:");
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 30);
  if (ImGui::IsWindowAppearing()) ImGui::SetKeyboardFocusHere();
  const bool enter = ImGui::InputText("##path", &s.path, ImGuiInputTextFlags_EnterReturnsTrue);
  if ((ImGui::Button("Save") || enter) && !s.path.empty()) {
    chosen = s.path;
    ImGui::CloseCurrentPopup();
  }
  ImGui::SameLine();
  if (ImGui::Button("Cancel") || ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape))) ImGui::CloseCurrentPopup();
  ImGui::EndPopup();
  return chosen;
}

}  // namespace mambascope::gui
