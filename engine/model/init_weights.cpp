#include "engine/model/init_weights.h"

#include <cmath>
#include <filesystem>

#include "engine/core/error.h"
#include "engine/core/file.h"
#include "engine/model/safetensors.h"
#include "engine/ops/fill.h"

namespace mambascope {

namespace {

uint64_t name_seed(uint64_t seed, const std::string& name) {
  uint64_t h = 1469598103934665603ull ^ seed;  // FNV-1a over the name, mixed with the seed
  for (unsigned char ch : name) h = (h ^ ch) * 1099511628211ull;
  return h;
}

}  // namespace

Tensor generate_weight(const WeightSpec& spec, uint64_t seed, DType dt, Device dev) {
  const DType wdt = spec.keep_f32 ? DType::F32 : dt;
  const uint64_t s = name_seed(seed, spec.name);
  if (spec.init == WeightInit::Uniform) {
    Tensor t = Tensor::empty(spec.shape, wdt, dev, MemCategory::Weights);
    ops::fill_uniform(t, s, spec.scale);
    return t;
  }
  // Small tensors with a transform of the uniform stream: made on the host, then moved.
  const int64_t n = shape_numel(spec.shape);
  std::vector<float> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const float u01 = 0.5f * (ops::uniform_pm1(s, i) + 1.f);  // [0, 1)
    switch (spec.init) {
      case WeightInit::Ones: v[i] = spec.scale; break;
      case WeightInit::Zeros: v[i] = 0.f; break;
      case WeightInit::ALog: v[i] = std::log(1.f + 15.f * u01); break;  // A in [1, 16)
      case WeightInit::DtBias: {
        const float dtv = std::exp(std::log(1e-3f) + u01 * (std::log(0.1f) - std::log(1e-3f)));
        v[i] = dtv + std::log(-std::expm1(-dtv));  // inverse softplus
        break;
      }
      default: break;
    }
  }
  Tensor h = Tensor::from_f32(v, spec.shape, wdt);
  return dev == Device::Cpu ? h : h.to(dev, MemCategory::Weights);
}

size_t write_random_checkpoint(const ModelConfig& c, const std::string& dir, uint64_t seed, DType dt) {
  if (dt != DType::F32 && dt != DType::BF16 && dt != DType::F16)
    throw Error(std::string("weights cannot be ") + dtype_name(dt), "init", "--dtype", "use bf16, f16 or f32");
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw Error("cannot create the directory: " + ec.message(), dir, {}, "check the path and permissions");
  const std::vector<WeightSpec> specs = weight_specs(c);
  std::vector<std::pair<std::string, Tensor>> tensors;
  size_t bytes = 0;
  for (const WeightSpec& s : specs) {
    tensors.emplace_back(s.name, generate_weight(s, seed, dt, Device::Cpu));
    bytes += tensors.back().second.nbytes();
  }
  write_safetensors(dir + "/model.safetensors", tensors,
                    {{"format", "pt"}, {"generator", "mambascope init"}, {"seed", std::to_string(seed)},
                     {"model", c.kind()}});
  write_file_atomic(dir + "/config.json", model_config_to_json(c));
  return bytes;
}

}  // namespace mambascope
