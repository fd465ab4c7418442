#pragma once
// Memory panel: per model, stacked bars of the allocator's peak by category (weights, state, kv, activations,
// workspace, other) for each prompt length, the planner's prediction beside each bar, the lengths the
// planner refused drawn as what they would need, and the GPU's capacity when it is in range.
#include "app/gui/gui_context.h"
#include "app/gui/panel_profiles.h"

namespace mambascope::gui {

struct MemoryState {
  bool same_scale = true;    // one y range for all models, so bars compare across charts
  bool show_planned = true;
};

void draw_memory_panel(MemoryState& s, ProfilesState& profiles, GuiContext& ctx);

}  // namespace mambascope::gui
