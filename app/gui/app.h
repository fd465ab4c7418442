#pragma once
// The whole window: menu bar, one tab per panel, status bar. AppState holds every panel's state; main()
// owns it and the GuiContext and runs the frame loop (app/gui/main.cpp).
#include <optional>
#include <string>
#include <vector>

#include "app/gui/file_dialog.h"
#include "app/gui/gui_context.h"
#include "app/gui/panel_chat.h"
#include "app/gui/panel_curves.h"
#include "app/gui/panel_memory.h"
#include "app/gui/panel_models.h"
#include "app/gui/panel_profiles.h"
#include "app/gui/panel_scan.h"
#include "app/gui/panel_timeline.h"
#include "app/gui/status_bar.h"

namespace mambascope::gui {

enum class Panel { Curves, Memory, Scan, Timeline, Models, Chat };
std::optional<Panel> parse_panel(const std::string& name);  // "curves", "memory", "scan", "timeline", "models", "chat"

struct AppState {
  Panel panel = Panel::Curves;
  bool select_panel = true;  // make the tab bar show `panel` on the next frame
  ProfilesState profiles;
  CurvesState curves;
  MemoryState memory;
  ScanState scan;
  TimelineState timeline;
  ModelsState models;
  ChatPanelState chat;
  StatusState status;
  SaveDialogState screenshot_dialog;
  bool show_help = false;
  bool quit = false;
};

// Opens files by kind: images go to the Scan panel (to the Chat panel while it shows), Chrome traces to the Timeline, other JSON as profiles.
void open_paths(AppState& app, const std::vector<std::string>& paths);
// True while files load or the device is being queried (screenshots wait for it).
bool app_busy(const AppState& app);
void draw_app(AppState& app, GuiContext& ctx);
// Frees GL resources; call before the GL context goes away.
void release_app(AppState& app);

}  // namespace mambascope::gui
