// Models and sessions on CUDA: against the CPU path, the PyTorch goldens, CUDA graphs, and the planner.
#include <catch2/catch.hpp>
#include <algorithm>
#include <filesystem>

#include "engine/core/cuda.h"
#include "engine/session/session.h"
#include "tests/model/golden_models.h"
#include "tests/support.h"

using namespace mambascope;

namespace {
const char* kTiny[] = {"tiny-transformer", "tiny-mmmamba-linear", "tiny-mmmamba-hybrid", "tiny-ml-mamba"};

std::vector<int32_t> ids_for(int n, int64_t vocab) {
  std::vector<int32_t> v;
  for (int i = 0; i < n; ++i) v.push_back(static_cast<int32_t>((i * 977 + 13) % (vocab - 16)));
  return v;
}

int32_t argmax(const std::vector<float>& v) { return static_cast<int32_t>(std::max_element(v.begin(), v.end()) - v.begin()); }
float margin(const std::vector<float>& v) {
  std::vector<float> s = v;
  std::partial_sort(s.begin(), s.begin() + 2, s.end(), std::greater<float>());
  return s[0] - s[1];
}
}  // namespace

TEST_CASE("GPU greedy decode follows the CPU path on the tiny models", "[gpu][session]") {
  REQUIRE(test::have_cuda_device());
  for (const char* preset : kTiny) {
    INFO(preset);
    auto cpu = std::shared_ptr<const Model>(load_model(preset, Device::Cpu, DType::F32, 3));
    auto gpu = std::shared_ptr<const Model>(load_model(preset, Device::Cuda, DType::BF16, 3));
    SessionOptions o;
    o.max_length = 96;
    Session sc(cpu, o), sg(gpu, o);
    const auto ids = ids_for(40, cpu->config().vocab());
    auto lc = sc.prefill(ids);
    auto lg = sg.prefill(ids);
    // bf16 weights and activations through 4 layers vs f32: a few 1e-3 relative per op, ~1e-2 at the logits.
    CHECK(test::rel_l2(lg, lc) < 5e-2);
    int32_t tok = argmax(lc);
    ops::SamplingConfig greedy;
    int32_t gtok = sg.sample_last(greedy);
    int agreed = 0, clear = 0;
    for (int step = 0; step < 24; ++step) {
      if (margin(lc) > 0.05f * std::max(1.f, std::fabs(lc[static_cast<size_t>(tok)]))) {  // a clear winner must agree
        ++clear;
        CHECK(gtok == tok);
        agreed += gtok == tok;
      }
      lc = sc.decode_logits(tok);
      gtok = sg.decode(tok, greedy);  // CUDA graph; teacher-forced with the CPU's token
      tok = argmax(lc);
    }
    CHECK(clear >= 6);
    INFO(agreed << " of " << clear << " clear steps agreed");
  }
}

TEST_CASE("the CUDA-graph decode step equals the plain decode step", "[gpu][session]") {
  REQUIRE(test::have_cuda_device());
  for (const char* preset : kTiny) {
    INFO(preset);
    auto m = std::shared_ptr<const Model>(load_model(preset, Device::Cuda, DType::BF16, 5));
    SessionOptions graph, plain;
    graph.max_length = plain.max_length = 64;
    plain.cuda_graphs = false;
    Session a(m, graph), b(m, plain);
    const auto ids = ids_for(20, m->config().vocab());
    a.prefill(ids);
    b.prefill(ids);
    ops::SamplingConfig greedy;
    int32_t ta = a.sample_last(greedy), tb = b.sample_last(greedy);
    for (int i = 0; i < 10; ++i) {
      REQUIRE(ta == tb);
      ta = a.decode(ta, greedy);
      tb = b.decode(tb, greedy);
    }
    CHECK(a.graph_captured());
    CHECK_FALSE(b.graph_captured());
    // After reset the captured graph keeps working on the zeroed states.
    a.reset();
    b.reset();
    a.prefill(ids);
    b.prefill(ids);
    CHECK(a.decode(7, greedy) == b.decode(7, greedy));
  }
}

TEST_CASE("the four tiny models match the PyTorch reference on CUDA", "[gpu][model][golden]") {
  REQUIRE(test::have_cuda_device());
  for (const char* preset : kTiny) {
    INFO(preset);
    const std::string path = test::model_golden_path(preset);
    REQUIRE(std::filesystem::exists(path));
    auto g = SafetensorsFile::open(path);
    auto m = std::shared_ptr<const Model>(load_model(preset, Device::Cuda, DType::BF16, 0));
    const test::GoldenRun r = test::run_golden(m, *g);
    // bf16 vs float64: see the tolerance of the CPU comparison above, times the bf16 rounding of every op.
    CHECK(test::rel_l2(r.prefill_logits, test::golden_row(*g, "logits_prefill", -1)) < 5e-2);
    for (size_t i = 0; i < r.step_logits.size(); ++i)
      CHECK(test::rel_l2(r.step_logits[i], test::golden_row(*g, "logits_steps", static_cast<int64_t>(i))) < 5e-2);
  }
}

TEST_CASE("a session that cannot fit is refused before allocating with the bytes it needs", "[gpu][session]") {
  REQUIRE(test::have_cuda_device());
  auto m = std::shared_ptr<const Model>(load_model("tiny-transformer", Device::Cuda, DType::BF16, 1));
  const size_t before = cuda_allocator().stats().snapshot().total_current;
  SessionOptions o;
  o.max_length = int64_t{1} << 30;  // 1G tokens of bf16 KV: 1 TiB (2^32 is now refused earlier, as past int32 positions)
  REQUIRE_ERROR_MENTIONS(Session(m, o), "needs", "but the GPU has", "--max-length");
  CHECK(cuda_allocator().stats().snapshot().total_current == before);
}

TEST_CASE("the planner predicts the allocator's peak within 5 percent", "[gpu][session]") {
  REQUIRE(test::have_cuda_device());
  for (const char* preset : kTiny) {
    INFO(preset);
    gpu_context();  // the per-thread cuBLASLt workspace exists before the baseline (it is not per session)
    cuda_allocator().stats().reset_peak();
    const size_t base = cuda_allocator().stats().snapshot().total_current;
    auto m = std::shared_ptr<const Model>(load_model(preset, Device::Cuda, DType::BF16, 2));
    SessionOptions o;
    o.max_length = 2048;
    o.prefill_chunk = 512;
    Session s(m, o);
    s.prefill(ids_for(1500, m->config().vocab()));
    ops::SamplingConfig greedy;
    int32_t t = s.sample_last(greedy);
    for (int i = 0; i < 4; ++i) t = s.decode(t, greedy);
    const double peak = static_cast<double>(cuda_allocator().stats().snapshot().total_peak - base);
    // The cuBLASLt workspace is per thread and already held (base) by the time this test runs.
    const double planned = static_cast<double>(s.plan().total() - s.plan().workspace);
    CHECK(std::fabs(peak - planned) / planned < 0.05);
  }
}
