#include "app/gui/app.h"

#include <algorithm>
#include <cctype>
#include <fstream>

#include <imgui.h>

namespace mambascope::gui {

namespace {

std::string lower_extension(const std::string& path) {
  const size_t dot = path.find_last_of('.');
  std::string e = dot == std::string::npos ? "" : path.substr(dot);
  std::transform(e.begin(), e.end(), e.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return e;
}

// A Chrome trace names "traceEvents" near its start or is a bare array; a profile is an object with "schema".
bool looks_like_trace(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::string head(4096, '\0');
  f.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<size_t>(f.gcount()));
  const size_t first = head.find_first_not_of(" \t\r\n");
  return head.find("\"traceEvents\"") != std::string::npos || (first != std::string::npos && head[first] == '[');
}

void draw_help(AppState& app) {
  if (!app.show_help) return;
  ImGui::SetNextWindowSize({ImGui::GetFontSize() * 34, 0}, ImGuiCond_Appearing);
  if (!ImGui::Begin("Mouse and keys", &app.show_help, ImGuiWindowFlags_NoCollapse)) {
    ImGui::End();
    return;
  }
  ImGui::TextUnformatted("Plots (Curves)");
  ImGui::BulletText("hover: exact values of the nearest point (and a paper value's source)");
  ImGui::BulletText("left-drag: zoom to the rectangle (flat: x only, thin: y only)");
  ImGui::BulletText("wheel: zoom about the cursor; over an axis: that axis only");
  ImGui::BulletText("right-drag: pan;  double-click: fit");
  ImGui::BulletText("right-click: log axes, series, export PNG / CSV");
  ImGui::BulletText("sidebar legend: click a series to hide it in every plot");
  ImGui::TextUnformatted("Timeline");
  ImGui::BulletText("wheel: zoom time;  Shift+wheel: scroll lanes");
  ImGui::BulletText("left-drag: zoom to a time range;  right-drag: pan;  double-click: fit");
  ImGui::BulletText("click a kernel: select it;  click a table row: highlight that op");
  ImGui::TextUnformatted("Files");
  ImGui::BulletText("drop profiles, traces or images on the window");
  ImGui::End();
}

void draw_menu(AppState& app, GuiContext& ctx) {
  if (!ImGui::BeginMenuBar()) return;
  if (ImGui::BeginMenu("File")) {
    if (ImGui::MenuItem("Open profiles...")) {
      open_file_dialog(app.profiles.dialog, "Open profiles", {".json"}, true);
      app.panel = Panel::Curves;
      app.select_panel = true;
    }
    if (ImGui::MenuItem("Open trace...")) {
      open_file_dialog(app.timeline.dialog, "Open trace", {".json"}, false);
      app.panel = Panel::Timeline;
      app.select_panel = true;
    }
    if (ImGui::MenuItem("Open image...")) {
      open_file_dialog(app.scan.dialog, "Open image", {".png", ".jpg", ".jpeg", ".bmp", ".gif"}, false);
      app.panel = Panel::Scan;
      app.select_panel = true;
    }
    ImGui::Separator();
    if (ImGui::MenuItem("Save screenshot...")) open_save_dialog(app.screenshot_dialog, "Save screenshot", "mambascope-gui.png");
    ImGui::Separator();
    if (ImGui::MenuItem("Quit", "Ctrl+Q")) app.quit = true;
    ImGui::EndMenu();
  }
  if (ImGui::BeginMenu("Help")) {
    ImGui::MenuItem("Mouse and keys", nullptr, &app.show_help);
    ImGui::EndMenu();
  }
  ImGui::EndMenuBar();
  const std::string shot = draw_save_dialog(app.screenshot_dialog);
  if (!shot.empty()) {
    const ImGuiViewport* vp = ImGui::GetMainViewport();
    ctx.captures.push_back({vp->Pos.x, vp->Pos.y, vp->Size.x, vp->Size.y, shot});
  }
}

}  // namespace

std::optional<Panel> parse_panel(const std::string& name) {
  if (name == "curves") return Panel::Curves;
  if (name == "memory") return Panel::Memory;
  if (name == "scan") return Panel::Scan;
  if (name == "timeline") return Panel::Timeline;
  if (name == "models") return Panel::Models;
  if (name == "chat") return Panel::Chat;
  return std::nullopt;
}

void open_paths(AppState& app, const std::vector<std::string>& paths) {
  std::vector<std::string> profiles;
  for (const std::string& p : paths) {
    const std::string ext = lower_extension(p);
    if ((ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".bmp" || ext == ".gif") && app.panel == Panel::Chat) {
      set_chat_image(app.chat, p);
    } else if (ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".bmp" || ext == ".gif") {
      load_scan_image_async(app.scan, p);
      app.panel = Panel::Scan;
    } else if (looks_like_trace(p)) {
      load_trace_async(app.timeline, p);
      app.panel = Panel::Timeline;
    } else {
      profiles.push_back(p);  // anything else is read as a profile; a wrong file says why in the sidebar
    }
  }
  if (!profiles.empty()) {
    load_profiles_async(app.profiles, profiles);
    if (app.panel != Panel::Memory) app.panel = Panel::Curves;
  }
  app.select_panel = true;
}

bool app_busy(const AppState& app) {
  return profiles_busy(app.profiles) || app.scan.loading || app.timeline.loading || status_busy(app.status) ||
         app.scan.contribution_job || app.scan.auto_contribution || models_busy(app.models) || chat_busy(app.chat);
}

void draw_app(AppState& app, GuiContext& ctx) {
  ctx.job_line.clear();
  ctx.job_fraction = -1;
  ctx.animating = false;
  // Loads finish whichever panel shows (a drop or the File menu starts them from anywhere).
  poll_profile_loads(app.profiles, ctx);
  poll_sweep(app.curves, app.profiles, ctx);
  poll_scan_jobs(app.scan, ctx);
  poll_models_jobs(app.models, ctx);
  poll_trace_load(app.timeline, ctx);
  poll_chat(app.chat, ctx);

  const ImGuiViewport* vp = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(vp->WorkPos);
  ImGui::SetNextWindowSize(vp->WorkSize);
  const ImGuiWindowFlags flags = ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings |
                                 ImGuiWindowFlags_MenuBar | ImGuiWindowFlags_NoBringToFrontOnFocus;
  ImGui::Begin("mambascope", nullptr, flags);
  draw_menu(app, ctx);

  const float status_h = ImGui::GetFrameHeightWithSpacing() + ImGui::GetStyle().ItemSpacing.y;
  if (ImGui::BeginTabBar("panels")) {
    struct Tab {
      const char* name;
      Panel panel;
    };
    for (const Tab& t : {Tab{"Curves", Panel::Curves}, Tab{"Memory", Panel::Memory}, Tab{"Scan", Panel::Scan},
                         Tab{"Timeline", Panel::Timeline}, Tab{"Models", Panel::Models}, Tab{"Chat", Panel::Chat}}) {
      const ImGuiTabItemFlags f = app.select_panel && app.panel == t.panel ? ImGuiTabItemFlags_SetSelected : 0;
      if (!ImGui::BeginTabItem(t.name, nullptr, f)) continue;
      if (!app.select_panel) app.panel = t.panel;
      ImGui::BeginChild("panel", {0, -status_h}, false, ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse);
      switch (t.panel) {
        case Panel::Curves: draw_curves_panel(app.curves, app.profiles, ctx); break;
        case Panel::Memory: draw_memory_panel(app.memory, app.profiles, ctx); break;
        case Panel::Scan: draw_scan_panel(app.scan, ctx); break;
        case Panel::Timeline: draw_timeline_panel(app.timeline, ctx); break;
        case Panel::Models: draw_models_panel(app.models, ctx); break;
        case Panel::Chat: draw_chat_panel(app.chat, ctx); break;
      }
      ImGui::EndChild();
      ImGui::EndTabItem();
    }
    ImGui::EndTabBar();
    app.select_panel = false;
  }
  draw_status_bar(app.status, ctx);
  ImGui::End();
  draw_help(app);
}

void release_app(AppState& app) {
  release_scan_state(app.scan);
  release_chat_state(app.chat);
  app.timeline.loading.reset();
  app.profiles.loading.clear();
  app.status.query.reset();
}

}  // namespace mambascope::gui
