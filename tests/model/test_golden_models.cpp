// The engine on the CPU against the PyTorch reference (float64) of each tiny preset.
#include <catch2/catch.hpp>
#include <filesystem>

#include "tests/model/golden_models.h"
#include "tests/support.h"

using namespace mambascope;

TEST_CASE("the four tiny models match the PyTorch reference on the CPU", "[model][golden]") {
  for (const std::string preset : {"tiny-transformer", "tiny-mmmamba-linear", "tiny-mmmamba-hybrid", "tiny-ml-mamba"}) {
    INFO(preset);
    const std::string path = test::model_golden_path(preset);
    REQUIRE(std::filesystem::exists(path));  // made by scripts/make-model-goldens on a GPU host (torch)
    auto g = SafetensorsFile::open(path);
    auto m = std::shared_ptr<const Model>(load_model(preset, Device::Cpu, DType::F32, 0));
    const test::GoldenRun r = test::run_golden(m, *g);
    // f32 engine vs float64 reference over 4 layers: ~1e-6 relative; 1e-4 leaves room for summation order.
    CHECK(test::rel_l2(r.prefill_logits, test::golden_row(*g, "logits_prefill", -1)) < 1e-4);
    for (size_t i = 0; i < r.step_logits.size(); ++i) {
      INFO("decode step " << i);
      CHECK(test::rel_l2(r.step_logits[i], test::golden_row(*g, "logits_steps", static_cast<int64_t>(i))) < 1e-4);
    }
  }
}
