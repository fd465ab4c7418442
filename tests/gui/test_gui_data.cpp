// The GUI panels' data models (UI-free): curves, memory bars, timeline lanes, jobs, image I/O, fixtures.
#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include "app/gui/curves_data.h"
#include "app/gui/image_io.h"
#include "app/gui/job.h"
#include "app/gui/memory_data.h"
#include "app/gui/timeline_data.h"
#include "tests/profile/kernel_records.h"
#include "tests/support.h"

using namespace mambascope;
using namespace mambascope::gui;

namespace {

ProfileRow row(const std::string& model, int64_t length, double prefill, double decode, uint64_t peak) {
  ProfileRow r;
  r.model = model;
  r.length = length;
  r.prefill_ms = prefill;
  r.decode_ms_per_token = decode;
  r.peak_bytes = peak;
  return r;
}

LoadedProfile two_models() {
  LoadedProfile lp;
  lp.path = "a/p.json";
  lp.profile.machine.gpu = "GPU A";
  lp.profile.rows = {row("transformer", 4096, 40, 10, 8000), row("transformer", 1024, 10, 9, 6000),
                     row("mamba", 1024, 8, 6, 3000), row("mamba", 4096, 20, 5, 4000)};
  ProfileRow oom;
  oom.model = "transformer";
  oom.length = 16384;
  oom.oom_predicted = 90'000;
  lp.profile.rows.push_back(oom);
  lp.profile.rows.push_back(row("mamba", 16384, 60, 5, 5000));
  return lp;
}

const PlotSeries* find_series(const PlotSpec& s, const std::string& name) {
  for (const PlotSeries& x : s.series)
    if (x.name == name) return &x;
  return nullptr;
}

}  // namespace

TEST_CASE("curve plots give one series per model sorted by length", "[gui][curves]") {
  const std::vector<LoadedProfile> set = {two_models()};
  const PlotSpec p = build_curve_plot(set, CurveMetric::PrefillMs, SpeedupBasis::Decode);
  REQUIRE(p.series.size() == 2);
  const PlotSeries* t = find_series(p, "transformer");
  REQUIRE(t);
  CHECK(t->x == std::vector<double>{1024, 4096});  // the OOM row has no time
  CHECK(t->y == std::vector<double>{10, 40});
  const PlotSpec tps = build_curve_plot(set, CurveMetric::TokensPerSecond, SpeedupBasis::Decode);
  CHECK(find_series(tps, "mamba")->y == std::vector<double>{1000.0 / 6, 200, 200});
  CHECK(p.x.scale == plot::Scale::Log10);
  CHECK(p.x.unit == plot::Unit::Tokens);
}

TEST_CASE("speed-up and memory saving are relative to the transformer at the same length", "[gui][curves]") {
  const std::vector<LoadedProfile> set = {two_models()};
  const PlotSpec s = build_curve_plot(set, CurveMetric::SpeedUp, SpeedupBasis::Decode);
  REQUIRE(s.series.size() == 1);  // the baseline is not compared with itself
  CHECK(s.series[0].name == "mamba");
  CHECK(s.series[0].x == std::vector<double>{1024, 4096});  // 16k: the transformer has no time there
  CHECK(s.series[0].y[0] == Approx(9.0 / 6));
  CHECK(s.series[0].y[1] == Approx(10.0 / 5));
  CHECK(s.series[0].notes[1].find("transformer") != std::string::npos);
  const PlotSpec pre = build_curve_plot(set, CurveMetric::SpeedUp, SpeedupBasis::Prefill);
  CHECK(pre.series[0].y[1] == Approx(40.0 / 20));
  const PlotSpec m = build_curve_plot(set, CurveMetric::MemorySaving, SpeedupBasis::Decode);
  REQUIRE(m.series.size() == 1);
  CHECK(m.series[0].y == std::vector<double>{2, 2, 18});
  // At 16k the transformer did not fit: the saving uses the planner's prediction and says so.
  CHECK(m.series[0].notes[2].find("did not fit") != std::string::npos);
  const PlotSpec none = build_curve_plot(set, CurveMetric::SpeedUp, SpeedupBasis::Total);
  CHECK(none.series.empty());
  CHECK(none.empty_hint.find("transformer") != std::string::npos);
}

