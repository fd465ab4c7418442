#include <catch2/catch.hpp>

#include "engine/model/model_config.h"
#include "engine/model/weight_specs.h"
#include "tests/support.h"

using namespace mambascope;

namespace {
int64_t params_with_prefix(const std::vector<WeightSpec>& specs, const std::string& prefix, bool invert = false) {
  int64_t n = 0;
  for (const WeightSpec& s : specs)
    if ((s.name.rfind(prefix, 0) == 0) != invert) n += shape_numel(s.shape);
  return n;
}
}  // namespace

TEST_CASE("the real presets have the published parameter counts", "[model][config]") {
  // docs/models.md: HoVLE 2 606 327 808 (= its safetensors total / 4), mmMamba-linear 2 741 992 448,
  // mmMamba-hybrid 2 708 076 288, ML-Mamba trainable 2 887 005 120 (LM 2 702 599 680, connector 119 834 560,
  // mlp 5 573 120, projector 58 997 760; the timm towers are not in its checkpoint).
  CHECK(param_count(weight_specs(preset_config("transformer"))) == 2'606'327'808);
  CHECK(param_count(weight_specs(preset_config("mmmamba-linear"))) == 2'741'992'448);
  CHECK(param_count(weight_specs(preset_config("mmmamba-hybrid"))) == 2'708'076'288);
  const auto ml = weight_specs(preset_config("ml-mamba"));
  CHECK(params_with_prefix(ml, "vision_backbone.", true) == 2'887'005'120);
  CHECK(params_with_prefix(ml, "llm_backbone.") == 2'702'599'680);
  CHECK(params_with_prefix(ml, "bidirectional_mamba.") == 119'834'560);
  CHECK(params_with_prefix(ml, "mlp.") == 5'573'120);
  CHECK(params_with_prefix(ml, "projector.") == 58'997'760);
}

TEST_CASE("presets name the published layer patterns", "[model][config]") {
  CHECK(preset_config("transformer").layer_pattern() == std::string(32, 'A'));
  CHECK(preset_config("mmmamba-linear").layer_pattern() == std::string(32, 'M'));
  std::string hybrid;
  for (int i = 0; i < 8; ++i) hybrid += "AMMM";
  CHECK(preset_config("mmmamba-hybrid").layer_pattern() == hybrid);
  CHECK(preset_config("mmmamba-hybrid").kind() == "mmmamba-hybrid");
  CHECK(preset_config("ml-mamba").layer_pattern() == std::string(64, 'M'));
  CHECK(preset_config("tiny-mmmamba-hybrid").layer_pattern() == "AMMM");
  CHECK(preset_config("transformer").hovle.tokens_per_tile() == 256);
  CHECK(preset_config("ml-mamba").image_tokens_per_image() == 729);
  REQUIRE_ERROR_MENTIONS(preset_config("mamba-9000"), "unknown model 'mamba-9000'", "mmmamba-linear");
}

TEST_CASE("every preset's config.json round-trips through the reader", "[model][config]") {
  for (const std::string& name : preset_names()) {
    INFO(name);
    const ModelConfig c = preset_config(name);
    const std::string text = model_config_to_json(c);
    const ModelConfig r = parse_model_config(text, name + "/config.json");
    CHECK(r.kind() == c.kind());
    CHECK(r.layer_pattern() == c.layer_pattern());
    CHECK(model_config_to_json(r) == text);
    CHECK(param_count(weight_specs(r)) == param_count(weight_specs(c)));
  }
}

TEST_CASE("a HoVLE-family config may set the chat's system message", "[model][config]") {
  ModelConfig c = preset_config("tiny-transformer");
  CHECK_FALSE(c.hovle.system_message.has_value());  // HoVLE's default
  CHECK(model_config_to_json(c).find("system_message") == std::string::npos);
  c.hovle.system_message = "Answer the question about the image.";
  const std::string text = model_config_to_json(c);
  const ModelConfig r = parse_model_config(text, "t/config.json");
  REQUIRE(r.hovle.system_message.has_value());
  CHECK(*r.hovle.system_message == "Answer the question about the image.");
  CHECK(model_config_to_json(r) == text);
  std::string bad = text;
  bad.replace(bad.find("\"Answer the question about the image.\""), 38, "7");
  REQUIRE_ERROR_MENTIONS(parse_model_config(bad, "t/config.json"), "system_message", "t/config.json");
}

TEST_CASE("model configs refuse what the engine cannot run and name the key", "[model][config]") {
  std::string hovle = model_config_to_json(preset_config("tiny-mmmamba-hybrid"));
  auto with = [&](const std::string& from, const std::string& to) {
    std::string s = hovle;
    const size_t at = s.find(from);
    REQUIRE(at != std::string::npos);
    return s.replace(at, from.size(), to);
  };
  REQUIRE_ERROR_MENTIONS(parse_model_config(with("\"mamba2\"", "\"rwkv\""), "c.json"), "layers_block_type", "neither");
  REQUIRE_ERROR_MENTIONS(parse_model_config(with("\"pixel_shuffle_loc\": \"pre\"", "\"pixel_shuffle_loc\": \"post\""), "c.json"),
                         "embedding_config.pixel_shuffle_loc", "HoVLE-HD");
  REQUIRE_ERROR_MENTIONS(parse_model_config(with("\"template\"", "\"templat\""), "c.json"), "templat", "unknown key");
  REQUIRE_ERROR_MENTIONS(parse_model_config(R"({"model_type": "llama"})", "c.json"), "model_type", "not one mambascope runs");
}
