// Out of memory in the middle of a run (injected through Allocator::inject_failure): the session reports
// a clean Error, frees what the failed step took, refuses to continue from half-updated caches, and after
// reset() gives exactly what a fresh session gives.
#include <catch2/catch.hpp>

#include "engine/core/memory.h"
#include "tests/reliability/session_runs.h"

using namespace mambascope;

TEST_CASE("allocation failures injected by category fail once and leave the counters exact", "[reliability][memory]") {
  Allocator& a = cpu_allocator();
  const MemorySnapshot before = a.stats().snapshot();
  a.inject_failure(2, MemCategory::KV);
  void* other = a.allocate(100, MemCategory::Other);  // not KV: not counted
  void* kv1 = a.allocate(100, MemCategory::KV);
  REQUIRE_ERROR_MENTIONS(a.allocate(300, MemCategory::KV), "out of memory", "512 B", "kv", "injected");
  CHECK_FALSE(a.injected_failure_pending());
  void* kv2 = a.allocate(300, MemCategory::KV);  // once only
  a.deallocate(kv2, 300, MemCategory::KV);
  a.deallocate(kv1, 100, MemCategory::KV);
  a.deallocate(other, 100, MemCategory::Other);
  a.inject_failure(1, MemCategory::Other, /*any_category=*/true);
  REQUIRE_ERROR_MENTIONS(a.allocate(1, MemCategory::Weights), "weights");
  a.inject_failure(5, MemCategory::Other, true);
  a.clear_injected_failure();
  CHECK_FALSE(a.injected_failure_pending());
  const MemorySnapshot after = a.stats().snapshot();
  CHECK(after.total_current == before.total_current);
  CHECK(after.allocations == before.allocations);
}

TEST_CASE("an allocation failure at any point of a prefill leaves the session usable after reset", "[reliability][session]") {
  for (const std::string preset : {"tiny-mmmamba-hybrid", "tiny-ml-mamba"}) {
    INFO(preset);
    auto m = std::shared_ptr<const Model>(load_model(preset, Device::Cpu, DType::F32, 3));
    const Tensor image = test::image_rows(*m, 1, 8);
    const auto ids = test::prompt_ids(static_cast<int>(image.dim(0)) + 12, m->config().vocab(), 4);
    SessionOptions o;
    o.max_length = 2 * static_cast<int64_t>(ids.size());
    o.prefill_chunk = 8;  // several chunks, so failures land between chunks too
    std::vector<float> want;
    {
      Session fresh(m, o);
      want = fresh.prefill(ids, image, 1);
    }
    Session s(m, o);
    Allocator& host = cpu_allocator();
    int injected = 0;
    // Every one of the first 24 allocations, then every 1.5th: a prefill makes hundreds (ops' temporaries),
    // and all of them under ASan would take minutes.
    for (size_t nth = 1; nth < 100000; nth = nth < 24 ? nth + 1 : nth * 3 / 2) {
      const MemorySnapshot before = host.stats().snapshot();
      host.inject_failure(nth, MemCategory::Other, /*any_category=*/true);
      bool failed = false;
      try {
        (void)s.prefill(ids, image, 1);
      } catch (const Error& e) {
        failed = true;
        INFO("allocation " << nth << ": " << e.what());
        CHECK(e.problem().find("out of memory") != std::string::npos);
        CHECK_FALSE(e.fix().empty());
      }
      const bool pending = host.injected_failure_pending();
      host.clear_injected_failure();
      if (!failed) {  // the prefill makes fewer than nth allocations: the sweep has covered it
        CHECK(pending);
        break;
      }
      ++injected;
      const MemorySnapshot after = host.stats().snapshot();
      CHECK(after.total_current == before.total_current);  // nothing the failed step took is still held
      CHECK(after.allocations == before.allocations);
      REQUIRE(s.needs_reset());
      REQUIRE_ERROR_MENTIONS(s.prefill(ids, image, 1), "failed part-way", "reset");
      REQUIRE_ERROR_MENTIONS(s.decode_logits(3), "failed part-way");
      s.reset();
      CHECK_FALSE(s.needs_reset());
      // Prefill from the same empty state in the same order of operations: bit-identical logits.
      CHECK(s.prefill(ids, image, 1) == want);
      s.reset();
    }
    CHECK(injected > 0);  // the prefill does allocate (ids uploads, logits download): the sweep tested something
  }
}

TEST_CASE("an allocation failure in a decode step leaves the session usable after reset", "[reliability][session]") {
  auto m = std::shared_ptr<const Model>(load_model("tiny-mmmamba-hybrid", Device::Cpu, DType::F32, 3));
  const auto ids = test::prompt_ids(10, m->config().vocab(), 1);
  SessionOptions o;
  o.max_length = 32;
  Session s(m, o);
  s.prefill(ids);
  const auto want = s.decode_logits(5);
  s.reset();
  s.prefill(ids);
  cpu_allocator().inject_failure(1, MemCategory::Other, true);
  REQUIRE_ERROR_MENTIONS(s.decode_logits(5), "out of memory", "injected");
  cpu_allocator().clear_injected_failure();
  ops::SamplingConfig greedy;
  REQUIRE_ERROR_MENTIONS(s.decode(5, greedy), "failed part-way");
  s.reset();
  s.prefill(ids);
  CHECK(s.decode_logits(5) == want);
}
