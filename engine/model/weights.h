#pragma once
// The weights of one model on one device: every tensor of weight_specs(config), loaded from a checkpoint
// (names and shapes checked, converted to the model dtype) or generated in memory with the same values
// `mambascope init` writes (speed and memory runs need no file).
#include <map>
#include <string>

#include "engine/model/model_config.h"
#include "engine/model/safetensors.h"
#include "engine/model/weight_specs.h"

namespace mambascope {

class WeightStore {
 public:
  // Missing tensors and shape mismatches throw Error naming the file, the tensor, and both shapes; tensors
  // the model does not use are ignored (logged at info level).
  static WeightStore load(const ModelConfig& c, const Checkpoint& ck, Device dev, DType dt);
  static WeightStore random(const ModelConfig& c, uint64_t seed, Device dev, DType dt);

  const Tensor& get(const std::string& name) const;
  bool has(const std::string& name) const { return w_.count(name) != 0; }
  void put(const std::string& name, Tensor t) { w_[name] = std::move(t); }
  void erase(const std::string& name) { w_.erase(name); }
  size_t bytes() const;
  const std::map<std::string, Tensor>& tensors() const { return w_; }
  Device device() const { return device_; }
  DType dtype() const { return dtype_; }
  const std::string& source() const { return source_; }

 private:
  std::map<std::string, Tensor> w_;
  Device device_ = Device::Cpu;
  DType dtype_ = DType::F32;
  std::string source_;
};

}  // namespace mambascope
