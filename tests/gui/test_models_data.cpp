// The Models panel's data (app/gui/models_data.h): pattern segments, the layer strip, parameter counts; the
// Scan panel's contribution service.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "app/gui/contribution_service.h"
#include "app/gui/models_data.h"
#include "engine/model/init_weights.h"
#include "engine/model/weight_specs.h"
#include "tests/support.h"

using namespace mambascope;
using namespace mambascope::gui;

TEST_CASE("pattern segments are the runs of one layer kind", "[gui][models]") {
  const std::vector<PatternSegment> s = pattern_segments("AMMMAMMM");
  REQUIRE(s.size() == 4);
  CHECK((s[0].kind == 'A' && s[0].first == 0 && s[0].count == 1));
  CHECK((s[1].kind == 'M' && s[1].first == 1 && s[1].count == 3));
  CHECK((s[2].kind == 'A' && s[2].first == 4 && s[2].count == 1));
  CHECK((s[3].kind == 'M' && s[3].first == 5 && s[3].count == 3));
  CHECK(pattern_segments("").empty());
  const std::vector<PatternSegment> one = pattern_segments(std::string(32, 'M'));
  REQUIRE(one.size() == 1);
  CHECK(one[0].count == 32);
}

TEST_CASE("the layer strip has one block per decoder layer in the pattern's kinds", "[gui][models]") {
  for (const char* name : {"mmmamba-hybrid", "transformer", "mmmamba-linear", "tiny-mmmamba-hybrid"}) {
    INFO(name);
    const ModelConfig c = preset_config(name);
    const std::vector<StripItem> strip = layer_strip(c);
    const std::string pattern = c.layer_pattern();
    REQUIRE(strip.size() == pattern.size() + 1);  // the holistic embedding, then the layers
    CHECK(strip[0].kind == StripKind::Embedding);
    for (size_t i = 0; i < pattern.size(); ++i)
      CHECK(strip[i + 1].kind == (pattern[i] == 'A' ? StripKind::Attention : StripKind::Mamba));
  }
  const std::vector<StripItem> hybrid = layer_strip(preset_config("mmmamba-hybrid"));
  CHECK(hybrid[1].tooltip.find("attention: 16 q heads / 8 kv heads of 128") != std::string::npos);
}

TEST_CASE("the ML-Mamba strip shows encoders then connector then projector then the LM", "[gui][models]") {
  ModelConfig c = preset_config("ml-mamba");
  const std::vector<StripItem> strip = layer_strip(c);
  REQUIRE(strip.size() == static_cast<size_t>(2 + c.mlm.connector_layers + 1 + c.mlm.llm.n_layer));
  CHECK(strip[0].kind == StripKind::Vision);
  CHECK(strip[1].kind == StripKind::Vision);
  CHECK(strip[2].kind == StripKind::Connector);
  CHECK(strip[2].tooltip.find("'bidirectional' scan over the 27x27 patches") != std::string::npos);
  CHECK(strip[2 + c.mlm.connector_layers].kind == StripKind::Projector);
  CHECK(strip.back().kind == StripKind::Mamba);
  CHECK(strip.back().tooltip.find("d_state 128") != std::string::npos);
}

TEST_CASE("parameter counts by part add up to the checkpoint's tensors", "[gui][models]") {
  for (const std::string& name : preset_names()) {
    INFO(name);
    const ModelConfig c = preset_config(name);
    const std::vector<WeightSpec> specs = weight_specs(c);
    for (DType dt : {DType::F32, DType::BF16}) {
      const ModelSummary s = summarize_model(c, dt);
      CHECK(s.params == param_count(specs));
      CHECK(s.weight_bytes == weight_bytes(specs, dt));
      int64_t p = 0;
      size_t b = 0;
      for (const ParamPart& part : s.parts) p += part.params, b += part.bytes;
      CHECK(p == s.params);
      CHECK(b == s.weight_bytes);
    }
  }
  // ML-Mamba's parts by name: the two encoders, the connector and the LM are all there and non-empty.
  const ModelSummary ml = summarize_model(preset_config("ml-mamba"), DType::BF16);
  for (const char* part : {"DINOv2 encoder", "SigLIP encoder", "vision projection", "scan connector", "projector", "language model"}) {
    INFO(part);
    const auto it = std::find_if(ml.parts.begin(), ml.parts.end(), [&](const ParamPart& x) { return x.name == part; });
    REQUIRE(it != ml.parts.end());
    CHECK(it->params > 0);
  }
  CHECK(ml.parts.size() == 6);  // no tensor falls outside the named parts
}

TEST_CASE("model choices list the presets then checkpoint directories with a config", "[gui][models]") {
  test::TempDir dir("models");
  std::filesystem::create_directories(dir.path() / "b-model");
  std::filesystem::create_directories(dir.path() / "a-model");
  std::filesystem::create_directories(dir.path() / "no-config");
  test::write_bytes(dir.file("a-model/config.json"), "{}");
  test::write_bytes(dir.file("b-model/config.json"), "{}");
  const std::vector<ModelChoice> c = list_model_choices(dir.path().string());
  const size_t np = preset_names().size();
  REQUIRE(c.size() == np + 2);
  for (size_t i = 0; i < np; ++i) CHECK(c[i].preset);
  CHECK(c[np].source == dir.file("a-model"));
  CHECK(c[np + 1].source == dir.file("b-model"));
  CHECK(list_model_choices(dir.file("missing")).size() == np);
  // A directory whose config.json is broken names the file when its config is read.
  REQUIRE_ERROR_MENTIONS(choice_config(c[np]), "config.json");
}

TEST_CASE("the contribution service maps a patch with a preset and with a checkpoint", "[gui][contribution]") {
  const ContributionFn fn = make_contribution_service();
  JobProgress progress;
  ContributionRequest r;
  r.image_path = "assets/images/scene.png";
  r.grid_rows = r.grid_cols = 8;  // a preset takes the panel's grid: 8x8 patches of 14 px
  r.scan_set = "cross";
  r.output_token = 9;
  const ContributionMap p = fn(r, progress);
  CHECK(p.rows == 8);
  CHECK(p.patch == 9);
  REQUIRE(p.directions.size() == 4);
  CHECK(p.direction_names[2] == "col");
  CHECK(p.values.size() == 64);
  CHECK(p.values[9] > 0.f);
  CHECK(p.description.find("random weights") != std::string::npos);

  // A checkpoint keeps its 4x4 grid; the panel's centre patch of 27x27 lands on the patch under it.
  test::TempDir dir("ckpt");
  const ModelConfig c = preset_config("tiny-ml-mamba");
  write_random_checkpoint(c, dir.path().string(), 3, DType::F32);
  r.model = dir.path().string();
  r.grid_rows = r.grid_cols = 27;
  r.output_token = 13 * 27 + 13;
  const ContributionMap k = fn(r, progress);
  CHECK(k.rows == 4);
  CHECK(k.patch == 1 * 4 + 1);  // 13 * 4 / 27 = 1
  CHECK(k.directions.size() == 2);  // the checkpoint's own scan set (bidirectional)
  CHECK(k.description.find("random weights") == std::string::npos);

  r.image_path.clear();
  REQUIRE_ERROR_MENTIONS(fn(r, progress), "no image");
}
