// mambascope-gui: the desktop app (GLFW window, OpenGL 3, Dear ImGui). `--screenshot out.png` renders the
// chosen panel in a hidden window once its inputs have loaded and writes it as PNG, for tests and docs.
#include <algorithm>
#include <cfloat>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <GLFW/glfw3.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>
#include <imgui.h>

#include "app/gui/app.h"
#include "app/gui/contribution_service.h"
#include "app/gui/gl_util.h"
#include "app/gui/theme.h"
#include "engine/bench/bench.h"
#include "engine/model/model_config.h"
#include "engine/core/error.h"

using namespace mambascope;
using namespace mambascope::gui;

namespace {

struct Options {
  std::string screenshot;
  std::string panel = "curves";
  std::vector<std::string> profiles, files;
  std::string trace, image;
  std::string size = "1600x1000";
  std::string scan_set;
  std::string chat_prompt;
  float scan_fraction = 0.4f;
  std::string model;
  int patch = -1;
  float scale = 0;  // 0: the monitor's content scale
};

// The engines' seams (services.h). Wire the sweep runner and the contribution map here as they land.
// The engines behind the panels' seams (app/gui/services.h).
GuiServices make_services() {
  GuiServices s;
  s.sweep_models = preset_names();
  s.sweep = [](const SweepRequest& r, JobProgress& progress) {
    BenchOptions b;
    b.models = r.models;
    b.lengths = r.lengths;
    b.device = r.backend == "cpu" ? Device::Cpu : Device::Cuda;
    b.decode = 16;
    b.repeats = 1;
    return run_bench(b, [&](const std::string& what, int done, int total) {
      if (progress.cancelled()) throw Error("cancelled", "sweep", "", "");
      progress.report(total ? static_cast<double>(done) / total : 0.0, what);
    });
  };
  s.contribution = make_contribution_service();
  return s;
}

bool parse_size(const std::string& s, int& w, int& h) {
  return std::sscanf(s.c_str(), "%dx%d", &w, &h) == 2 && w >= 320 && h >= 240 && w <= 8192 && h <= 8192;
}

std::string last_glfw_error() {
  const char* d = nullptr;
  glfwGetError(&d);
  return d ? d : "unknown GLFW error";
}

int no_display(const std::string& why) {
  std::fprintf(stderr,
               "mambascope-gui: cannot open a window: %s\n"
               "  fix: run it on a desktop session, or under a virtual display: xvfb-run -a mambascope-gui ...\n"
               "       (Debian packages xvfb, xauth, libgl1-mesa-dri); without a display use the CLI: "
               "`mambascope info`, `mambascope bench-op ...`\n",
               why.c_str());
  return 2;
}

// Whether this frame saw the user do anything: then a few more frames run at full rate, so that a click's
// release, a double-click's second press and the popups they open are drawn without waiting.
bool had_input(const ImGuiIO& io) {
  if (io.MouseDelta.x != 0 || io.MouseDelta.y != 0 || io.MouseWheel != 0 || io.MouseWheelH != 0 || io.InputQueueCharacters.Size)
    return true;
  for (bool down : io.MouseDown)
    if (down) return true;
  for (bool down : io.KeysDown)
    if (down) return true;
  return false;
}

void drop_callback(GLFWwindow* w, int count, const char** paths) {
  auto* dropped = static_cast<std::vector<std::string>*>(glfwGetWindowUserPointer(w));
  for (int i = 0; i < count; ++i) dropped->push_back(paths[i]);
}

// Writes the pending captures whose wait is over from the just-rendered back buffer.
void process_captures(GuiContext& ctx, GLFWwindow* window) {
  int fb_w = 0, fb_h = 0, win_w = 0, win_h = 0;
  glfwGetFramebufferSize(window, &fb_w, &fb_h);
  glfwGetWindowSize(window, &win_w, &win_h);
  const float sx = win_w > 0 ? static_cast<float>(fb_w) / static_cast<float>(win_w) : 1.f;
  const float sy = win_h > 0 ? static_cast<float>(fb_h) / static_cast<float>(win_h) : 1.f;
  for (auto it = ctx.captures.begin(); it != ctx.captures.end();) {
    if (it->wait_frames-- > 0) {
      ++it;
      continue;
    }
    try {
      const RgbaImage img = read_framebuffer(static_cast<int>(it->x * sx), static_cast<int>(it->y * sy), static_cast<int>(it->w * sx),
                                             static_cast<int>(it->h * sy), fb_w, fb_h);
      write_png(it->path, img);
      ctx.notify("wrote " + it->path);
    } catch (const std::exception& e) {
      ctx.notify(e.what(), true);
    }
    it = ctx.captures.erase(it);
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  CLI::App cli{"mambascope-gui: curves, memory, scan paths, kernel timelines and chat of mambascope runs"};
  cli.add_option("files", opt.files, "profiles, traces or images to open (by content and extension)");
  cli.add_option("--screenshot", opt.screenshot, "render a panel in a hidden window, write this PNG and exit");
  cli.add_option("--panel", opt.panel, "panel to show: curves, memory, scan, timeline, models, chat")
      ->check(CLI::IsMember({"curves", "memory", "scan", "timeline", "models", "chat"}));
  cli.add_option("--model", opt.model, "Models and Chat panels: the model (a preset, a checkpoint under assets/models/, or a directory)");
  cli.add_option("--patch", opt.patch, "Scan panel's --screenshot: the output patch whose contribution map is drawn (default the centre)");
  cli.add_option("--profile", opt.profiles, "profile JSON to open (repeatable)");
  cli.add_option("--trace", opt.trace, "kernel trace (Chrome trace JSON) for the Timeline panel");
  cli.add_option("--image", opt.image, "image for the Scan panel (the Chat panel's with --panel chat)");
  cli.add_option("--prompt", opt.chat_prompt, "Chat panel: ask this once the image is loaded (with --screenshot: the answer is in the frame)");
  cli.add_option("--size", opt.size, "window size WxH (default 1600x1000)");
  cli.add_option("--scan-set", opt.scan_set, "Scan panel's orders: cross, bidirectional, row, col, ... (default cross)");
  cli.add_option("--scan-step", opt.scan_fraction, "Scan panel's step as a fraction of the path for --screenshot (default 0.4)")
      ->check(CLI::Range(0.0, 1.0));
  cli.add_option("--scale", opt.scale, "UI scale (default: the monitor's content scale)")->check(CLI::Range(0.5, 4.0));
  CLI11_PARSE(cli, argc, argv);

  int width = 0, height = 0;
  if (!parse_size(opt.size, width, height)) {
    std::fprintf(stderr, "mambascope-gui: --size %s: expected WxH between 320x240 and 8192x8192, e.g. 1600x1000\n", opt.size.c_str());
    return 1;
  }
  const bool screenshot = !opt.screenshot.empty();
  const char* display = std::getenv("DISPLAY");
  const char* wayland = std::getenv("WAYLAND_DISPLAY");
  if ((!display || !*display) && (!wayland || !*wayland)) return no_display("no display (DISPLAY and WAYLAND_DISPLAY are not set)");

  glfwSetErrorCallback([](int, const char*) {});  // errors are read with glfwGetError where they matter
  if (!glfwInit()) return no_display("GLFW could not connect to the display: " + last_glfw_error());
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 0);
  glfwWindowHint(GLFW_SCALE_TO_MONITOR, GLFW_TRUE);
  if (screenshot) glfwWindowHint(GLFW_VISIBLE, GLFW_FALSE);
  GLFWwindow* window = glfwCreateWindow(width, height, "mambascope", nullptr, nullptr);
  if (!window) {
    const std::string why = last_glfw_error();
    glfwTerminate();
    return no_display("no OpenGL 3 window: " + why);
  }
  glfwMakeContextCurrent(window);
  glfwSwapInterval(screenshot ? 0 : 1);
  std::vector<std::string> dropped;
  glfwSetWindowUserPointer(window, &dropped);
  glfwSetDropCallback(window, drop_callback);

  float scale = opt.scale;
  if (scale <= 0) {
    float sx = 1, sy = 1;
    glfwGetWindowContentScale(window, &sx, &sy);
    scale = std::max(1.f, std::max(sx, sy));
  }

  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGui::GetIO().IniFilename = nullptr;  // the layout is fixed: nothing worth saving
  const Fonts fonts = load_fonts(scale);
  apply_style(scale);
  ImGui_ImplGlfw_InitForOpenGL(window, true);
  ImGui_ImplOpenGL3_Init("#version 130");

  GuiContext ctx;
  ctx.services = make_services();
  ctx.scale = scale;
  ctx.bold = fonts.bold;
  ctx.screenshot_mode = screenshot;
  if (!fonts.packaged) ctx.notify("DejaVu Sans not found (Debian: fonts-dejavu-core): using ImGui's built-in font");

  AppState app;
  int exit_code = 0;
  std::vector<std::string> to_open = opt.files;
  to_open.insert(to_open.end(), opt.profiles.begin(), opt.profiles.end());
  if (!opt.trace.empty()) to_open.push_back(opt.trace);
  if (!opt.image.empty()) to_open.push_back(opt.image);
  if (cli.count("--panel")) app.panel = *parse_panel(opt.panel);  // images go to the panel asked for
  if (!opt.model.empty()) app.chat.model = opt.model;
  if (!opt.chat_prompt.empty()) send_chat_prompt(app.chat, opt.chat_prompt);
  if (!to_open.empty()) open_paths(app, to_open);
  if (!opt.scan_set.empty() && !select_scan_set(app.scan, opt.scan_set)) {
    std::fprintf(stderr, "mambascope-gui: --scan-set %s: not a scan set the Scan panel offers (cross, bidirectional, row, "
                         "row_rev, col, col_rev, snake_row, snake_col)\n", opt.scan_set.c_str());
    exit_code = 1;
    app.quit = true;
  }
  if (!opt.model.empty() && !select_model(app.models, opt.model)) {
    app.models.choices.push_back({opt.model + " (checkpoint)", opt.model, false});
    app.models.choice = static_cast<int>(app.models.choices.size()) - 1;
  }
  // Without --panel the files opened choose it (an image shows the Scan panel); a screenshot shows --panel.
  if (screenshot || cli.count("--panel")) app.panel = *parse_panel(opt.panel);
  // A Scan screenshot with an image draws the contribution map of --patch (computed once the image is in).
  // Only the Scan panel starts that job, so any other panel's screenshot would wait for it forever.
  app.scan.output_token = opt.patch;
  app.scan.auto_contribution =
      screenshot && app.panel == Panel::Scan && !opt.image.empty() && ctx.services.contribution != nullptr;
  app.select_panel = true;

  // Screenshot mode: frames until every load is done, a few more for the layout to settle, then capture.
  int settle = 0, frames = 0, busy_frames = 0;
  const auto started = std::chrono::steady_clock::now();
  while (!glfwWindowShouldClose(window) && !app.quit) {
    if (screenshot || ctx.animating || ctx.capture_pending() || busy_frames > 0) glfwPollEvents();
    else glfwWaitEventsTimeout(0.25);  // idle: wake on input, or for the status bar's refresh
    if (!dropped.empty()) {
      open_paths(app, dropped);
      dropped.clear();
    }
    if (glfwGetKey(window, GLFW_KEY_Q) == GLFW_PRESS &&
        (glfwGetKey(window, GLFW_KEY_LEFT_CONTROL) == GLFW_PRESS || glfwGetKey(window, GLFW_KEY_RIGHT_CONTROL) == GLFW_PRESS))
      app.quit = true;

    ImGui_ImplOpenGL3_NewFrame();
    ImGui_ImplGlfw_NewFrame();
    if (screenshot) {
      ImGui::GetIO().MousePos = {-FLT_MAX, -FLT_MAX};  // no hover effects in a screenshot
      const int n = app.scan.rows * app.scan.cols;
      app.scan.step = opt.scan_fraction * static_cast<float>(n - 1);
    }
    ImGui::NewFrame();
    busy_frames = had_input(ImGui::GetIO()) ? 6 : std::max(0, busy_frames - 1);
    draw_app(app, ctx);
    ImGui::Render();
    int fb_w = 0, fb_h = 0;
    glfwGetFramebufferSize(window, &fb_w, &fb_h);
    glViewport(0, 0, fb_w, fb_h);
    glClearColor(0.08f, 0.085f, 0.095f, 1.f);
    glClear(GL_COLOR_BUFFER_BIT);
    ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
    process_captures(ctx, window);

    if (screenshot) {
      ++frames;
      settle = app_busy(app) ? 0 : settle + 1;
      const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      if (settle >= 4 || waited > 60) {
        if (waited > 60) std::fprintf(stderr, "mambascope-gui: inputs still loading after 60 s; capturing anyway\n");
        for (const Notice& n : ctx.notices)
          if (n.error) std::fprintf(stderr, "mambascope-gui: %s\n", n.text.c_str());
        try {
          write_png(opt.screenshot, read_framebuffer(0, 0, fb_w, fb_h, fb_w, fb_h));
          std::printf("wrote %s (%dx%d, panel %s, %d frames)\n", opt.screenshot.c_str(), fb_w, fb_h, opt.panel.c_str(), frames);
        } catch (const Error& e) {
          std::fprintf(stderr, "mambascope-gui: %s\n", e.what());
          exit_code = 1;
        }
        break;
      }
      if (app_busy(app)) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    glfwSwapBuffers(window);
  }

  release_app(app);
  ImGui_ImplOpenGL3_Shutdown();
  ImGui_ImplGlfw_Shutdown();
  ImGui::DestroyContext();
  glfwDestroyWindow(window);
  glfwTerminate();
  return exit_code;
}