TEST_CASE("the OOM boundary is the shortest length the planner refused", "[gui][curves]") {
  std::vector<LoadedProfile> set = {two_models()};
  ProfileRow later;
  later.model = "transformer";
  later.length = 65536;
  later.oom_predicted = 300'000;
  set[0].profile.rows.push_back(later);
  const PlotSpec p = build_curve_plot(set, CurveMetric::DecodeMsPerToken, SpeedupBasis::Decode);
  int vertical = 0;
  for (const PlotRefLine& l : p.ref_lines) {
    if (!l.vertical) continue;
    ++vertical;
    CHECK(l.value == 16384);
    CHECK(l.tag == "transformer OOM from 16k");
    CHECK(l.label.find("transformer OOM from 16k") != std::string::npos);
    CHECK(l.label.find("87.89 KiB") != std::string::npos);  // 90000 bytes needed
  }
  CHECK(vertical == 1);
}

TEST_CASE("a paper's rows are hollow markers with their source in the tooltip", "[gui][curves]") {
  std::vector<LoadedProfile> set = {two_models()};
  ProfileRow paper = row("mamba", 4096, 25, 5.5, 4200);
  paper.engine = "paper";
  paper.protocol = "paper";
  paper.source = "Some paper, Table 3";
  set[0].profile.rows.push_back(paper);
  const PlotSpec p = build_curve_plot(set, CurveMetric::PrefillMs, SpeedupBasis::Decode);
  const PlotSeries* s = find_series(p, "mamba (paper)");
  REQUIRE(s);
  CHECK(s->style == SeriesStyle::Markers);
  CHECK(s->hollow);
  REQUIRE(s->notes.size() == 1);
  CHECK(s->notes[0].find("source: Some paper, Table 3") != std::string::npos);
  const std::vector<CurveSeriesId> ids = curve_series_ids(set);
  REQUIRE(ids.size() == 3);
  CHECK(ids[2].reference);
  CHECK(ids[2].color == ids[1].color);  // a model keeps its colour across engines
}

TEST_CASE("several profiles get labelled series with their own markers", "[gui][curves]") {
  std::vector<LoadedProfile> set = {two_models(), two_models()};
  set[1].path = "b/p.json";
  assign_labels(set);
  CHECK(set[0].label != set[1].label);
  CHECK(set[0].label.find("GPU A") == 0);
  const PlotSpec p = build_curve_plot(set, CurveMetric::PrefillMs, SpeedupBasis::Decode);
  REQUIRE(p.series.size() == 4);
  CHECK(p.series[0].name == "transformer \xC2\xB7 " + set[0].label);
  CHECK(p.series[0].marker != p.series[2].marker);
  CHECK(p.series[0].color == p.series[2].color);
  const std::vector<CurveSeriesId> ids = curve_series_ids(set);
  REQUIRE(ids.size() == 4);
  CHECK(ids[2].short_name == "transformer");  // the legend lists it under its profile's label
  CHECK(ids[2].group == set[1].label);
  set[1].visible = false;
  CHECK(build_curve_plot(set, CurveMetric::PrefillMs, SpeedupBasis::Decode).series.size() == 2);
}

