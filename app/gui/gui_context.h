#pragma once
// What every panel function gets besides its own state: the engine seams, the HiDPI scale, the fonts, and
// the app's queues that a panel fills during a frame (PNG captures of a screen rectangle, notices for the
// status bar). Owned by main(); no globals.
#include <string>
#include <vector>

#include "app/gui/services.h"

struct ImFont;

namespace mambascope::gui {

struct CaptureRequest {
  float x = 0, y = 0, w = 0, h = 0;  // in ImGui coordinates (points); the app converts to framebuffer pixels
  std::string path;
  int wait_frames = 2;  // lets the popup that asked for it close first
};

struct Notice {
  std::string text;
  bool error = false;
};

struct GuiContext {
  GuiServices services;
  float scale = 1;            // the monitor's content scale: fonts and sizes are multiplied by it
  ImFont* bold = nullptr;     // titles (the regular font when the bold one is missing)
  std::vector<CaptureRequest> captures;
  std::vector<Notice> notices;  // newest last
  std::string job_line;         // the running job for the status bar, set by panels each frame
  double job_fraction = -1;     // its progress, or -1
  bool animating = false;       // a panel needs frames without input this frame (playback, jobs)
  bool screenshot_mode = false;

  bool capture_pending() const { return !captures.empty(); }
  void notify(std::string text, bool error = false) {
    if (notices.size() >= 200) notices.erase(notices.begin());  // the status bar shows the last few
    notices.push_back({std::move(text), error});
  }
};

// Sizes in the UI are written for a 1x display; S(ctx, 8) is 8 points scaled for this monitor.
inline float S(const GuiContext& ctx, float v) { return v * ctx.scale; }

}  // namespace mambascope::gui
