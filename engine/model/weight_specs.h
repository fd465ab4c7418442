#pragma once
// Every tensor a model's checkpoint holds: its published name, shape, and how `mambascope init` fills it.
// One list serves the initialiser, the loader (names and shapes checked against the file) and the memory
// planner (weight bytes).
#include <string>
#include <vector>

#include "engine/core/tensor.h"
#include "engine/model/model_config.h"

namespace mambascope {

enum class WeightInit {
  Uniform,    // U(-scale, scale)
  Ones,       // norm weights, LayerScale (scaled by `scale`)
  Zeros,      // biases
  ALog,       // log(U(1, 16))
  DtBias,     // inverse softplus of log-uniform dt in [1e-3, 0.1]
};

struct WeightSpec {
  std::string name;
  Shape shape;
  WeightInit init = WeightInit::Uniform;
  float scale = 0.f;          // Uniform: bound; Ones: value
  bool keep_f32 = false;      // stored in f32 whatever the model dtype (A_log, dt_bias, D, pos tables)
};

std::vector<WeightSpec> weight_specs(const ModelConfig& c);
int64_t param_count(const std::vector<WeightSpec>& specs);
size_t weight_bytes(const std::vector<WeightSpec>& specs, DType dt);  // keep_f32 ones at 4 bytes

// Layer prefixes of the HoVLE family: layers 0..E-1 are `embedding_model.encoder.{i}.`, the rest
// `language_model.model.layers.{i-E}.`.
std::string hovle_layer_prefix(const HovleConfig& h, int64_t layer);

}  // namespace mambascope
