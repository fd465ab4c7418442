#pragma once
// Deterministic random weights for any model (speed and memory do not depend on the values; the tiny
// models' goldens do, so the values are a pure function of (seed, tensor name), the same on CPU and GPU).
#include <string>

#include "engine/model/weight_specs.h"

namespace mambascope {

// One weight, generated on `dev` in `dt` (specs marked keep_f32 stay f32), accounted as Weights.
Tensor generate_weight(const WeightSpec& spec, uint64_t seed, DType dt, Device dev);

// Writes DIR/config.json and DIR/model.safetensors; creates DIR. Returns the bytes written.
size_t write_random_checkpoint(const ModelConfig& c, const std::string& dir, uint64_t seed, DType dt);

}  // namespace mambascope
