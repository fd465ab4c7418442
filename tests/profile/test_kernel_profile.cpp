#include <catch2/catch.hpp>

#include <thread>

#include "engine/profile/kernel_summary.h"
#include "engine/profile/profile.h"
#include "engine/profile/scope.h"
#include "engine/profile/trace.h"
#include "tests/profile/kernel_records.h"
#include "tests/support.h"

using namespace mambascope;

namespace {

struct EnableScopes {
  EnableScopes() { set_scopes_enabled(true); }
  ~EnableScopes() { set_scopes_enabled(false); }
};

using test::kernel_record;

}  // namespace

TEST_CASE("scope guards nest layers and ops and balance", "[profile][scope]") {
  EnableScopes on;
  CHECK(current_scope() == ScopeState{});
  {
    ScopedLayer l(3);
    ScopedOp a("mamba2");
    CHECK(current_scope() == ScopeState{3, "mamba2"});
    {
      ScopedOp b("ssd_scan");
      CHECK(current_scope() == ScopeState{3, "mamba2.ssd_scan"});
      CHECK(scope_depth() == 3);
    }
    CHECK(current_scope() == ScopeState{3, "mamba2"});
  }
  CHECK(scope_depth() == 0);
  {
    ScopedOp h("lm_head");
    ScopedOp g("gemm");
    CHECK(current_scope() == ScopeState{-1, "lm_head.gemm"});
  }
  // Scopes are per thread.
  ScopedLayer mine(1);
  ScopeState other;
  std::thread([&] { other = current_scope(); }).join();
  CHECK(other == ScopeState{});
  CHECK(current_scope().layer == 1);
}

TEST_CASE("scope guards push nothing while no collector listens", "[profile][scope]") {
  set_scopes_enabled(false);
  ScopedLayer l(2);
  ScopedOp o("gemm");
  CHECK(scope_depth() == 0);
  CHECK(current_scope() == ScopeState{});
  // A guard opened while enabled pops even if the flag goes off before it closes.
  set_scopes_enabled(true);
  {
    ScopedOp x("late");
    set_scopes_enabled(false);
    CHECK(scope_depth() == 1);
  }
  CHECK(scope_depth() == 0);
}

TEST_CASE("kernel summaries split time per op per layer and per kernel over steps", "[profile][summary]") {
  // Two decode steps of 1000 ns windows; each: a gemm in layer 0 (300 ns), a scan in layer 1 (100 ns), a memcpy.
  PhaseRecords ph;
  ph.phase = "decode";
  ph.steps = 2;
  for (int s = 0; s < 2; ++s) {
    const int64_t t = 1000 * s;
    ph.windows.push_back({t, t + 1000});
    ph.records.push_back(kernel_record("gemm_kernel", "mlp.gemm", 0, t + 100, t + 400));
    ph.records.push_back(kernel_record("scan_kernel", "mamba2.ssd_scan", 1, t + 400, t + 500));
    ph.records.push_back(kernel_record("memcpy HtoD", "memcpy", -1, t + 50, t + 60, 0, "memcpy"));
  }
  ph.records.push_back(kernel_record("straggler", "x", 0, 5000, 5100));  // outside every window: ignored
  const KernelSummary k = summarize_kernels(ph, 1);
  CHECK(k.span_ms == Approx(450e-6));  // 50 .. 500 ns
  CHECK(k.busy_ms == Approx(410e-6));
  CHECK(k.records == 3);
  CHECK(k.scoped_share == Approx(2.0 / 3.0));  // the memcpy was launched outside any scope
  REQUIRE(k.by_op.size() == 3);
  CHECK(k.by_op[0].key == "mlp.gemm");
  CHECK(k.by_op[0].calls == 1);
  CHECK(k.by_op[0].total_ms == Approx(300e-6));
  CHECK(k.by_op[0].share == Approx(300.0 / 450.0));
  REQUIRE(k.by_layer.size() == 3);
  CHECK(k.by_layer[0].key == "outside layers");
  CHECK(k.by_layer[1].key == "layer 0");
  CHECK(k.by_layer[2].key == "layer 1");
  REQUIRE(k.top.size() == 1);
  CHECK(k.top[0].key == "gemm_kernel");
  CHECK(k.top[0].op == "mlp.gemm");
  const std::string text = kernel_summary_text(k);
  CHECK(text.find("| mamba2.ssd_scan | 1 | 0.0001 | 22.2% |") != std::string::npos);
}

