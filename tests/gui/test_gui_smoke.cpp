// Smoke tests of mambascope-gui itself: each panel rendered from the committed fixtures under Xvfb
// (`--screenshot`), checked for size, for not being blank, and for the colours its data is drawn in.
// Built only where the GUI is (MAMBASCOPE_GUI_EXE comes from app/gui/CMakeLists.txt).
#ifdef MAMBASCOPE_GUI_EXE

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "app/gui/image_io.h"
#include "app/gui/memory_data.h"
#include "app/gui/models_data.h"
#include "app/gui/profile_set.h"
#include "tests/support.h"

using namespace mambascope;
using namespace mambascope::gui;

namespace {

constexpr int kWidth = 1280, kHeight = 800;

int run(const std::string& cmd, std::string& out) {
  out.clear();
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return -1;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  const int status = pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

bool have_xvfb() {
  std::string out;
  return run("command -v xvfb-run", out) == 0;
}

// Runs the GUI under a fresh virtual display (24-bit, so GL works). xvfb-run -a picks a free display
// number but races with itself: flock serialises the GUI tests when ctest runs them in parallel.
// In sanitizer builds leak checking is off for the GUI process only: Mesa's driver, loaded and unloaded by
// GLX, leaks a few bytes from a module that is gone at exit (no suppression can name it). Memory errors are
// still caught, and the GUI code runs under the leak checker in the headless widget tests.
int run_gui(const std::string& args, std::string& out) {
  return run("ASAN_OPTIONS=\"${ASAN_OPTIONS}:detect_leaks=0\" flock /tmp/mambascope-gui-xvfb.lock xvfb-run -a -s '-screen 0 1920x1200x24' " +
                 std::string(MAMBASCOPE_GUI_EXE) + " " + args,
             out);
}

std::string fixture(const char* name) { return std::string("tests/fixtures/") + name; }

struct Stats {
  double mean = 0, stddev = 0;
};

Stats luminance(const RgbaImage& img) {
  double s = 0, s2 = 0;
  const size_t n = static_cast<size_t>(img.width) * img.height;
  for (size_t i = 0; i < n; ++i) {
    const uint8_t* p = &img.pixels[i * 4];
    const double l = 0.2126 * p[0] + 0.7152 * p[1] + 0.0722 * p[2];
    s += l;
    s2 += l * l;
  }
  const double mean = s / static_cast<double>(n);
  return {mean, std::sqrt(std::max(0.0, s2 / static_cast<double>(n) - mean * mean))};
}

// Pixels within `tol` of a colour packed as ImGui does (ABGR).
size_t count_color(const RgbaImage& img, uint32_t abgr, int tol = 6) {
  const int r = abgr & 0xFF, g = (abgr >> 8) & 0xFF, b = (abgr >> 16) & 0xFF;
  size_t n = 0;
  for (size_t i = 0; i + 3 < img.pixels.size(); i += 4)
    n += std::abs(img.pixels[i] - r) <= tol && std::abs(img.pixels[i + 1] - g) <= tol && std::abs(img.pixels[i + 2] - b) <= tol;
  return n;
}

// Renders `panel` with `inputs` and returns the screenshot after checking what every screenshot must be.
RgbaImage screenshot(const std::string& panel, const std::string& inputs) {
  test::TempDir dir("gui");
  const std::string png = dir.file(panel + ".png");
  std::string out;
  const int rc = run_gui("--screenshot " + png + " --panel " + panel + " --size " + std::to_string(kWidth) + "x" +
                             std::to_string(kHeight) + " " + inputs,
                         out);
  INFO(out);
  REQUIRE(rc == 0);
  REQUIRE(std::filesystem::exists(png));
  RgbaImage img = load_image_rgba(png);
  CHECK(img.width == kWidth);
  CHECK(img.height == kHeight);
  const Stats st = luminance(img);
  INFO("luminance mean " << st.mean << " stddev " << st.stddev);
  CHECK(st.stddev > 12);  // a blank or single-colour frame has ~0; the empty app has about 8
  return img;
}

#define SKIP_WITHOUT_XVFB()                                                                                  \
  if (!have_xvfb()) {                                                                                        \
    WARN("xvfb-run not found: GUI smoke test skipped (apt-get install xvfb xauth libgl1-mesa-dri; scripts/setup does)"); \
    return;                                                                                                  \
  }

}  // namespace

TEST_CASE("the curves panel draws the fixture profiles", "[gui][smoke]") {
  SKIP_WITHOUT_XVFB();
  const RgbaImage img = screenshot("curves", "--profile " + fixture("profile-fixture.json"));
  // Each of the four models' lines in its colour, in six plots.
  for (int m = 0; m < 4; ++m) {
    INFO("model " << m);
    CHECK(count_color(img, series_color(m)) > 500);
  }
}

TEST_CASE("the curves panel compares two profiles", "[gui][smoke]") {
  SKIP_WITHOUT_XVFB();
  const RgbaImage img = screenshot(
      "curves", "--profile " + fixture("profile-fixture.json") + " --profile " + fixture("profile-fixture-b.json"));
  CHECK(count_color(img, series_color(0)) > 500);
}

TEST_CASE("the memory panel draws stacked category bars", "[gui][smoke]") {
  SKIP_WITHOUT_XVFB();
  const RgbaImage img = screenshot("memory", "--profile " + fixture("profile-fixture.json"));
  CHECK(count_color(img, memory_category_color(0), 3) > 2000);  // weights, in every bar
  CHECK(count_color(img, memory_category_color(3), 3) > 2000);  // activations
}

TEST_CASE("the scan panel draws the image with the cross scan paths", "[gui][smoke]") {
  SKIP_WITHOUT_XVFB();
  const RgbaImage img = screenshot("scan", "--image " + fixture("image-fixture.png"));
  // The four directions of the cross scan, one colour each, on the default model's grid: the trained tiny
  // ML-Mamba's 8x8 since it ships (163-232 pixels a direction at this size; the preset's grid drew > 300).
  for (int d = 0; d < 4; ++d) {
    INFO("direction " << d);
    CHECK(count_color(img, series_color(d), 10) > 100);
  }
}

TEST_CASE("the scan panel draws the contribution map of an output patch", "[gui][smoke]") {
  SKIP_WITHOUT_XVFB();
  // --image in a screenshot computes the map of --patch with the tiny ML-Mamba (random weights) on the CPU.
  const RgbaImage img = screenshot("scan", "--image assets/images/scene.png --scan-set bidirectional --patch 300");
  CHECK(count_color(img, 0xFFFFDC50u, 3) > 50);  // the output patch's marker, IM_COL32(80, 220, 255): only with a map
}

TEST_CASE("the models panel draws the layer strip of a hybrid model", "[gui][smoke]") {
  SKIP_WITHOUT_XVFB();
  const RgbaImage img = screenshot("models", "--model mmmamba-hybrid");
  CHECK(count_color(img, strip_color(StripKind::Attention), 3) > 1000);  // 8 attention layers
  CHECK(count_color(img, strip_color(StripKind::Mamba), 3) > 1000);      // 24 Mamba-2 layers
}

TEST_CASE("the chat panel streams an answer about the image into the frame", "[gui][smoke]") {
  SKIP_WITHOUT_XVFB();
  test::TempDir dir("gui-chat");
  const std::string png = dir.file("chat.png");
  std::string out;
  const int rc = run_gui("--screenshot " + png + " --panel chat --size 1280x800 --model tiny-mmmamba-hybrid --image " +
                             fixture("image-fixture.png") + " --prompt 'How many circles are there?'",
                         out);
  INFO(out);
  REQUIRE(rc == 0);
  CHECK(out.find("mambascope-gui: ") == std::string::npos);  // no error notice (a failed answer would print one)
  const RgbaImage img = load_image_rgba(png);
  CHECK(luminance(img).stddev > 12);
  // The tile grid over the image: HoVLE's tile lines in amber (ABGR 0xFF50D2FF, blended over the image).
  CHECK(count_color(img, 0xFF50D2FFu, 40) > 200);
}

TEST_CASE("the timeline panel draws the fixture trace", "[gui][smoke]") {
  SKIP_WITHOUT_XVFB();
  const RgbaImage img = screenshot("timeline", "--trace " + fixture("trace-fixture.json"));
  CHECK(img.width == kWidth);
}

TEST_CASE("a file that cannot be read shows its error and the GUI keeps running", "[gui][smoke]") {
  SKIP_WITHOUT_XVFB();
  test::TempDir dir("gui-bad");
  test::write_bytes(dir.file("broken.json"), R"({"schema": "mambascope.profile", "schema_version": 1, "kind": "bench", "rows": {}})");
  const std::string png = dir.file("shot.png");
  std::string out;
  const int rc = run_gui("--screenshot " + png + " --panel curves --profile " + dir.file("broken.json") + " --profile " +
                             fixture("profile-fixture.json"),
                         out);
  INFO(out);
  CHECK(rc == 0);
  CHECK(std::filesystem::exists(png));
  CHECK(out.find("broken.json: rows: missing or not an array") != std::string::npos);
}

TEST_CASE("without a display the GUI says how to run it", "[gui][smoke]") {
  std::string out;
  const int rc = run("env -u DISPLAY -u WAYLAND_DISPLAY " + std::string(MAMBASCOPE_GUI_EXE) + " --screenshot /tmp/never.png", out);
  INFO(out);
  CHECK(rc != 0);
  CHECK(out.find("xvfb-run -a mambascope-gui") != std::string::npos);
  CHECK(out.find("mambascope info") != std::string::npos);
}

#endif  // MAMBASCOPE_GUI_EXE
