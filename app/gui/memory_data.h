#pragma once
// The Memory panel's bars, built from loaded profiles without any UI: per model (and profile), one stacked
// bar per prompt length with the allocator's peak split by category, the planner's prediction beside it,
// and the lengths the planner refused (what they would have needed).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "app/gui/profile_set.h"

namespace mambascope::gui {

inline constexpr int kMemoryCategories = 6;
const char* memory_category_name(int i);  // weights, state, kv, activations, workspace, other
uint64_t memory_category_bytes(const MemoryByCategory& m, int i);
uint32_t memory_category_color(int i);  // packed ABGR, as ImGui's IM_COL32

struct MemoryBar {
  int64_t length = 0;
  MemoryByCategory by_category;         // all zero when the profile has no breakdown
  std::optional<uint64_t> peak;         // the allocator's peak (or the categories' sum)
  std::optional<uint64_t> planned;      // the planner's prediction
  std::optional<uint64_t> device_used;  // cudaMemGetInfo cross-check
  std::optional<uint64_t> oom_needed;   // the planner refused this length: bytes it would need
  std::string note;
};

struct MemoryGroup {
  std::string title;  // "mmmamba-linear" or "mmmamba-linear · H100" with several profiles
  std::string model;
  uint32_t color = 0;
  uint64_t device_bytes = 0;    // the GPU's memory from the profile's machine (0: unknown)
  std::vector<MemoryBar> bars;  // by length
};

// Rows with a peak, a breakdown, a plan or an OOM prediction; a paper's rows are left out (they carry totals
// only, which the Curves panel shows).
std::vector<MemoryGroup> build_memory_groups(const std::vector<LoadedProfile>& set);

// The largest bytes any bar shows (peak, planned or needed): the shared y range.
uint64_t memory_groups_max(const std::vector<MemoryGroup>& groups);

}  // namespace mambascope::gui
