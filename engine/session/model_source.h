#pragma once
// Where a model and its tokenizer come from, decided in one place for `mambascope chat`, `run`, `eval` and
// the GUI. `--model NAME_OR_DIR`:
//   - a directory: its config.json, its safetensors and the tokenizer file in it (tokenizer.json or
//     tokenizer.model);
//   - a name with <assets>/models/<name>/config.json: that checkpoint (the small trained ones);
//   - a preset: generated weights (a warning says they answer gibberish). tiny-* presets take the tiny
//     tokenizers in <assets>/tokenizers/ (tiny-neox for ML-Mamba, tiny-internlm2 for the HoVLE family); the
//     real-size presets need --tokenizer.
// `weights` (--weights DIR) gives a preset or a model directory the weights of a checkpoint directory;
// `tokenizer` (--tokenizer FILE) overrides whatever tokenizer the model would take.
#include <memory>
#include <string>
#include <vector>

#include "engine/model/model.h"
#include "engine/text/chat_template.h"
#include "engine/text/tokenizer.h"

namespace mambascope {

// The assets directory: $MAMBASCOPE_ASSETS when set, else the source tree's assets/ compiled in.
std::string assets_dir();

struct ModelRequest {
  std::string model;      // preset name, name under <assets>/models/, or a directory
  std::string weights;    // checkpoint directory (optional)
  std::string tokenizer;  // tokenizer file or directory (optional)
  Device device = Device::Cpu;
  DType dtype = DType::F32;
  uint64_t seed = 0;      // of generated weights
};

struct ResolvedModel {
  std::shared_ptr<const Model> model;
  std::shared_ptr<const Tokenizer> tokenizer;  // loaded when `need_tokenizer` or a tokenizer was asked for
  ChatFormat format = ChatFormat::MlMamba;     // from the model's family
  std::string weights_from;                    // "generated (seed 0)" or the checkpoint directory
  std::string warning;                         // one line for the user, or empty
};

// The chat format a model family speaks: ML-Mamba's Zephyr prompt, or InternLM2's for the HoVLE family.
ChatFormat chat_format_of(const ModelConfig& config);

// The checkpoint directory `model` names: itself, or <assets>/models/<model>; "" for a preset. Errors for a
// directory without config.json and for a name that is neither.
std::string checkpoint_dir(const std::string& model);

// The config `model` names (a directory's, an assets checkpoint's or a preset's) without loading weights.
ModelConfig resolve_model_config(const std::string& model);

// Resolves and loads. Errors name the model, the missing file and the flag that fixes it (--tokenizer,
// --weights, --model).
ResolvedModel resolve_model(const ModelRequest& request, bool need_tokenizer = true);

// What a model picker offers: the presets, then the checkpoints under <assets>/models/ (by name).
std::vector<std::string> available_models();

}  // namespace mambascope
