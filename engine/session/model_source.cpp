#include "engine/session/model_source.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "engine/core/error.h"
#include "engine/model/safetensors.h"

namespace mambascope {

namespace fs = std::filesystem;

namespace {

// The tokenizer file a checkpoint directory holds, or "" when it has none.
std::string tokenizer_in(const fs::path& dir) {
  for (const char* f : {"tokenizer.json", "tokenizer.model"})
    if (fs::is_regular_file(dir / f)) return (dir / f).string();
  return {};
}

std::string tiny_tokenizer(const ModelConfig& c) {
  return (fs::path(assets_dir()) / "tokenizers" / (c.family == ModelFamily::MLMamba ? "tiny-neox" : "tiny-internlm2")).string();
}

}  // namespace

std::string checkpoint_dir(const std::string& model) {
  if (model.empty()) throw Error("no model given", {}, "--model", "name a preset (tiny-ml-mamba, mmmamba-linear, ...) or a model directory");
  if (fs::is_directory(model)) {
    if (!fs::is_regular_file(fs::path(model) / "config.json"))
      throw Error("the model directory has no config.json", model, "--model",
                  "pass a checkpoint directory (config.json, model.safetensors, tokenizer) or a preset name");
    return model;
  }
  const fs::path named = fs::path(assets_dir()) / "models" / model;
  if (fs::is_regular_file(named / "config.json")) return named.string();
  if (!is_preset(model)) preset_config(model);  // throws the error that lists the presets
  return {};
}

namespace {
// The config of `model`, whose checkpoint directory checkpoint_dir() gave as `dir`.
ModelConfig config_of(const std::string& model, const fs::path& dir) {
  if (dir.empty()) return preset_config(model);
  ModelConfig c = load_model_config((dir / "config.json").string());
  c.name = model;
  return c;
}
}  // namespace

ModelConfig resolve_model_config(const std::string& model) { return config_of(model, checkpoint_dir(model)); }

std::string assets_dir() {
  if (const char* env = std::getenv("MAMBASCOPE_ASSETS"); env && *env) return env;
  return std::string(MAMBASCOPE_SOURCE_DIR) + "/assets";
}

ChatFormat chat_format_of(const ModelConfig& c) {
  return c.family == ModelFamily::MLMamba ? ChatFormat::MlMamba : ChatFormat::InternLM2;
}

std::vector<std::string> available_models() {
  std::vector<std::string> names = preset_names();
  const fs::path dir = fs::path(assets_dir()) / "models";
  std::vector<std::string> found;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.is_directory() && fs::is_regular_file(e.path() / "config.json")) found.push_back(e.path().filename().string());
  std::sort(found.begin(), found.end());
  for (const std::string& f : found)
    if (!is_preset(f)) names.push_back(f);
  return names;
}

ResolvedModel resolve_model(const ModelRequest& r, bool need_tokenizer) {
  ResolvedModel out;
  const fs::path dir = checkpoint_dir(r.model);  // empty for a preset
  const ModelConfig config = config_of(r.model, dir);
  const std::string weights_dir = !r.weights.empty() ? r.weights : dir.string();
  std::string tokenizer_path = r.tokenizer;
  if (tokenizer_path.empty() && !r.weights.empty()) tokenizer_path = tokenizer_in(r.weights);
  if (tokenizer_path.empty() && !dir.empty()) tokenizer_path = tokenizer_in(dir);
  if (tokenizer_path.empty() && dir.empty() && r.model.rfind("tiny-", 0) == 0) tokenizer_path = tiny_tokenizer(config);

  if (need_tokenizer && tokenizer_path.empty()) {
    if (!dir.empty() || !r.weights.empty())
      throw Error("the model has no tokenizer: no tokenizer.json or tokenizer.model in " + (r.weights.empty() ? dir.string() : r.weights),
                  r.model, "--tokenizer", "pass --tokenizer FILE (the model's tokenizer.json or tokenizer.model)");
    throw Error("the preset '" + r.model + "' has no tokenizer of its own", r.model, "--tokenizer",
                "pass --tokenizer FILE (" + std::string(config.family == ModelFamily::MLMamba ? "GPT-NeoX-20B's tokenizer.json" : "InternLM2's tokenizer.model") +
                    "), or use a tiny-* preset, which brings its own");
  }
  if (!tokenizer_path.empty() && (need_tokenizer || !r.tokenizer.empty())) out.tokenizer = load_tokenizer(tokenizer_path);

  if (weights_dir.empty()) {
    out.model = make_model(config, WeightStore::random(config, r.seed, r.device, r.dtype));
    out.weights_from = "generated (seed " + std::to_string(r.seed) + ")";
    out.warning = "warning: " + r.model + " runs with generated weights (seed " + std::to_string(r.seed) +
                  "): its answers are gibberish; --weights DIR or a trained checkpoint answers for real";
  } else {
    out.model = make_model(config, WeightStore::load(config, Checkpoint::open(weights_dir), r.device, r.dtype));
    out.weights_from = weights_dir;
  }
  out.format = chat_format_of(config);
  if (out.tokenizer && out.tokenizer->vocab_size() > config.vocab())
    throw Error("the tokenizer has " + std::to_string(out.tokenizer->vocab_size()) + " tokens, the model's vocabulary " +
                    std::to_string(config.vocab()), out.tokenizer->path(), "--tokenizer", "use the tokenizer the model was trained with");
  return out;
}

}  // namespace mambascope
