#pragma once
// Test helpers for the Mamba-2 family: a random Mamba-2 layer checkpoint with the reference's tensor names and
// realistic parameter ranges (the reference's initialisation ranges for dt and A).
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "engine/model/config.h"
#include "engine/model/safetensors.h"
#include "tests/support.h"

namespace mambascope::test {

inline Mamba2Config small_mamba2_config(int64_t d_model = 32, int64_t headdim = 16, int64_t ngroups = 2, int64_t d_state = 8,
                                        int64_t chunk = 16) {
  Mamba2Config c;
  c.d_model = d_model;
  c.headdim = headdim;
  c.ngroups = ngroups;
  c.d_state = d_state;
  c.chunk_size = chunk;
  return c;
}

// Writes `prefix` + {in_proj.weight, conv1d.weight [conv_dim, 1, d_conv], conv1d.bias, dt_bias, A_log, D,
// norm.weight, out_proj.weight} to `path`, values rounded to bf16 so that bf16 and f32 runs share weights.
inline void write_random_mamba2_layer(const std::string& path, const Mamba2Config& c, uint64_t seed, const std::string& prefix = "") {
  const int64_t H = c.nheads();
  auto uni = [&](Shape s, uint64_t k, float lo, float hi) {
    return Tensor::from_f32(random_floats(static_cast<size_t>(shape_numel(s)), seed * 131 + k, lo, hi), s, DType::BF16)
        .to_dtype(DType::F32);
  };
  const float si = 1.f / std::sqrt(static_cast<float>(c.d_model)), so = 1.f / std::sqrt(static_cast<float>(c.d_inner()));
  std::vector<float> dt_bias = random_floats(static_cast<size_t>(H), seed * 131 + 4, std::log(0.001f), std::log(0.1f));
  for (float& v : dt_bias) v = std::log(std::expm1(std::exp(v)));  // inverse softplus of dt in [0.001, 0.1]
  std::vector<float> a_log = random_floats(static_cast<size_t>(H), seed * 131 + 5, 1.f, 16.f);
  for (float& v : a_log) v = std::log(v);
  std::vector<std::pair<std::string, Tensor>> t = {
      {prefix + "in_proj.weight", uni({c.in_proj_dim(), c.d_model}, 1, -si, si)},
      {prefix + "conv1d.weight", uni({c.conv_dim(), 1, c.d_conv}, 2, -0.5f, 0.5f)},
      {prefix + "conv1d.bias", uni({c.conv_dim()}, 3, -0.1f, 0.1f)},
      {prefix + "dt_bias", Tensor::from_f32(dt_bias, {H})},
      {prefix + "A_log", Tensor::from_f32(a_log, {H})},
      {prefix + "D", uni({H}, 6, 0.5f, 1.5f)},
      {prefix + "norm.weight", uni({c.d_inner()}, 7, 0.8f, 1.2f)},
      {prefix + "out_proj.weight", uni({c.d_model, c.d_inner()}, 8, -so, so)},
  };
  write_safetensors(path, t);
}

}  // namespace mambascope::test