TEST_CASE("memory groups keep categories plans and refused lengths per model", "[gui][memory]") {
  LoadedProfile lp = two_models();
  lp.profile.machine.memory_bytes = 80'000;
  lp.profile.rows[2].peak_by_category.weights = 2000;
  lp.profile.rows[2].peak_by_category.state = 1000;
  lp.profile.rows[2].planned_bytes = 3100;
  ProfileRow paper = row("mamba", 1024, 1, 1, 1);
  paper.engine = "paper";
  paper.source = "x";
  lp.profile.rows.push_back(paper);
  const std::vector<MemoryGroup> g = build_memory_groups({lp});
  REQUIRE(g.size() == 2);
  CHECK(g[0].title == "transformer");
  CHECK(g[0].device_bytes == 80'000);
  REQUIRE(g[0].bars.size() == 3);
  CHECK(g[0].bars[2].length == 16384);
  CHECK(g[0].bars[2].oom_needed == 90'000u);
  REQUIRE(g[1].bars.size() == 3);  // the paper's row is not a bar
  CHECK(g[1].bars[0].by_category.total() == 3000);
  CHECK(g[1].bars[0].planned == 3100u);
  CHECK(memory_groups_max(g) == 90'000);
  CHECK(std::string(memory_category_name(2)) == "kv");
}

TEST_CASE("timeline lanes group kernels by layer and op and stack overlaps", "[gui][timeline]") {
  Trace t;
  auto k = [&](const char* op, int layer, int64_t s, int64_t e) {
    KernelRecord r;
    r.name = std::string(op) + "_kernel";
    r.op = op;
    r.layer = layer;
    r.start_ns = s;
    r.end_ns = e;
    t.kernels.push_back(r);
  };
  k("gemm", 0, 100, 200);
  k("scan", 0, 210, 300);
  k("scan", 0, 250, 320);  // overlaps the previous one: a second row
  k("gemm", 1, 330, 400);
  k("embedding", -1, 0, 90);
  const TimelineLayout l = layout_timeline(t, LaneGrouping::LayerAndOp);
  CHECK(l.t0_ns == 0);
  CHECK(l.t1_ns == 400);
  REQUIRE(l.lanes.size() == 4);
  CHECK(l.lanes[0].label == "(no layer) embedding");
  CHECK(l.lanes[1].label == "L0 gemm");
  CHECK(l.lanes[2].label == "L0 scan");
  CHECK(l.lanes[2].rows == 2);
  CHECK(l.lanes[2].row_of == std::vector<int>{0, 1});
  CHECK(l.lanes[3].label == "L1 gemm");
  const TimelineLayout by_op = layout_timeline(t, LaneGrouping::Op);
  REQUIRE(by_op.lanes.size() == 3);
  CHECK(by_op.lanes[0].label == "embedding");  // ops in order of first launch
  CHECK(by_op.lanes[1].kernels.size() == 2);
  const TimelineLayout by_layer = layout_timeline(t, LaneGrouping::Layer);
  REQUIRE(by_layer.lanes.size() == 3);
  CHECK(by_layer.lanes[1].label == "layer 0");
  CHECK(by_layer.lanes[1].rows == 2);
  CHECK(op_order(t) == std::vector<std::string>{"embedding", "gemm", "scan"});
}

TEST_CASE("op totals sum time per op and bandwidth over kernels with bytes", "[gui][timeline]") {
  Trace t;
  for (int i = 0; i < 3; ++i) {
    KernelRecord r;
    r.op = i < 2 ? "gemm" : "norm";
    r.start_ns = i * 1000;
    r.end_ns = i * 1000 + (i < 2 ? 400 : 200);
    if (i == 0) r.bytes = 800;
    t.kernels.push_back(r);
  }
  const std::vector<OpTotal> tot = op_totals(t);
  REQUIRE(tot.size() == 2);
  CHECK(tot[0].op == "gemm");
  CHECK(tot[0].calls == 2);
  CHECK(tot[0].total_ns == 800);
  CHECK(tot[0].share == Approx(0.8));
  REQUIRE(tot[0].GBps.has_value());
  CHECK(*tot[0].GBps == Approx(2.0));  // only the kernel that reports bytes: 800 B / 400 ns
  CHECK_FALSE(tot[1].GBps.has_value());
}

TEST_CASE("jobs hand back their value or their error and can be cancelled", "[gui][job]") {
  Job<int> ok("ok", [](JobProgress& p) {
    p.report(0.5, "half");
    return 42;
  });
  Job<int> bad("bad", [](JobProgress&) -> int { throw Error("broken input", "in.json", "rows[2]", "fix it"); });
  Job<int> slow("slow", [](JobProgress& p) {
    int n = 0;
    while (!p.cancelled()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      ++n;
    }
    return -1;
  });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while ((!ok.done() || !bad.done()) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  REQUIRE(ok.done());
  CHECK(ok.fraction() == 0.5);
  CHECK(ok.message() == "half");
  CHECK(ok.take_value() == 42);
  CHECK(ok.error().empty());
  REQUIRE(bad.done());
  CHECK_FALSE(bad.take_value().has_value());
  CHECK(bad.error().find("in.json: rows[2]: broken input") != std::string::npos);
  CHECK(bad.error().find("fix it") != std::string::npos);
  CHECK_FALSE(slow.done());
  slow.cancel();
  while (!slow.done() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  CHECK(slow.done());
  CHECK(slow.take_value() == -1);
}

TEST_CASE("PNG images round trip and unreadable ones name their path", "[gui][image]") {
  RgbaImage img;
  img.width = 3;
  img.height = 2;
  for (int i = 0; i < 6; ++i) img.pixels.insert(img.pixels.end(), {uint8_t(i * 40), uint8_t(255 - i), 7, 255});
  test::TempDir dir("img");
  write_png(dir.file("a.png"), img);
  const RgbaImage back = load_image_rgba(dir.file("a.png"));
  CHECK(back.width == 3);
  CHECK(back.height == 2);
  CHECK(back.pixels == img.pixels);
  RgbaImage flipped = img;
  flip_rows(flipped);
  CHECK(std::equal(flipped.pixels.begin(), flipped.pixels.begin() + 12, img.pixels.begin() + 12));
  test::write_bytes(dir.file("bad.png"), "not an image");
  REQUIRE_ERROR_MENTIONS(load_image_rgba(dir.file("bad.png")), "bad.png", "not a PNG, JPEG, BMP or GIF image");
}

TEST_CASE("the GUI fixtures load and say on every row that they are not measurements", "[gui][fixtures]") {
  for (const char* name : {"tests/fixtures/profile-fixture.json", "tests/fixtures/profile-fixture-b.json"}) {
    const Profile p = read_profile(name);
    INFO(name);
    REQUIRE(!p.rows.empty());
    CHECK(p.machine.gpu.find("not a measurement") != std::string::npos);
    for (const ProfileRow& r : p.rows) CHECK(r.note == "test fixture, not a measurement");
  }
  const Trace t = read_trace("tests/fixtures/trace-fixture.json");
  CHECK(t.kernels.size() > 20);
  CHECK(t.title.find("not a measurement") != std::string::npos);
  const RgbaImage img = load_image_rgba("tests/fixtures/image-fixture.png");
  CHECK(img.width == 378);
  CHECK(img.height == 378);
}

TEST_CASE("a trace written by mambascope profile lays out in the Timeline panel", "[gui][timeline]") {
  // The records as the CUPTI collector hands them over: op paths, two streams, a memcpy, an unscoped kernel.
  Trace t;
  t.title = "mmmamba-linear decode at 103424 tokens (2 steps)";
  using test::kernel_record;
  t.kernels = {kernel_record("memcpy HtoD", "memcpy", -1, 0, 10, 13, "memcpy"),
               kernel_record("embedding_kernel", "embedding", -1, 20, 30, 13),
               kernel_record("gemm_a", "mamba2.gemm", 0, 30, 90, 13),
               kernel_record("scan_b", "mamba2.ssm_state_update", 0, 90, 100, 13),
               kernel_record("gemm_a", "mamba2.gemm", 1, 100, 160, 13),
               kernel_record("other", "", -1, 95, 120, 14)};
  test::TempDir dir("profile-trace");
  write_trace(dir.file("decode.trace.json"), t);
  const Trace r = read_trace(dir.file("decode.trace.json"));
  REQUIRE(r.kernels.size() == t.kernels.size());
  const TimelineLayout l = layout_timeline(r, LaneGrouping::LayerAndOp);
  std::vector<std::string> labels;
  for (const TimelineLane& lane : l.lanes) labels.push_back(lane.label);
  CHECK(labels == std::vector<std::string>{"(no layer) memcpy", "(no layer) embedding", "(no layer) (no scope)", "L0 mamba2.gemm",
                                           "L0 mamba2.ssm_state_update", "L1 mamba2.gemm"});
  CHECK(l.t0_ns == 0);
  CHECK(l.t1_ns == 160);
  const std::vector<OpTotal> totals = op_totals(r);
  REQUIRE(totals.front().op == "mamba2.gemm");
  CHECK(totals.front().calls == 2);
  CHECK(totals.front().total_ns == 120);
  CHECK(totals.front().share == Approx(120.0 / 175.0));
}
