#pragma once
// Scan panel: an image with its patch grid (27x27 by default) and the connector's 2D scan orders
// (engine/scan/scan_order.h: cross, bidirectional, single orders) drawn as animated paths with a scrubber,
// play/pause, one view per direction or all overlaid. The per-patch contribution heat map appears when the
// contribution seam (services.h) is wired.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/gui/file_dialog.h"
#include "app/gui/gl_util.h"
#include "app/gui/gui_context.h"
#include "app/gui/job.h"
#include "engine/scan/scan_order.h"

namespace mambascope::gui {

struct ScanState {
  // The image (an OpenGL texture; the pixels are not kept).
  std::string image_path;
  GlTexture texture;
  std::unique_ptr<Job<RgbaImage>> loading;
  std::string error;
  FileDialogState dialog;
  // The grid and the orders drawn on it.
  int rows = 27, cols = 27;
  int set_index = 0;  // into kScanSetNames (scan_panel.cpp)
  std::vector<ScanOrder> orders;
  std::string orders_key;  // what `orders` were made for
  std::vector<bool> shown;
  bool per_direction = true;
  bool show_grid = true;
  // Playback: the step every path has reached.
  float step = 0;
  bool playing = false;
  float steps_per_second = 60;
  int trail = 0;  // steps drawn behind the head; 0: the whole path so far
  // The contribution heat map (only with services.contribution).
  int output_token = 0;
  bool show_heat = true;
  std::unique_ptr<Job<ContributionMap>> contribution_job;
  std::optional<ContributionMap> contribution;
};

void load_scan_image_async(ScanState& s, const std::string& path);
// Chooses the orders by set name ("cross", "bidirectional", "row", ...); false for a name the panel lacks.
bool select_scan_set(ScanState& s, const std::string& name);
// Takes a finished image load (uploads the texture on this, the GL thread) or contribution map, or their
// errors; call once a frame, whichever panel shows.
void poll_scan_jobs(ScanState& s, GuiContext& ctx);
// Frees the texture; call while the GL context still exists.
void release_scan_state(ScanState& s);
void draw_scan_panel(ScanState& s, GuiContext& ctx);

}  // namespace mambascope::gui
