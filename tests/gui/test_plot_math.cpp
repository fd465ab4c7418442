#include <catch2/catch.hpp>

#include <cmath>
#include <random>
#include <sstream>

#include "app/gui/plot_data.h"
#include "app/gui/plot_math.h"

using namespace mambascope;
using namespace mambascope::plot;

namespace {

std::vector<std::string> major_labels(const std::vector<Tick>& ticks) {
  std::vector<std::string> out;
  for (const Tick& t : ticks)
    if (t.major) out.push_back(t.label);
  return out;
}

std::vector<double> major_values(const std::vector<Tick>& ticks) {
  std::vector<double> out;
  for (const Tick& t : ticks)
    if (t.major) out.push_back(t.value);
  return out;
}

}  // namespace

TEST_CASE("linear ticks are multiples of a 1 2 5 step inside the range", "[gui][plot]") {
  const std::vector<Tick> t = make_ticks({0, 100}, Scale::Linear, Unit::Plain, 5);
  CHECK(major_values(t) == std::vector<double>{0, 20, 40, 60, 80, 100});
  CHECK(major_labels(t) == std::vector<std::string>{"0", "20", "40", "60", "80", "100"});
  const std::vector<Tick> f = make_ticks({-0.013, 0.031}, Scale::Linear, Unit::Plain, 5);
  CHECK(major_labels(f) == std::vector<std::string>{"-0.01", "0", "0.01", "0.02", "0.03"});
}

TEST_CASE("linear ticks stay inside the range and near the target count", "[gui][plot]") {
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> mag(-6, 9), frac(0.01, 3);
  int within_target = 0;
  for (int i = 0; i < 500; ++i) {
    const double lo = std::pow(10.0, mag(rng)) * (i % 3 == 0 ? -1 : 1);
    const double hi = lo + std::fabs(lo) * frac(rng) + 1e-9;
    const int target = 2 + i % 9;
    const std::vector<Tick> t = make_ticks({lo, hi}, Scale::Linear, Unit::Plain, target);
    INFO("range " << lo << " .. " << hi << " target " << target);
    REQUIRE(t.size() >= 2);
    // At most target + 1 ticks, unless the step that gives that leaves fewer than 2 in the range: then the
    // next finer 1-2-5 step does.
    CHECK(static_cast<int>(t.size()) <= 2 * target + 2);
    within_target += static_cast<int>(t.size()) <= target + 1;
    for (size_t k = 0; k < t.size(); ++k) {
      CHECK(t[k].value >= lo - 1e-9 * std::fabs(lo));
      CHECK(t[k].value <= hi + 1e-9 * std::fabs(hi));
      if (k) CHECK(t[k].value > t[k - 1].value);
      if (k) CHECK(t[k].label != t[k - 1].label);  // labels distinguish neighbouring ticks
    }
  }
  CHECK(within_target > 450);
}

TEST_CASE("token axes on log scale tick at powers of two labelled 1k 4k 16k", "[gui][plot]") {
  const std::vector<Tick> wide = make_ticks({800, 120000}, Scale::Log10, Unit::Tokens, 4);
  CHECK(major_labels(wide) == std::vector<std::string>{"1k", "4k", "16k", "64k"});
  int minors = 0;
  for (const Tick& t : wide) minors += !t.major && t.label.empty();
  CHECK(minors == 3);  // 2k, 8k, 32k
  const std::vector<Tick> dense = make_ticks({1000, 70000}, Scale::Log10, Unit::Tokens, 8);
  CHECK(major_labels(dense) == std::vector<std::string>{"1k", "2k", "4k", "8k", "16k", "32k", "64k"});
  CHECK(format_tick(103424, Unit::Tokens, 0, 0) == "101k");
  CHECK(format_tick(512, Unit::Tokens, 0, 0) == "512");
  CHECK(format_tick(1 << 20, Unit::Tokens, 0, 0) == "1M");
}

TEST_CASE("time axes on log scale tick at decades in the unit that reads best", "[gui][plot]") {
  const std::vector<Tick> t = make_ticks({0.05, 5000}, Scale::Log10, Unit::Milliseconds, 6);
  CHECK(major_labels(t) == std::vector<std::string>{"100 \xC2\xB5s", "1 ms", "10 ms", "100 ms", "1 s"});
  const std::vector<Tick> few = make_ticks({15, 3000}, Scale::Log10, Unit::Milliseconds, 8);
  CHECK(major_labels(few) == std::vector<std::string>{"20 ms", "50 ms", "100 ms", "200 ms", "500 ms", "1 s", "2 s"});
}

