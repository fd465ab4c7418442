#include <catch2/catch.hpp>

#include "engine/model/config.h"
#include "tests/support.h"

using namespace mambascope;

namespace {
// The published state-spaces/mamba2-2.7b config.json.
const char* kMamba2_2p7b = R"({"d_model": 2560, "d_intermediate": 0, "n_layer": 64, "vocab_size": 50277,
  "ssm_cfg": {"layer": "Mamba2"}, "attn_layer_idx": [], "attn_cfg": {}, "rms_norm": true,
  "residual_in_fp32": true, "fused_add_norm": true, "pad_vocab_size_multiple": 16, "tie_embeddings": true})";

MambaLMConfig load(const test::TempDir& dir, const std::string& text) {
  const std::string p = dir.file("config.json");
  test::write_bytes(p, text);
  return load_mamba_lm_config(p);
}
}  // namespace

TEST_CASE("the published mamba2-2.7b config loads with Mamba2 defaults", "[model][config]") {
  test::TempDir dir("cfg");
  const MambaLMConfig c = load(dir, kMamba2_2p7b);
  CHECK(c.d_model == 2560);
  CHECK(c.n_layer == 64);
  CHECK(c.padded_vocab() == 50288);
  CHECK(c.ssm.d_inner() == 5120);
  CHECK(c.ssm.nheads() == 80);
  CHECK(c.ssm.d_state == 128);
  CHECK(c.ssm.conv_dim() == 5120 + 256);
  CHECK(c.ssm.in_proj_dim() == 2 * 5120 + 2 * 128 + 80);
  CHECK(c.residual_in_fp32);
}

TEST_CASE("config errors name the file, the key and the fix", "[model][config]") {
  test::TempDir dir("cfg");
  const std::string p = dir.file("config.json");
  SECTION("missing key") {
    REQUIRE_ERROR_MENTIONS(load(dir, R"({"d_model": 8, "vocab_size": 10})"), p, "n_layer", "missing required key", "add \"n_layer\"");
  }
  SECTION("unknown keys, all named") {
    REQUIRE_ERROR_MENTIONS(load(dir, R"({"d_model": 8, "n_layer": 1, "vocab_size": 10, "d_modle": 3, "ssm_cfg": {"d_stat": 4}})"),
                           "ssm_cfg.d_stat", "unknown key");
    REQUIRE_ERROR_MENTIONS(load(dir, R"({"d_model": 8, "n_layer": 1, "vocab_size": 10, "d_modle": 3})"), "d_modle", "unknown key");
  }
  SECTION("wrong type") {
    REQUIRE_ERROR_MENTIONS(load(dir, R"({"d_model": "8", "n_layer": 1, "vocab_size": 10})"), "d_model", "must be an integer", "string");
  }
  SECTION("inconsistent sizes") {
    REQUIRE_ERROR_MENTIONS(load(dir, R"({"d_model": 24, "n_layer": 1, "vocab_size": 10, "ssm_cfg": {"headdim": 7}})"),
                           "ssm_cfg.headdim", "must divide d_inner");
  }
  SECTION("unsupported variant is refused rather than mis-run") {
    REQUIRE_ERROR_MENTIONS(load(dir, R"({"d_model": 64, "n_layer": 1, "vocab_size": 10, "ssm_cfg": {"norm_before_gate": true}})"),
                           "ssm_cfg.norm_before_gate", "only false is supported");
    REQUIRE_ERROR_MENTIONS(load(dir, R"({"d_model": 64, "n_layer": 1, "vocab_size": 10, "ssm_cfg": {"layer": "Mamba1"}})"),
                           "ssm_cfg.layer", "not supported");
  }
  SECTION("sizes out of range are refused before any arithmetic") {  // found by fuzz_config
    REQUIRE_ERROR_MENTIONS(load(dir, R"({"d_model": 64, "n_layer": 2, "vocab_size": 100, "ssm_cfg": {"d_state": 169999999999999999999999}})"),
                           "ssm_cfg.d_state", "out of range");
    REQUIRE_ERROR_MENTIONS(load(dir, R"({"d_model": 64, "n_layer": 2, "vocab_size": 100, "ssm_cfg": {"d_state": 4000000}})"),
                           "ssm_cfg.d_state", "above the supported");
    REQUIRE_ERROR_MENTIONS(load(dir, R"({"d_model": 18446744073709551615, "n_layer": 2, "vocab_size": 100})"), "d_model", "out of range");
  }
  SECTION("bad JSON") { REQUIRE_ERROR_MENTIONS(load(dir, R"({"d_model": 8,})"), p, "not valid JSON"); }
  SECTION("not an object") { REQUIRE_ERROR_MENTIONS(load(dir, "[1, 2]"), "expected a JSON object"); }
}

TEST_CASE("keys real checkpoints carry but inference ignores are accepted", "[model][config]") {
  test::TempDir dir("cfg");
  const MambaLMConfig c = load(dir, R"({"d_model": 64, "n_layer": 2, "vocab_size": 100, "fused_add_norm": true,
     "ssm_cfg": {"dt_min": 0.001, "dt_max": 0.1, "A_init_range": [1, 16], "use_mem_eff_path": true, "d_state": 16}})");
  CHECK(c.ssm.d_state == 16);
}
