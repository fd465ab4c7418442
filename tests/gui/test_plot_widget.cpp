// The plot widget driven headless: an ImGui context without a window or renderer, fed mouse input frame by
// frame, checking what each gesture does to the view. Built where ImGui is (MAMBASCOPE_HAVE_GUI_WIDGETS).
#ifdef MAMBASCOPE_HAVE_GUI_WIDGETS

#include <catch2/catch.hpp>

#include <functional>

#include "app/gui/plot_widget.h"

using namespace mambascope;
using namespace mambascope::gui;

namespace {

class Headless {
 public:
  Headless(const Headless&) = delete;
  Headless& operator=(const Headless&) = delete;
  Headless() : imgui_(ImGui::CreateContext()) {
    ImGui::SetCurrentContext(imgui_);
    ImGuiIO& io = ImGui::GetIO();
    io.IniFilename = nullptr;
    io.DisplaySize = {1000, 700};
    io.DeltaTime = 1.f / 60;
    unsigned char* px = nullptr;
    int w = 0, h = 0;
    io.Fonts->GetTexDataAsRGBA32(&px, &w, &h);  // builds the default font; nothing is uploaded
    ctx.bold = io.Fonts->Fonts[0];
  }
  ~Headless() { ImGui::DestroyContext(imgui_); }

  // One frame with the mouse at `mouse`, the buttons as given, drawing the plot in a full-size window.
  PlotArea frame(ImVec2 mouse, bool left = false, bool right = false, float wheel = 0) {
    ImGui::SetCurrentContext(imgui_);
    ImGuiIO& io = ImGui::GetIO();
    io.MousePos = mouse;
    io.MouseDown[0] = left;
    io.MouseDown[1] = right;
    io.MouseWheel = wheel;
    ImGui::NewFrame();
    ImGui::SetNextWindowPos({0, 0});
    ImGui::SetNextWindowSize(io.DisplaySize);
    ImGui::Begin("test", nullptr, ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove);
    const PlotArea a = draw_plot("plot", spec, view, {900, 600}, ctx);
    ImGui::End();
    ImGui::Render();
    return a;
  }

  GuiContext ctx;
  PlotSpec spec = sample_spec();
  PlotView view;

 private:
  ImGuiContext* imgui_;
  static PlotSpec sample_spec() {
    PlotSpec s;
    s.title = "prefill";
    s.x = {"length", plot::Scale::Log10, plot::Unit::Tokens};
    s.y = {"time", plot::Scale::Linear, plot::Unit::Milliseconds};
    s.series.push_back({"a", {1024, 4096, 16384, 65536}, {10, 20, 40, 80}});
    s.series.push_back({"b", {1024, 4096, 16384, 65536}, {5, 6, 7, 8}});
    return s;
  }
};

plot::AxisMap x_map(const Headless& h, const PlotArea& a) { return {h.view.x, plot::Scale::Log10, a.min.x, a.max.x}; }
plot::AxisMap y_map(const Headless& h, const PlotArea& a) { return {h.view.y, plot::Scale::Linear, a.max.y, a.min.y}; }

}  // namespace

TEST_CASE("a plot fits its data until the user zooms", "[gui][widget]") {
  Headless h;
  h.frame({-1, -1});
  CHECK(h.view.auto_fit);
  CHECK(h.view.x.lo < 1024);
  CHECK(h.view.x.hi > 65536);
  CHECK(h.view.y.lo < 5);
  CHECK(h.view.y.hi > 80);
}