TEST_CASE("narrow log ranges get linear ticks", "[gui][plot]") {
  const std::vector<Tick> t = make_ticks({7.5, 21}, Scale::Log10, Unit::Milliseconds, 6);
  const std::vector<std::string> labels = major_labels(t);
  REQUIRE(labels.size() >= 3);
  CHECK(static_cast<int>(labels.size()) <= 7);
  CHECK(std::find(labels.begin(), labels.end(), "10 ms") != labels.end());
  for (const Tick& k : t) CHECK(k.value > 0);  // a log axis cannot show 0
}

TEST_CASE("byte axes tick in binary units", "[gui][plot]") {
  const double GiB = 1024.0 * 1024 * 1024;
  const std::vector<Tick> t = make_ticks({0, 60 * GiB}, Scale::Linear, Unit::Bytes, 6);
  CHECK(major_labels(t) == std::vector<std::string>{"0", "10 GiB", "20 GiB", "30 GiB", "40 GiB", "50 GiB", "60 GiB"});
  const std::vector<Tick> log = make_ticks({300.0 * 1024 * 1024, 20 * GiB}, Scale::Log10, Unit::Bytes, 4);
  CHECK(major_labels(log) == std::vector<std::string>{"1 GiB", "4 GiB", "16 GiB"});
}

TEST_CASE("exact values for tooltips carry four significant digits and their unit", "[gui][plot]") {
  CHECK(format_exact(103424, Unit::Tokens) == "101k (103424)");
  CHECK(format_exact(1000, Unit::Tokens) == "1000");
  CHECK(format_exact(0.25, Unit::Milliseconds) == "250.0 \xC2\xB5s");
  CHECK(format_exact(1234.6, Unit::Milliseconds) == "1.235 s");
  CHECK(format_exact(12.5 * 1024 * 1024 * 1024, Unit::Bytes) == "12.50 GiB");
  CHECK(format_exact(2.5, Unit::Ratio) == "2.500\xC3\x97");
  CHECK(format_exact(41.04, Unit::Percent) == "41.0%");
  CHECK(format_exact(1500, Unit::Plain) == "1.500k");
  CHECK(format_exact(std::nan(""), Unit::Plain) == "n/a");
  CHECK(format_tick(-0.0001, Unit::Plain, 0.5, 1) == "0");  // no "-0.0"
}

TEST_CASE("axis maps convert data to pixels and back on linear and log axes", "[gui][plot]") {
  const AxisMap x{{0, 10}, Scale::Linear, 100, 600};
  CHECK(x.to_px(5) == Approx(350));
  CHECK(x.to_value(350) == Approx(5));
  const AxisMap y{{1, 1000}, Scale::Log10, 400, 100};  // y grows upwards: range.lo at the bottom pixel
  CHECK(y.to_px(1) == Approx(400));
  CHECK(y.to_px(10) == Approx(300));
  CHECK(y.to_px(1000) == Approx(100));
  CHECK(y.to_value(200) == Approx(100));
  CHECK(std::isnan(y.to_px(0)));
  CHECK(std::isnan(y.to_px(-3)));
  for (double v : {1.5, 7.0, 42.0, 999.0}) CHECK(y.to_value(y.to_px(v)) == Approx(v).epsilon(1e-12));
}

TEST_CASE("hit testing finds the nearest visible point within reach", "[gui][plot]") {
  const double nan = std::nan("");
  const std::vector<std::vector<Vec2>> pts = {{{0, 0}, {10, 0}}, {{4, 3}, {nan, 1}}, {{1, 1}}};
  Hit h = nearest_point(pts, {true, true, true}, {5, 3}, 20);
  CHECK(h.series == 1);
  CHECK(h.index == 0);
  CHECK(h.dist == Approx(1));
  h = nearest_point(pts, {true, false, true}, {5, 3}, 20);  // series 1 hidden: the next nearest
  CHECK(h.series == 2);
  CHECK(h.index == 0);
  CHECK(h.dist == Approx(std::hypot(4, 2)));
  CHECK_FALSE(nearest_point(pts, {true, true, true}, {100, 100}, 20).found());
  CHECK(nearest_point(pts, {true, true, true}, {1, 1.2}, 20).series == 2);
}

