#include "engine/model/weights.h"

#include <set>

#include "engine/core/error.h"
#include "engine/core/log.h"
#include "engine/model/init_weights.h"

namespace mambascope {

WeightStore WeightStore::load(const ModelConfig& c, const Checkpoint& ck, Device dev, DType dt) {
  WeightStore s;
  s.device_ = dev;
  s.dtype_ = dt;
  s.source_ = ck.path();
  std::set<std::string> used;
  const std::vector<WeightSpec> specs = weight_specs(c);
  size_t missing = 0;
  std::string first_missing;
  for (const WeightSpec& spec : specs)
    if (!ck.contains(spec.name) && missing++ == 0) first_missing = spec.name;
  if (missing == 1)
    throw Error("tensor missing (the model " + c.kind() + " needs it)", ck.path(), first_missing,
                "check that the checkpoint is of the model config.json describes");
  if (missing > 1)  // most likely the weights of another model: say how far apart they are
    throw Error(std::to_string(missing) + " of the " + std::to_string(specs.size()) + " tensors the model " + c.kind() +
                    " needs are missing (the checkpoint holds " + std::to_string(ck.names().size()) + ", first missing: " +
                    first_missing + ")",
                ck.path(), first_missing,
                "the checkpoint is probably of another model: use the config.json that came with these weights");
  for (const WeightSpec& spec : specs) {
    const SafetensorInfo& info = ck.info(spec.name);
    if (info.shape != spec.shape)
      throw Error("shape " + shape_str(info.shape) + " in the file, the config needs " + shape_str(spec.shape), ck.file_of(spec.name),
                  spec.name, "the checkpoint and config.json disagree: use the config that came with the weights");
    Tensor h = ck.host(spec.name);
    if (!is_float(h.dtype()))
      throw Error(std::string("dtype ") + dtype_name(h.dtype()) + " where a float weight is needed", ck.file_of(spec.name), spec.name,
                  "convert the tensor to F32, BF16 or F16 (integer tensors are not weights)");
    const DType want = spec.keep_f32 ? DType::F32 : dt;
    // On the host a converted tensor is weights (it was counted as activations: a bf16 checkpoint run in f32
    // showed "weights 3.0 MiB" of a 9.8 MiB model); an unconverted one stays a view of the mapping.
    if (h.dtype() != want) h = h.to_dtype(want, MemCategory::Weights);
    s.w_[spec.name] = dev == Device::Cpu ? h : h.to(dev, MemCategory::Weights);
    used.insert(spec.name);
  }
  size_t unused = 0;
  for (const std::string& n : ck.names())
    if (!used.count(n)) ++unused;
  if (unused) log_info(ck.path() + ": " + std::to_string(unused) + " tensor(s) not used by " + c.kind());
  return s;
}

WeightStore WeightStore::random(const ModelConfig& c, uint64_t seed, Device dev, DType dt) {
  WeightStore s;
  s.device_ = dev;
  s.dtype_ = dt;
  s.source_ = "random (seed " + std::to_string(seed) + ")";
  for (const WeightSpec& spec : weight_specs(c)) s.w_[spec.name] = generate_weight(spec, seed, dt, dev);
  return s;
}

const Tensor& WeightStore::get(const std::string& name) const {
  auto it = w_.find(name);
  if (it == w_.end()) throw Error("weight not loaded", source_, name, "this is a bug in mambascope: please report it");
  return it->second;
}

size_t WeightStore::bytes() const {
  size_t b = 0;
  for (const auto& [n, t] : w_) b += t.nbytes();
  return b;
}

}  // namespace mambascope
