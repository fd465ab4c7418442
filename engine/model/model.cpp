#include "engine/model/model.h"

#include <filesystem>

#include "engine/core/error.h"

namespace mambascope {

std::unique_ptr<Model> make_hovle_model(const ModelConfig& c, WeightStore w);     // hovle_model.cpp
std::unique_ptr<Model> make_mlmamba_model(const ModelConfig& c, WeightStore w);   // mlmamba_model.cpp

std::unique_ptr<Model> make_model(const ModelConfig& c, WeightStore weights) {
  Allocator& a = allocator_for(weights.device());
  const size_t before = a.stats().snapshot().cur(MemCategory::Weights);
  const size_t store = weights.bytes();
  std::unique_ptr<Model> m =
      c.family == ModelFamily::Hovle ? make_hovle_model(c, std::move(weights)) : make_mlmamba_model(c, std::move(weights));
  // The store was allocated before `before` (or borrowed from a mapped file on the CPU): count it, plus what
  // building the model allocated and minus what it released.
  const size_t after = a.stats().snapshot().cur(MemCategory::Weights);
  m->resident_bytes_ = after >= before ? store + (after - before) : store - std::min(store, before - after);
  return m;
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