TEST_CASE("kernel summaries round trip through the profile JSON", "[profile][summary]") {
  Profile p;
  p.kind = "profile";
  KernelSummary k;
  k.phase = "decode";
  k.model = "mmmamba-linear";
  k.length = 1024;
  k.steps = 4;
  k.cuda_graphs = true;
  k.trace = "mmmamba-linear-1k-decode.trace.json";
  k.span_ms = 2.5;
  k.busy_ms = 2.25;
  k.records = 300;
  k.scoped_share = 1;
  k.by_op = {{"mamba2.ssd_scan", "", 32, 0.5, 0.2}};
  k.by_layer = {{"layer 0", "", 10, 0.1, 0.04}};
  k.top = {{"void ssd_kernel<128>(float*)", "mamba2.ssd_scan", 32, 0.5, 0.2}};
  p.kernel_summaries = {k};
  const Profile r = parse_profile(profile_to_json(p), "p.json");
  REQUIRE(r.kernel_summaries.size() == 1);
  const KernelSummary& b = r.kernel_summaries[0];
  CHECK(b.phase == k.phase);
  CHECK(b.cuda_graphs);
  CHECK(b.trace == k.trace);
  CHECK(b.top[0].key == k.top[0].key);
  CHECK(b.top[0].op == k.top[0].op);
  CHECK(b.by_op[0].share == Approx(0.2));
  CHECK(profile_to_json(r) == profile_to_json(p));
  // Profiles written before the summaries existed still read.
  std::string old = profile_to_json(Profile{});
  CHECK(parse_profile(old, "old.json").kernel_summaries.empty());
  REQUIRE_ERROR_MENTIONS(parse_profile(R"({"schema": "mambascope.profile", "schema_version": 1, "kind": "profile", "rows": [],
      "kernel_summaries": [{"phase": "decode", "steps": 0}]})", "bad.json"), "bad.json", "kernel_summaries[0].steps");
}

TEST_CASE("traces keep kind stream and scope and lay out one lane per stream", "[profile][trace]") {
  Trace t;
  t.title = "decode";
  KernelRecord a = kernel_record("k", "mlp.gemm", 3, 0, 1500, 7);
  a.grid = {4, 1, 1};
  a.block = {128, 1, 1};
  a.registers = 40;
  a.shared_bytes = 1024;
  KernelRecord m = kernel_record("memcpy HtoD", "memcpy", -1, 2000, 2100, 13, "memcpy");
  m.bytes = 4;
  t.kernels = {a, m};
  const std::string json = trace_to_chrome_json(t);
  CHECK(json.find("\"stream 7\"") != std::string::npos);
  CHECK(json.find("\"stream 13\"") != std::string::npos);
  CHECK(json.find("\"scope\": \"layer 3 / mlp.gemm\"") != std::string::npos);
  CHECK(json.find("\"cat\": \"memcpy\"") != std::string::npos);
  const Trace r = parse_chrome_trace(json, "t.json");
  REQUIRE(r.kernels.size() == 2);
  CHECK(r.kernels[0].stream == 7);
  CHECK(r.kernels[0].kind == "kernel");
  CHECK(r.kernels[0].op == "mlp.gemm");
  CHECK(r.kernels[0].layer == 3);
  CHECK(r.kernels[1].kind == "memcpy");
  CHECK(r.kernels[1].stream == 13);
  CHECK(r.kernels[1].bytes == 4u);
}