TEST_CASE("dragging a rectangle zooms the plot to it and a double-click fits again", "[gui][widget]") {
  Headless h;
  const PlotArea a = h.frame({-1, -1});
  const plot::Range x0 = h.view.x, y0 = h.view.y;
  const ImVec2 from{a.min.x + 200, a.min.y + 150}, to{a.min.x + 500, a.min.y + 400};
  const plot::Range want_x = plot::range_between(x_map(h, a), from.x, to.x);
  const plot::Range want_y = plot::range_between(y_map(h, a), from.y, to.y);
  h.frame(from);
  h.frame(from, true);
  h.frame(to, true);
  h.frame(to, false);
  CHECK_FALSE(h.view.auto_fit);
  CHECK(h.view.x.lo == Approx(want_x.lo));
  CHECK(h.view.x.hi == Approx(want_x.hi));
  CHECK(h.view.y.lo == Approx(want_y.lo));
  CHECK(h.view.y.hi == Approx(want_y.hi));
  // A double-click (two clicks in quick succession at one place) goes back to the fitted view.
  h.frame(to, true);
  h.frame(to, false);
  h.frame(to, true);
  h.frame(to, false);
  CHECK(h.view.auto_fit);
  CHECK(h.view.x.lo == Approx(x0.lo));
  CHECK(h.view.y.hi == Approx(y0.hi));
}

TEST_CASE("a flat drag zooms time only and a click does not zoom", "[gui][widget]") {
  Headless h;
  const PlotArea a = h.frame({-1, -1});
  const plot::Range y0 = h.view.y;
  const ImVec2 from{a.min.x + 100, a.min.y + 200};
  h.frame(from);
  h.frame(from, true);
  h.frame({from.x + 300, from.y + 2}, true);
  h.frame({from.x + 300, from.y + 2}, false);
  CHECK_FALSE(h.view.auto_fit);
  CHECK(h.view.y == y0);
  Headless c;
  const PlotArea ca = c.frame({-1, -1});
  const ImVec2 p{ca.min.x + 100, ca.min.y + 200};
  c.frame(p);
  c.frame(p, true);
  c.frame({p.x + 2, p.y + 1}, false);
  CHECK(c.view.auto_fit);
}

TEST_CASE("the wheel zooms about the cursor", "[gui][widget]") {
  Headless h;
  const PlotArea a = h.frame({-1, -1});
  const ImVec2 m{a.min.x + 300, a.min.y + 200};
  const double vx = x_map(h, a).to_value(m.x), vy = y_map(h, a).to_value(m.y);
  const double span = std::log10(h.view.x.hi / h.view.x.lo);
  h.frame(m, false, false, 1.f);
  CHECK_FALSE(h.view.auto_fit);
  CHECK(std::log10(h.view.x.hi / h.view.x.lo) < span);
  CHECK(x_map(h, a).to_px(vx) == Approx(m.x).margin(0.01));  // the value under the cursor stays there
  CHECK(y_map(h, a).to_px(vy) == Approx(m.y).margin(0.01));
}

TEST_CASE("a right-drag pans the plot", "[gui][widget]") {
  Headless h;
  const PlotArea a = h.frame({-1, -1});
  const ImVec2 m{a.min.x + 300, a.min.y + 200};
  const double vx = x_map(h, a).to_value(m.x);
  h.frame(m);
  h.frame(m, false, true);
  for (int i = 1; i <= 4; ++i) h.frame({m.x + 25.f * i, m.y}, false, true);
  h.frame({m.x + 100, m.y}, false, false);
  CHECK_FALSE(h.view.auto_fit);
  CHECK(x_map(h, a).to_px(vx) == Approx(m.x + 100).margin(0.5));  // the data moved with the mouse
}

TEST_CASE("a click on a legend entry hides its series and a second click shows it", "[gui][widget]") {
  Headless h;
  h.spec.legend = LegendPlace::InsideTopLeft;
  const PlotArea a = h.frame({-1, -1});
  const ImVec2 first_row{a.min.x + 6 + 30, a.min.y + 6 + 5};
  h.frame(first_row);
  h.frame(first_row, true);
  h.frame(first_row, false);
  CHECK(h.view.hidden == std::set<std::string>{"a"});
  CHECK(h.view.auto_fit);  // the click toggled the entry and started no zoom
  // Fitting now ignores the hidden series: "b" alone stays below 8 ms.
  CHECK(h.view.y.hi < 10);
  for (int i = 0; i < 20; ++i) h.frame(first_row);  // past the double-click time
  h.frame(first_row, true);
  h.frame(first_row, false);
  CHECK(h.view.hidden.empty());
}

#endif  // MAMBASCOPE_HAVE_GUI_WIDGETS
