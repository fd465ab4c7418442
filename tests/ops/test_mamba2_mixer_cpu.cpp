// CPU tests of the Mamba2Mixer layer: prefill against a per-token decode loop, prefill-then-decode against one
// prefill, and weight checks. f32 activations: differences are f32 rounding of reordered sums.
#include <catch2/catch.hpp>

#include "engine/model/layers/mamba2_mixer.h"
#include "tests/ops/mamba2_test_util.h"

using namespace mambascope;

TEST_CASE("Mamba2Mixer CPU forward matches a naive per-token step loop", "[model][mamba2]") {
  test::TempDir dir("mixer");
  for (int64_t ngroups : {1, 2}) {
    INFO("ngroups " << ngroups);
    const Mamba2Config cfg = test::small_mamba2_config(32, 16, ngroups, 8, 16);
    const std::string path = dir.file("layer" + std::to_string(ngroups) + ".safetensors");
    test::write_random_mamba2_layer(path, cfg, 3 + ngroups, "mixer.");
    const Mamba2Mixer layer(cfg, Checkpoint::open(path), "mixer.", Device::Cpu);
    const int64_t L = 45;  // crosses two chunk boundaries
    const Tensor u = test::random_tensor({L, cfg.d_model}, DType::F32, 9);
    Tensor out = Tensor::empty({L, cfg.d_model}, DType::F32);
    Mamba2Cache cache = Mamba2Cache::zeros(cfg, 1, Device::Cpu, DType::F32);
    layer.forward(u, out, &cache);

    Mamba2Cache step_cache = Mamba2Cache::zeros(cfg, 1, Device::Cpu, DType::F32);
    Tensor step_out = Tensor::empty({L, cfg.d_model}, DType::F32);
    for (int64_t t = 0; t < L; ++t) {
      Tensor ot = step_out.slice(0, t, t + 1);
      layer.step(u.slice(0, t, t + 1), ot, step_cache);
    }
    CHECK(test::rel_l2(out.to_f32_vector(), step_out.to_f32_vector()) < 1e-5);
    CHECK(test::rel_l2(cache.ssm.to_f32_vector(), step_cache.ssm.to_f32_vector()) < 1e-5);
    // The conv state holds raw in_proj outputs: GEMMs of different row counts round differently.
    CHECK(test::rel_l2(cache.conv.to_f32_vector(), step_cache.conv.to_f32_vector()) < 1e-6);
    // A forward without a cache gives the same output.
    Tensor out2 = Tensor::empty({L, cfg.d_model}, DType::F32);
    layer.forward(u, out2);
    CHECK(out2.to_f32_vector() == out.to_f32_vector());
  }
}

TEST_CASE("Mamba2Mixer prefill then decode equals one long prefill", "[model][mamba2]") {
  test::TempDir dir("mixer");
  const Mamba2Config cfg = test::small_mamba2_config(32, 16, 1, 8, 16);
  const std::string path = dir.file("layer.safetensors");
  test::write_random_mamba2_layer(path, cfg, 11);
  const Mamba2Mixer layer(cfg, Checkpoint::open(path), "", Device::Cpu);
  const int64_t L = 40, L1 = 33;
  const Tensor u = test::random_tensor({L, cfg.d_model}, DType::F32, 12);
  Tensor ref = Tensor::empty({L, cfg.d_model}, DType::F32);
  Mamba2Cache ref_cache = Mamba2Cache::zeros(cfg, 1, Device::Cpu, DType::F32);
  layer.forward(u, ref, &ref_cache);

  Tensor out = Tensor::empty({L, cfg.d_model}, DType::F32);
  Mamba2Cache cache = Mamba2Cache::zeros(cfg, 1, Device::Cpu, DType::F32);
  Tensor o1 = out.slice(0, 0, L1);
  layer.forward(u.slice(0, 0, L1), o1, &cache);
  for (int64_t t = L1; t < L; ++t) {
    Tensor ot = out.slice(0, t, t + 1);
    layer.step(u.slice(0, t, t + 1), ot, cache);
  }
  CHECK(test::rel_l2(out.to_f32_vector(), ref.to_f32_vector()) < 1e-5);
  CHECK(test::rel_l2(cache.ssm.to_f32_vector(), ref_cache.ssm.to_f32_vector()) < 1e-5);
  CHECK(test::rel_l2(cache.conv.to_f32_vector(), ref_cache.conv.to_f32_vector()) < 1e-6);
}

TEST_CASE("Mamba2Mixer names the checkpoint tensor whose shape is wrong", "[model][mamba2]") {
  test::TempDir dir("mixer");
  const Mamba2Config cfg = test::small_mamba2_config();
  const std::string path = dir.file("layer.safetensors");
  test::write_random_mamba2_layer(path, cfg, 1, "m.");
  Mamba2Config wrong = cfg;
  wrong.d_state = 16;
  REQUIRE_ERROR_MENTIONS(Mamba2Mixer(wrong, Checkpoint::open(path), "m.", Device::Cpu), "in_proj.weight", "layer.safetensors", "d_state");
  REQUIRE_ERROR_MENTIONS(Mamba2Mixer(cfg, Checkpoint::open(path), "x.", Device::Cpu), "x.in_proj.weight", "missing");
}
