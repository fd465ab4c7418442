#pragma once
// The PyTorch reference's outputs for the tiny presets (baselines/torch/models_reference.py on weights from
// `mambascope init --model tiny-X --out DIR`, seed 0, f32), and a runner that feeds the same inputs to a
// Session: the C++ side of the model golden tests (CPU in CI, CUDA with label gpu).
#include <string>
#include <vector>

#include "engine/model/model.h"
#include "engine/model/safetensors.h"
#include "engine/session/session.h"

namespace mambascope::test {

inline std::string model_golden_path(const std::string& preset) {
  return std::string(MAMBASCOPE_SOURCE_DIR) + "/assets/golden/models/" + preset + ".safetensors";
}

struct GoldenRun {
  std::vector<float> prefill_logits;              // last position
  std::vector<std::vector<float>> step_logits;    // after each greedy token (teacher-forced with the golden ids)
};

// Runs the golden's inputs through `m`: prefill (image rows spliced in), then the golden's greedy tokens.
inline GoldenRun run_golden(std::shared_ptr<const Model> m, const SafetensorsFile& g) {
  const bool ml = m->config().family == ModelFamily::MLMamba;
  const Tensor ids_t = g.tensor("input_ids");
  std::vector<int32_t> ids;
  Tensor img, pixels;
  int64_t at = 0;
  if (ml) {
    const Tensor d = g.tensor("pixel_values_dino"), s = g.tensor("pixel_values_siglip");
    std::vector<float> px = d.to_f32_vector(), ps = s.to_f32_vector();
    px.insert(px.end(), ps.begin(), ps.end());
    pixels = Tensor::from_f32(px, {2, d.dim(0), d.dim(1), d.dim(2)});
    img = m->embed_image(pixels, nullptr);
    ids.assign(static_cast<size_t>(img.dim(0)), 0);  // placeholders under the image rows
  } else {
    pixels = g.tensor("pixel_values").contiguous();
    img = m->embed_image(pixels, nullptr);
    at = g.tensor("image_positions").data_as<int64_t>()[0];
  }
  for (int64_t i = 0; i < ids_t.numel(); ++i) ids.push_back(static_cast<int32_t>(ids_t.data_as<int64_t>()[i]));
  SessionOptions o;
  o.max_length = static_cast<int64_t>(ids.size()) + 16;
  Session s(m, o);
  GoldenRun r;
  r.prefill_logits = s.prefill(ids, img, at);
  const Tensor greedy = g.tensor("greedy_ids");
  for (int64_t i = 0; i < greedy.numel(); ++i) r.step_logits.push_back(s.decode_logits(static_cast<int32_t>(greedy.data_as<int64_t>()[i])));
  return r;
}

inline std::vector<float> golden_row(const SafetensorsFile& g, const std::string& name, int64_t row) {
  const Tensor t = g.tensor(name);
  return t.select(0, row < 0 ? t.dim(0) + row : row).contiguous().to_f32_vector();
}

}  // namespace mambascope::test