TEST_CASE("drag rectangles zoom x y or both and clicks do not zoom", "[gui][plot]") {
  CHECK(zoom_axes_for_drag({10, 10}, {12, 13}, 5) == ZoomAxes::None);
  CHECK(zoom_axes_for_drag({10, 10}, {200, 12}, 5) == ZoomAxes::X);
  CHECK(zoom_axes_for_drag({10, 10}, {11, 200}, 5) == ZoomAxes::Y);
  CHECK(zoom_axes_for_drag({10, 10}, {200, 150}, 5) == ZoomAxes::XY);
  const AxisMap x{{0, 100}, Scale::Linear, 0, 1000};
  CHECK(range_between(x, 600, 200) == Range{20, 60});
  const AxisMap lx{{1, 10000}, Scale::Log10, 0, 400};
  const Range r = range_between(lx, 100, 300);
  CHECK(r.lo == Approx(10));
  CHECK(r.hi == Approx(1000));
}

TEST_CASE("wheel zoom keeps the value under the cursor in place", "[gui][plot]") {
  const AxisMap x{{0, 100}, Scale::Linear, 0, 1000};
  const Range r = zoom_about(x, 250, 0.5);
  CHECK(r.lo == Approx(12.5));
  CHECK(r.hi == Approx(62.5));
  const AxisMap lx{{1, 10000}, Scale::Log10, 0, 400};
  const Range lr = zoom_about(lx, 100, 0.5);  // 10 under the cursor stays at pixel 100
  const AxisMap after{lr, Scale::Log10, 0, 400};
  CHECK(after.to_px(10) == Approx(100));
  CHECK(std::log10(lr.hi / lr.lo) == Approx(2));
}

TEST_CASE("panning moves the range with the mouse", "[gui][plot]") {
  const AxisMap x{{0, 10}, Scale::Linear, 0, 1000};
  const Range r = pan_by(x, 100);  // mouse moved right: the data follows, the window shows earlier values
  CHECK(r.lo == Approx(-1));
  CHECK(r.hi == Approx(9));
  const AxisMap y{{0, 10}, Scale::Linear, 1000, 0};  // screen y grows downwards
  const Range ry = pan_by(y, 100);                     // mouse moved down: higher values come into view
  CHECK(ry.lo == Approx(1));
  CHECK(ry.hi == Approx(11));
}

TEST_CASE("fitting pads the data range and ignores what an axis cannot show", "[gui][plot]") {
  const Range r = fit_range({2, 4, 6, std::nan("")}, Scale::Linear, 0.05);
  CHECK(r.lo == Approx(1.8));
  CHECK(r.hi == Approx(6.2));
  const Range l = fit_range({-5, 0, 10, 1000}, Scale::Log10, 0.0);
  CHECK(l.lo == Approx(10));
  CHECK(l.hi == Approx(1000));
  CHECK(fit_range({}, Scale::Linear) == Range{0, 1});
  CHECK(fit_range({}, Scale::Log10) == Range{1, 10});
  const Range one = fit_range({50}, Scale::Log10);
  CHECK(one.lo < 50);
  CHECK(one.hi > 50);
  const Range zero = fit_range({0}, Scale::Linear);
  CHECK(zero.lo < 0);
  CHECK(zero.hi > 0);
}

TEST_CASE("ranges are kept drawable", "[gui][plot]") {
  CHECK(sanitize_range({5, 1}, Scale::Linear) == Range{1, 5});
  const Range l = sanitize_range({-1, 100}, Scale::Log10);
  CHECK(l.lo > 0);
  CHECK(l.hi == Approx(100));
  const Range d = sanitize_range({3, 3}, Scale::Linear);
  CHECK(d.hi > d.lo);
  CHECK(sanitize_range({std::nan(""), 1}, Scale::Linear) == Range{0, 1});
}

TEST_CASE("overlapping labels are thinned greedily", "[gui][plot]") {
  const std::vector<bool> keep = non_overlapping({0, 30, 45, 100}, {40, 40, 10, 40}, 5);
  CHECK(keep == std::vector<bool>{true, false, true, true});
}

TEST_CASE("plot CSV export lists every visible point with its note", "[gui][plot]") {
  gui::PlotSpec spec;
  spec.title = "Prefill time";
  spec.x.label = "prompt length (tokens)";
  spec.y.label = "prefill time";
  spec.series.push_back({"model, \"quoted\"", {1024, 2048}, {0.1, 12.5}, {"", "source: Table 3\nline 2"}});
  spec.series.push_back({"hidden one", {1}, {2}, {}});
  const std::string csv = gui::plot_to_csv(spec, {"hidden one"});
  CHECK(csv.find("# Prefill time\n") == 0);
  CHECK(csv.find("series,x,y,note\n") != std::string::npos);
  CHECK(csv.find("\"model, \"\"quoted\"\"\",1024,0.1,\n") != std::string::npos);
  CHECK(csv.find("\"model, \"\"quoted\"\"\",2048,12.5,source: Table 3; line 2\n") != std::string::npos);
  CHECK(csv.find("hidden one") == std::string::npos);
}
