#include "app/gui/memory_data.h"

#include <algorithm>

namespace mambascope::gui {

const char* memory_category_name(int i) {
  static constexpr const char* kNames[kMemoryCategories] = {"weights", "state", "kv", "activations", "workspace", "other"};
  return i >= 0 && i < kMemoryCategories ? kNames[i] : "?";
}

uint32_t memory_category_color(int i) {
  auto pack = [](uint32_t r, uint32_t g, uint32_t b) { return 0xFF000000u | (b << 16) | (g << 8) | r; };
  switch (i) {
    case 0: return pack(86, 130, 200);   // weights
    case 1: return pack(0, 175, 125);    // state
    case 2: return pack(235, 145, 35);   // kv
    case 3: return pack(175, 115, 205);  // activations
    case 4: return pack(220, 200, 80);   // workspace
    case 5: return pack(150, 150, 150);  // other
  }
  return pack(110, 116, 128);
}

uint64_t memory_category_bytes(const MemoryByCategory& m, int i) {
  switch (i) {
    case 0: return m.weights;
    case 1: return m.state;
    case 2: return m.kv;
    case 3: return m.activations;
    case 4: return m.workspace;
    case 5: return m.other;
  }
  return 0;
}

std::vector<MemoryGroup> build_memory_groups(const std::vector<LoadedProfile>& set) {
  const std::vector<std::string> models = model_order(set);
  const bool several = std::count_if(set.begin(), set.end(), [](const LoadedProfile& lp) { return lp.visible; }) > 1;
  std::vector<MemoryGroup> groups;
  for (const LoadedProfile& lp : set) {
    if (!lp.visible) continue;
    const size_t first = groups.size();
    for (const ProfileRow& r : lp.profile.rows) {
      if (r.engine == "paper") continue;
      MemoryBar bar;
      bar.length = r.length;
      bar.by_category = r.peak_by_category;
      bar.peak = r.peak_bytes;
      if (!bar.peak && r.peak_by_category.total() > 0) bar.peak = r.peak_by_category.total();
      bar.planned = r.planned_bytes;
      bar.device_used = r.device_used_bytes;
      bar.oom_needed = r.oom_predicted;
      bar.note = r.note;
      if (!bar.peak && !bar.planned && !bar.oom_needed) continue;
      std::string title = r.model;
      if (r.engine != "mambascope") title += " (" + r.engine + ")";
      if (several) title += " \xC2\xB7 " + lp.label;
      auto it = std::find_if(groups.begin() + static_cast<long>(first), groups.end(),
                             [&](const MemoryGroup& g) { return g.title == title; });
      if (it == groups.end()) {
        const auto m = std::find(models.begin(), models.end(), r.model);
        groups.push_back({title, r.model, series_color(static_cast<int>(m - models.begin())), lp.profile.machine.memory_bytes, {}});
        it = groups.end() - 1;
      }
      it->bars.push_back(bar);
    }
  }
  for (MemoryGroup& g : groups)
    std::stable_sort(g.bars.begin(), g.bars.end(), [](const MemoryBar& a, const MemoryBar& b) { return a.length < b.length; });
  return groups;
}

uint64_t memory_groups_max(const std::vector<MemoryGroup>& groups) {
  uint64_t m = 0;
  for (const MemoryGroup& g : groups)
    for (const MemoryBar& b : g.bars) m = std::max({m, b.peak.value_or(0), b.planned.value_or(0), b.oom_needed.value_or(0)});
  return m;
}

}  // namespace mambascope::gui
