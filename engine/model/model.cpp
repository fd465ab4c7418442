#include "engine/model/model.h"

#include <filesystem>

#include "engine/core/error.h"

namespace mambascope {

std::unique_ptr<Model> make_hovle_model(const ModelConfig& c, WeightStore w);     // hovle_model.cpp
std::unique_ptr<Model> make_mlmamba_model(const ModelConfig& c, WeightStore w);   // mlmamba_model.cpp

std::unique_ptr<Model> make_model(const ModelConfig& c, WeightStore weights) {
  return c.family == ModelFamily::Hovle ? make_hovle_model(c, std::move(weights)) : make_mlmamba_model(c, std::move(weights));
}

std::unique_ptr<Model> load_model(const std::string& src, Device dev, DType dt, int64_t random_seed) {
  if (is_preset(src)) {
    if (random_seed < 0)
      throw Error("'" + src + "' is a preset: it has no weights of its own", "--model", src,
                  "pass --random-weights to run it with generated weights, or --weights DIR for a checkpoint "
                  "(make one with `mambascope init --model " + src + " --out DIR`)");
    const ModelConfig c = preset_config(src);
    return make_model(c, WeightStore::random(c, static_cast<uint64_t>(random_seed), dev, dt));
  }
  namespace fs = std::filesystem;
  if (!fs::is_directory(src))
    throw Error("not a model directory or a preset name", src, {}, "pass a directory with config.json and model.safetensors, or a preset");
  ModelConfig c = load_model_config((fs::path(src) / "config.json").string());
  c.name = src;
  if (random_seed >= 0) return make_model(c, WeightStore::random(c, static_cast<uint64_t>(random_seed), dev, dt));
  return make_model(c, WeightStore::load(c, Checkpoint::open(src), dev, dt));
}

}  // namespace mambascope
