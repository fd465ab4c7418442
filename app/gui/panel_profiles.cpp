#include "app/gui/panel_profiles.h"

#include <algorithm>
#include <filesystem>

#include <imgui.h>

#include "app/gui/ui_common.h"

namespace mambascope::gui {

void load_profiles_async(ProfilesState& s, const std::vector<std::string>& paths) {
  for (const std::string& path : paths)
    s.loading.push_back(std::make_unique<Job<LoadedProfile>>(
        "loading " + std::filesystem::path(path).filename().string(), [path](JobProgress&) {
          LoadedProfile lp;
          lp.path = path;
          lp.profile = read_profile(path);
          return lp;
        }));
}

void add_profile(ProfilesState& s, Profile p, const std::string& label) {
  LoadedProfile lp;
  lp.path = label;
  lp.profile = std::move(p);
  s.loaded.push_back(std::move(lp));
  assign_labels(s.loaded);
}

void poll_profile_loads(ProfilesState& s, GuiContext& ctx) {
  bool changed = false;
  for (auto it = s.loading.begin(); it != s.loading.end();) {
    Job<LoadedProfile>& job = **it;
    if (!job.done()) {
      ctx.job_line = job.title();
      ctx.animating = true;
      ++it;
      continue;
    }
    if (std::optional<LoadedProfile> lp = job.take_value()) {
      auto same = std::find_if(s.loaded.begin(), s.loaded.end(), [&](const LoadedProfile& o) { return o.path == lp->path; });
      if (same != s.loaded.end()) *same = std::move(*lp);
      else s.loaded.push_back(std::move(*lp));
      changed = true;
    } else {
      s.errors.push_back(job.error());
      ctx.notify(job.error(), true);
    }
    it = s.loading.erase(it);
  }
  if (changed) assign_labels(s.loaded);
}

bool profiles_busy(const ProfilesState& s) { return !s.loading.empty(); }

void draw_profile_list(ProfilesState& s, GuiContext& ctx) {
  if (ImGui::Button("Open profiles...")) open_file_dialog(s.dialog, "Open profiles", {".json"}, true);
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("Profile JSON files (docs/profile-format.md), several at once; or drop them on the window");
  const std::vector<std::string> chosen = draw_file_dialog(s.dialog);
  if (!chosen.empty()) load_profiles_async(s, chosen);
  for (const auto& job : s.loading) ImGui::TextDisabled("%s...", job->title().c_str());

  for (size_t i = 0; i < s.loaded.size();) {
    LoadedProfile& lp = s.loaded[i];
    ImGui::PushID(static_cast<int>(i));
    ImGui::Checkbox("##visible", &lp.visible);
    ImGui::SameLine();
    ImGui::TextUnformatted(lp.label.c_str());
    if (ImGui::IsItemHovered()) {
      const Profile& p = lp.profile;
      ImGui::BeginTooltip();
      ImGui::Text("%s", lp.path.c_str());
      ImGui::Text("kind: %s   created: %s", p.kind.c_str(), p.created.empty() ? "?" : p.created.c_str());
      if (!p.machine.gpu.empty()) ImGui::Text("GPU: %s", p.machine.gpu.c_str());
      if (!p.build.version.empty())
        ImGui::Text("build: %s %s %s", p.build.version.c_str(), p.build.git_sha.c_str(), p.build.build_type.c_str());
      ImGui::Text("%zu rows, %zu models", p.rows.size(), p.models.size());
      if (!p.protocol_description.empty()) {
        ImGui::PushTextWrapPos(ImGui::GetFontSize() * 32);
        ImGui::TextDisabled("%s", p.protocol_description.c_str());
        ImGui::PopTextWrapPos();
      }
      ImGui::EndTooltip();
    }
    ImGui::SameLine(ImGui::GetContentRegionMax().x - ImGui::CalcTextSize("x").x - ImGui::GetStyle().FramePadding.x * 2);
    const bool remove = ImGui::SmallButton("x");
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("close this profile");
    ImGui::PopID();
    if (remove) {
      s.loaded.erase(s.loaded.begin() + static_cast<long>(i));
      assign_labels(s.loaded);
    } else {
      ++i;
    }
  }
  draw_errors(s.errors);
}

}  // namespace mambascope::gui
