// On one GPU the same prompt, image and seed give the same tokens in two fresh sessions, with the decode
// step captured as a CUDA graph and without; and an injected device out-of-memory mid-prefill leaves the
// session usable after reset.
#include <catch2/catch.hpp>

#include "engine/core/memory.h"
#include "tests/reliability/session_runs.h"

using namespace mambascope;

TEST_CASE("GPU sampling with a fixed seed gives the same tokens in two fresh sessions", "[gpu][reliability][session]") {
  REQUIRE(test::have_cuda_device());
  int seed_mattered = 0;
  for (const std::string preset : {"tiny-mmmamba-hybrid", "tiny-ml-mamba", "tiny-transformer"}) {
    INFO(preset);
    auto m1 = std::shared_ptr<const Model>(load_model(preset, Device::Cuda, DType::BF16, 7));
    auto m2 = std::shared_ptr<const Model>(load_model(preset, Device::Cuda, DType::BF16, 7));
    const int64_t image_n = test::image_rows(*m1, 1, 5).dim(0);
    const auto ids = test::prompt_ids(static_cast<int>(image_n) + 9, m1->config().vocab(), 2);
    ops::SamplingConfig cfg;
    cfg.temperature = 1.5f;
    cfg.top_p = 0.95f;
    cfg.seed = 1234;
    // (12 tokens under the sanitizers: racecheck of 32 ran past its 372 s)
    const int n = static_cast<int>(test::len_or(32, 12));
    const auto a = test::generate(m1, ids, test::image_rows(*m1, 1, 5), cfg, n);
    const auto b = test::generate(m2, ids, test::image_rows(*m2, 1, 5), cfg, n);
    CHECK(a == b);
    // The graph replays what the eager path launches: the same tokens without graphs.
    CHECK(test::generate(m1, ids, test::image_rows(*m1, 1, 5), cfg, n, /*cuda_graphs=*/false) == a);
    cfg.seed = 99;
    if (test::generate(m1, ids, test::image_rows(*m1, 1, 5), cfg, n) != a) ++seed_mattered;
  }
  // The equalities are not vacuous: on some model another seed draws other tokens. (Not on each: tiny-ml-mamba's
  // random bf16 weights put more than top_p of the mass on one token, so every seed gives the same.)
  CHECK(seed_mattered > 0);
}

TEST_CASE("GPU sessions survive an allocation failure injected during prefill", "[gpu][reliability][session]") {
  REQUIRE(test::have_cuda_device());
  auto m = std::shared_ptr<const Model>(load_model("tiny-mmmamba-hybrid", Device::Cuda, DType::BF16, 3));
  const Tensor image = test::image_rows(*m, 1, 8);
  const auto ids = test::prompt_ids(static_cast<int>(image.dim(0)) + 20, m->config().vocab(), 4);
  SessionOptions o;
  o.max_length = 64;
  o.prefill_chunk = 8;
  Session s(m, o);
  const auto want = s.prefill(ids, image, 1);
  int injected = 0;
  for (Allocator* a : {&cpu_allocator(), &cuda_allocator()})
    for (size_t nth = 1; nth < 2000; ++nth) {
      s.reset();
      const size_t live = a->stats().snapshot().total_current;
      a->inject_failure(nth, MemCategory::Other, /*any_category=*/true);
      bool failed = false;
      try {
        (void)s.prefill(ids, image, 1);
      } catch (const Error& e) {
        failed = true;
        INFO(e.what());
        CHECK(e.problem().find("out of memory") != std::string::npos);
      }
      a->clear_injected_failure();
      if (!failed) break;
      ++injected;
      CHECK(a->stats().snapshot().total_current == live);
      REQUIRE(s.needs_reset());
      s.reset();
      // Same device, same launches in the same order: the same logits to the bit.
      CHECK(s.prefill(ids, image, 1) == want);
    }
  CHECK(injected > 0);
}
