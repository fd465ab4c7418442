#pragma once
// The Mamba-2 golden case (assets/golden/mamba2, made by baselines/torch/mamba2_reference.py): runs the engine's
// Mamba2Mixer on `dev` over the recorded inputs and returns its outputs next to the reference's (float64 math
// stored as f32).
#include <map>
#include <string>
#include <vector>

#include "engine/model/layers/mamba2_mixer.h"
#include "tests/support.h"

namespace mambascope::test {

struct Mamba2GoldenRun {
  std::map<std::string, std::vector<float>> got, want;  // out_prefill, conv_state, ssm_state, out_decode, *_decode
};

inline Mamba2GoldenRun run_mamba2_golden(Device dev) {
  const std::string dir = std::string(MAMBASCOPE_SOURCE_DIR) + "/assets/golden/mamba2/";
  const Checkpoint in = Checkpoint::open(dir + "inputs.safetensors");
  const Checkpoint ref = Checkpoint::open(dir + "outputs.safetensors");
  // The script's CONFIG (also in the files' metadata).
  Mamba2Config cfg;
  cfg.d_model = 64, cfg.expand = 2, cfg.headdim = 64, cfg.d_state = 64, cfg.ngroups = 2, cfg.d_conv = 4, cfg.chunk_size = 256;
  const int64_t prefill = 300, steps = 4;
  const Mamba2Mixer layer(cfg, in, "", dev);
  const DType act = layer.act_dtype();
  const Tensor u = in.host("u").to_dtype(act);
  Mamba2GoldenRun r;
  Tensor out = Tensor::empty({prefill, cfg.d_model}, act, dev);
  Mamba2Cache cache = Mamba2Cache::zeros(cfg, 1, dev, act);
  layer.forward(u.slice(0, 0, prefill).contiguous().to(dev), out, &cache);
  r.got["out_prefill"] = out.to_f32_vector();
  r.got["conv_state"] = cache.conv.to_f32_vector();
  r.got["ssm_state"] = cache.ssm.to_f32_vector();
  Tensor dec = Tensor::empty({steps, cfg.d_model}, act, dev);
  for (int64_t i = 0; i < steps; ++i) {
    Tensor o = dec.slice(0, i, i + 1);
    layer.step(u.slice(0, prefill + i, prefill + i + 1).contiguous().to(dev), o, cache);
  }
  r.got["out_decode"] = dec.to_f32_vector();
  r.got["conv_state_decode"] = cache.conv.to_f32_vector();
  r.got["ssm_state_decode"] = cache.ssm.to_f32_vector();
  for (const auto& [k, v] : r.got) r.want[k] = ref.host(k).to_f32_vector();
  return r;
}

}  // namespace mambascope::test
