#pragma once
// Models panel: pick a model (the presets, checkpoint directories under assets/models/, or any directory with
// config.json), a backend and a dtype; see its dims, exact parameter count and weight bytes (from the config
// alone, engine/model/weight_specs.h), the layer pattern as a strip, and, once the model is loaded (on a
// worker thread), the session planner's memory at a chosen context length.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/gui/gui_context.h"
#include "app/gui/job.h"
#include "app/gui/models_data.h"
#include "engine/model/model.h"
#include "engine/session/session.h"

namespace mambascope::gui {

struct ModelsState {
  std::vector<ModelChoice> choices;
  bool listed = false;
  int choice = 0;
  std::string custom_dir;  // "other directory" text field
  bool cuda = false;       // backend
  int have_cuda = -1;      // a CUDA device is usable (-1: not asked yet)
  int dtype_index = 0;     // into f32, bf16, f16
  int context = 4096;      // tokens for the memory plan
  // The chosen config (from the choice alone, no weights).
  std::string config_key;
  std::optional<ModelConfig> config;
  std::string error;
  // The loaded model and what the planner says for it.
  std::unique_ptr<Job<std::shared_ptr<const Model>>> loading;
  std::shared_ptr<const Model> model;
  std::string model_key;  // the choice/backend/dtype it was loaded with
};

// Chooses a model by preset name or directory (for --model and tests); false when it is not listed.
bool select_model(ModelsState& s, const std::string& source);
void poll_models_jobs(ModelsState& s, GuiContext& ctx);
bool models_busy(const ModelsState& s);
void draw_models_panel(ModelsState& s, GuiContext& ctx);

}  // namespace mambascope::gui
