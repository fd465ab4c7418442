#include <catch2/catch.hpp>

#include "engine/profile/trace.h"
#include "tests/support.h"

using namespace mambascope;

namespace {

Trace sample_trace() {
  Trace t;
  t.title = "mmmamba-hybrid prefill, 4k tokens";
  t.gpu = "NVIDIA H100 80GB HBM3";
  KernelRecord a;
  a.name = "gemm_bf16_tn_128x256";
  a.op = "gemm";
  a.layer = 3;
  a.start_ns = 1'234'567'891;  // odd nanoseconds: µs fields alone would round them
  a.end_ns = 1'234'828'892;
  a.grid = {66, 2, 1};
  a.block = {384, 1, 1};
  a.registers = 168;
  a.shared_bytes = 213'000;
  a.bytes = 80'000'000;
  KernelRecord b;
  b.name = "sample_top_p_kernel";
  b.op = "sampling";
  b.layer = -1;
  b.start_ns = 1'234'830'001;
  b.end_ns = 1'234'841'002;
  t.kernels = {a, b};
  return t;
}

}  // namespace

TEST_CASE("kernel traces round trip through Chrome trace JSON", "[gui][trace]") {
  const Trace t = sample_trace();
  test::TempDir dir("trace");
  write_trace(dir.file("t.json"), t);
  const Trace r = read_trace(dir.file("t.json"));
  CHECK(r.title == t.title);
  CHECK(r.gpu == t.gpu);
  REQUIRE(r.kernels.size() == 2);
  for (size_t i = 0; i < 2; ++i) {
    const KernelRecord &x = t.kernels[i], &y = r.kernels[i];
    CHECK(y.name == x.name);
    CHECK(y.op == x.op);
    CHECK(y.layer == x.layer);
    CHECK(y.start_ns == x.start_ns);
    CHECK(y.end_ns == x.end_ns);
    CHECK(y.grid == x.grid);
    CHECK(y.block == x.block);
    CHECK(y.registers == x.registers);
    CHECK(y.shared_bytes == x.shared_bytes);
    CHECK(y.bytes == x.bytes);
  }
  CHECK(trace_to_chrome_json(r) == trace_to_chrome_json(t));
  // What viewers read: complete events with µs times, one lane (tid) per stream, the scope in args.
  const std::string json = trace_to_chrome_json(t);
  CHECK(json.find("\"ph\": \"X\"") != std::string::npos);
  CHECK(json.find("\"ts\": 1234567.891") != std::string::npos);
  CHECK(json.find("\"scope\": \"layer 3 / gemm\"") != std::string::npos);
}

TEST_CASE("achieved bandwidth is bytes over duration", "[gui][trace]") {
  const Trace t = sample_trace();
  REQUIRE(t.kernels[0].achieved_GBps().has_value());
  CHECK(*t.kernels[0].achieved_GBps() == Approx(80'000'000.0 / 261'001.0));
  CHECK_FALSE(t.kernels[1].achieved_GBps().has_value());  // no byte count
}

TEST_CASE("kernel events of a PyTorch profiler trace load", "[gui][trace]") {
  const std::string text = R"({"traceEvents": [
    {"ph": "X", "cat": "cpu_op", "name": "aten::mm", "pid": 1, "tid": 1, "ts": 100.0, "dur": 50.0},
    {"ph": "X", "cat": "kernel", "name": "sm90_xmma_gemm", "pid": 0, "tid": 7, "ts": 120.5, "dur": 30.25,
     "args": {"grid": [132, 1, 1], "block": [384, 1, 1], "registers per thread": 168, "shared memory": 232448}},
    {"ph": "i", "name": "marker", "ts": 130.0},
    {"ph": "X", "cat": "kernel", "name": "elementwise_kernel", "pid": 0, "tid": 7, "ts": 151.0, "dur": 2.0}
  ]})";
  const Trace t = parse_chrome_trace(text, "torch.json");
  REQUIRE(t.kernels.size() == 2);  // the CPU op and the instant event are not kernels
  CHECK(t.kernels[0].name == "sm90_xmma_gemm");
  CHECK(t.kernels[0].op == "kernel");
  CHECK(t.kernels[0].layer == -1);
  CHECK(t.kernels[0].start_ns == 120'500);
  CHECK(t.kernels[0].end_ns == 150'750);
  CHECK(t.kernels[0].grid == std::array<int, 3>{132, 1, 1});
  CHECK(t.kernels[0].registers == 168);
  CHECK(t.kernels[0].shared_bytes == 232448);
  CHECK(t.kernels[1].duration_ns() == 2'000);
  // The bare-array form of the format, without categories: every complete event counts.
  const Trace bare = parse_chrome_trace(R"([{"ph": "X", "name": "k", "ts": 1, "dur": 1}])", "bare.json");
  CHECK(bare.kernels.size() == 1);
}

TEST_CASE("malformed traces are refused naming the event field", "[gui][trace]") {
  REQUIRE_ERROR_MENTIONS(parse_chrome_trace("{", "t.json"), "t.json", "not valid JSON");
  REQUIRE_ERROR_MENTIONS(parse_chrome_trace(R"({"events": []})", "t.json"), "traceEvents", "not a Chrome trace");
  REQUIRE_ERROR_MENTIONS(parse_chrome_trace(R"({"traceEvents": [{"ph": "M", "name": "m"}, {"ph": "X", "name": "k", "ts": 1}]})", "t.json"),
                         "traceEvents[1].dur", "missing");
  REQUIRE_ERROR_MENTIONS(parse_chrome_trace(R"({"traceEvents": [{"ph": "X", "name": "k", "ts": 1, "dur": -2}]})", "t.json"),
                         "traceEvents[0].dur", "negative");
  REQUIRE_ERROR_MENTIONS(
      parse_chrome_trace(R"({"traceEvents": [{"ph": "X", "name": "k", "ts": 1, "dur": 1, "args": {"grid": [1, 2]}}]})", "t.json"),
      "traceEvents[0].args.grid", "3 integers");
  REQUIRE_ERROR_MENTIONS(parse_chrome_trace(R"({"traceEvents": [{"ph": 3}]})", "t.json"), "traceEvents[0].ph");
  REQUIRE_ERROR_MENTIONS(read_trace("/nonexistent/trace.json"), "/nonexistent/trace.json");
}
