#include "app/gui/profile_set.h"

#include <algorithm>
#include <filesystem>
#include <map>

namespace mambascope::gui {

namespace {
constexpr uint32_t pack(uint8_t r, uint8_t g, uint8_t b) {
  return (0xFFu << 24) | (static_cast<uint32_t>(b) << 16) | (static_cast<uint32_t>(g) << 8) | r;
}
}  // namespace

void assign_labels(std::vector<LoadedProfile>& set) {
  std::map<std::string, int> count;
  auto base = [](const LoadedProfile& lp) {
    if (!lp.profile.machine.gpu.empty()) return lp.profile.machine.gpu;
    return std::filesystem::path(lp.path).stem().string();
  };
  for (const LoadedProfile& lp : set) ++count[base(lp)];
  for (LoadedProfile& lp : set) {
    const std::string b = base(lp);
    if (count[b] == 1) {
      lp.label = b;
      continue;
    }
    const std::filesystem::path p(lp.path);
    const std::string parent = p.parent_path().filename().string();
    lp.label = b + " (" + (parent.empty() ? "" : parent + "/") + p.stem().string() + ")";
  }
}

bool is_baseline_model(const Profile& p, const std::string& model) {
  if (model == "transformer") return true;
  for (const ProfileModel& m : p.models)
    if (m.name == model) return m.family == "transformer";
  return false;
}

std::vector<std::string> model_order(const std::vector<LoadedProfile>& set) {
  std::vector<std::string> order;
  for (const LoadedProfile& lp : set) {
    if (!lp.visible) continue;
    for (const ProfileRow& r : lp.profile.rows)
      if (std::find(order.begin(), order.end(), r.model) == order.end()) order.push_back(r.model);
  }
  return order;
}

uint32_t series_color(int index) {
  // Okabe-Ito, lightened where the original is too dark on a dark background; then six extra hues.
  static constexpr uint32_t kColors[] = {
      pack(86, 180, 233),   // sky blue
      pack(230, 159, 0),    // orange
      pack(0, 190, 140),    // bluish green
      pack(240, 228, 66),   // yellow
      pack(204, 121, 167),  // reddish purple
      pack(240, 110, 60),   // vermillion
      pack(120, 150, 255),  // blue
      pack(200, 200, 200),  // grey
      pack(110, 220, 220),  // cyan
      pack(255, 150, 190),  // pink
      pack(175, 215, 90),   // lime
      pack(190, 140, 100),  // brown
  };
  const int n = static_cast<int>(sizeof kColors / sizeof kColors[0]);
  return kColors[((index % n) + n) % n];
}

std::string short_model_name(const std::string& model) {
  const size_t slash = model.find_last_of('/');
  return slash == std::string::npos ? model : model.substr(slash + 1);
}

}  // namespace mambascope::gui
