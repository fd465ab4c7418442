#include <catch2/catch.hpp>

#include <set>

#include "engine/bench/run_model.h"
#include "engine/profile/cupti.h"
#include "engine/profile/kernel_summary.h"
#include "engine/profile/profile.h"
#include "engine/profile/scope.h"
#include "engine/profile/trace.h"
#include "tests/support.h"

using namespace mambascope;

namespace {

// Decode steps of a tiny hybrid (attention and Mamba layers) under the collector.
std::vector<KernelRecord> profile_decode(bool graphs, int steps) {
  CuptiCollector c;
  std::shared_ptr<const Model> m = load_model("tiny-mmmamba-hybrid", Device::Cuda, DType::BF16, 0);
  RunOptions ro;
  ro.length = 64;
  ro.decode = steps + 2;
  ro.cuda_graphs = graphs;
  Session s(m, session_options(ro));
  s.prefill(random_prompt(64, m->config().vocab(), 1));
  ops::SamplingConfig greedy;
  int32_t tok = s.sample_last(greedy);
  tok = s.decode(tok, greedy);  // captures the graph (under the collector)
  c.start();
  for (int i = 0; i < steps; ++i) tok = s.decode(tok, greedy);
  return c.stop();
}

void check_records(const std::vector<KernelRecord>& recs, int layers) {
  REQUIRE(!recs.empty());
  std::set<int> seen_layers;
  std::set<std::string> ops;
  int kernels = 0, scoped = 0;
  for (const KernelRecord& k : recs) {
    CHECK(k.end_ns > k.start_ns);
    if (k.kind != "kernel") continue;
    ++kernels;
    CHECK(!k.name.empty());
    CHECK(k.block[0] * k.block[1] * k.block[2] > 0);
    if (k.layer >= 0) seen_layers.insert(k.layer);
    if (!k.op.empty()) ++scoped;
    ops.insert(k.op);
  }
  // Every kernel of a decode step is launched inside an engine scope (embedding, layers, lm_head, sample).
  CHECK(scoped == kernels);
  CHECK(static_cast<int>(seen_layers.size()) == layers);
  CHECK(ops.count("attention.attention_decode") == 1);
  CHECK(ops.count("lm_head.gemm") == 1);
}

}  // namespace

TEST_CASE("CUPTI records the kernels of a decode step with their engine scopes", "[gpu][profile][cupti]") {
  REQUIRE(test::have_cuda_device());
  REQUIRE(CuptiCollector::available());
  const int layers = static_cast<int>(load_model("tiny-mmmamba-hybrid", Device::Cuda, DType::BF16, 0)->config().layer_pattern().size());
  for (bool graphs : {false, true}) {
    INFO("cuda graphs " << graphs);
    const std::vector<KernelRecord> recs = profile_decode(graphs, 3);
    check_records(recs, layers);
    // The trace of what was recorded parses back to the same kernels.
    Trace t;
    t.title = "tiny decode";
    t.kernels = recs;
    const Trace back = parse_chrome_trace(trace_to_chrome_json(t), "decode.json");
    REQUIRE(back.kernels.size() == recs.size());
    CHECK(back.kernels.front().op == recs.front().op);
    KernelSummary k = summarize_kernels({"decode", 3, {}, recs});
    CHECK(k.busy_ms > 0);
    for (const KernelShare& o : k.by_op) CHECK(o.key != "(no scope)");
  }
  CHECK(!scopes_enabled());  // the collector turned the guards off again
}
