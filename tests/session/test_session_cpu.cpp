// Sessions on the tiny HoVLE-family presets on the CPU: the cached paths agree with recomputation.
#include <catch2/catch.hpp>

#include "engine/model/model.h"
#include "engine/session/session.h"
#include "tests/support.h"

using namespace mambascope;

namespace {

std::vector<int32_t> prompt(int n, int vocab, int seed) {
  std::vector<int32_t> ids;
  for (int i = 0; i < n; ++i) ids.push_back((i * 131 + seed * 17 + 7) % (vocab - 16));
  return ids;
}

std::shared_ptr<const Model> tiny(const std::string& name) { return load_model(name, Device::Cpu, DType::F32, 11); }

}  // namespace

TEST_CASE("prefill then decode equals one longer prefill on every tiny HoVLE-family model", "[session]") {
  for (const std::string name : {"tiny-transformer", "tiny-mmmamba-linear", "tiny-mmmamba-hybrid"}) {
    INFO(name);
    auto m = tiny(name);
    const auto ids = prompt(23, static_cast<int>(m->config().vocab()), 1);
    SessionOptions o;
    o.max_length = 64;
    Session full(m, o);
    const auto want = full.prefill(ids);
    Session inc(m, o);
    inc.prefill(std::vector<int32_t>(ids.begin(), ids.end() - 3));
    inc.decode_logits(ids[ids.size() - 3]);
    inc.decode_logits(ids[ids.size() - 2]);
    const auto got = inc.decode_logits(ids.back());
    // f32 arithmetic in a different order (recurrent vs chunked scan, one query vs a block): ~1e-6 relative.
    CHECK(test::rel_l2(got, want) < 1e-4);
    CHECK(inc.length() == full.length());
  }
}

TEST_CASE("chunked prefill equals one-shot prefill", "[session]") {
  for (const std::string name : {"tiny-transformer", "tiny-mmmamba-hybrid"}) {
    INFO(name);
    auto m = tiny(name);
    const auto ids = prompt(41, static_cast<int>(m->config().vocab()), 2);
    SessionOptions one, chunked;
    one.max_length = chunked.max_length = 64;
    chunked.prefill_chunk = 7;
    Session a(m, one), b(m, chunked);
    CHECK(test::rel_l2(b.prefill(ids), a.prefill(ids)) < 1e-4);
  }
}

TEST_CASE("greedy decode on the device sampler follows the logits", "[session]") {
  auto m = tiny("tiny-mmmamba-hybrid");
  SessionOptions o;
  o.max_length = 40;
  Session s(m, o), r(m, o);
  const auto ids = prompt(9, static_cast<int>(m->config().vocab()), 3);
  auto logits = r.prefill(ids);
  s.prefill(ids);
  ops::SamplingConfig greedy;
  int32_t tok = s.sample_last(greedy);
  for (int step = 0; step < 6; ++step) {
    const int32_t want = static_cast<int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
    REQUIRE(tok == want);
    logits = r.decode_logits(tok);
    tok = s.decode(tok, greedy);
  }
}

TEST_CASE("sessions refuse sequences longer than they hold and empty prompts", "[session]") {
  auto m = tiny("tiny-transformer");
  SessionOptions o;
  o.max_length = 8;
  Session s(m, o);
  REQUIRE_ERROR_MENTIONS(s.prefill({}), "nothing to prefill", "non-empty prompt");
  REQUIRE_ERROR_MENTIONS(s.prefill(prompt(9, 4096, 1)), "would reach 9 tokens", "--max-length");
  s.prefill(prompt(8, 4096, 1));
  REQUIRE_ERROR_MENTIONS(s.decode_logits(5), "would reach 9 tokens");
  s.reset();
  CHECK(s.length() == 0);
  CHECK_NOTHROW(s.prefill(prompt(3, 4096, 1)));
}

TEST_CASE("the memory plan bounds what a session uses", "[session]") {
  auto m = tiny("tiny-mmmamba-hybrid");
  SessionOptions o;
  o.max_length = 128;
  o.prefill_chunk = 32;
  const MemoryPlan p = plan_session(*m, o);
  // tiny hybrid: 1 attention layer (KV 2 x 128 tokens x 1 kv head x 64 x f32) and 3 Mamba layers.
  CHECK(p.kv == 2 * 128 * 64 * 4);
  CHECK(p.state == 3 * (2 * (2 * 64 + 2 * 64) * 4 + 2 * 64 * 64 * 4));
  Session s(m, o);
  s.prefill(prompt(100, 4096, 4));
  CHECK(s.plan().activations >= 1);
}
