#pragma once
// The Models panel's data, apart from drawing (unit-tested in tests/gui/test_models_data.cpp): which models
// can be opened, their dims, parameter counts by part (from engine/model/weight_specs.h, exactly what a
// checkpoint holds), weight bytes per dtype, and the layer pattern as strip segments.
#include <cstdint>
#include <string>
#include <vector>

#include "engine/core/dtype.h"
#include "engine/model/model_config.h"
#include "engine/session/model_source.h"

namespace mambascope::gui {

struct ModelChoice {
  std::string label;   // what the picker shows
  std::string source;  // a preset name or a checkpoint directory (load_model's argument)
  bool preset = false; // presets load with random weights
};
// The presets, then every directory under `models_root` with a config.json (sorted), e.g. the trained tiny
// checkpoints in <assets>/models/*/ (the same folder `mambascope chat` and `eval` resolve names in). A
// missing root adds nothing.
std::vector<ModelChoice> list_model_choices(const std::string& models_root = assets_dir() + "/models");

// The config of a choice (a preset's, or the directory's config.json; throws Error naming the file).
ModelConfig choice_config(const ModelChoice& choice);

// A run of consecutive layers of one kind in a layer pattern ("AMMMAMMM" -> A x1, M x3, A x1, M x3).
struct PatternSegment {
  char kind = 'M';
  int first = 0, count = 0;
};
std::vector<PatternSegment> pattern_segments(const std::string& pattern);

// One block of the strip the panel draws, in the order data flows through the model.
enum class StripKind { Vision, Connector, Projector, Embedding, Mamba, Attention };
struct StripItem {
  StripKind kind = StripKind::Mamba;
  std::string label;    // short, drawn in the block when it fits ("M", "A", "DINOv2", "scan 0")
  std::string tooltip;  // dims of that layer
  float weight = 1;     // relative width (one decoder layer = 1)
};
std::vector<StripItem> layer_strip(const ModelConfig& c);
uint32_t strip_color(StripKind k);  // packed as ImGui's IM_COL32 (ABGR)

struct ParamPart {
  std::string name;  // "DINOv2 encoder", "scan connector", "language model", ...
  int64_t params = 0;
  size_t bytes = 0;  // in the chosen dtype (f32 for the tensors a checkpoint keeps in f32)
};
struct ModelSummary {
  std::vector<std::pair<std::string, std::string>> dims;  // (name, value) rows
  std::vector<ParamPart> parts;                           // sums to params / bytes
  int64_t params = 0;
  size_t weight_bytes = 0;
};
ModelSummary summarize_model(const ModelConfig& c, DType dt);

}  // namespace mambascope::gui
