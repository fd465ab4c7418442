#pragma once
// Scan panel: an image with its patch grid (27x27 by default) and the connector's 2D scan orders
// (engine/scan/scan_order.h: cross, bidirectional, single orders) drawn as animated paths with a scrubber,
// play/pause, one view per direction or all overlaid; the contribution heat map of a clicked output patch
// (implicit SSM attention of ML-Mamba's connector, services.contribution) with a colour bar and
// per-direction toggles.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/gui/file_dialog.h"
#include "app/gui/gl_util.h"
#include "app/gui/gui_context.h"
#include "app/gui/job.h"
#include "app/gui/models_data.h"
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
  // The contribution heat map (only with services.contribution). Click a patch to choose the output.
  int output_token = -1;  // the output patch; -1: none chosen yet (the grid's centre when computing)
  bool show_heat = true;
  std::vector<ModelChoice> heat_models;  // ML-Mamba presets and checkpoints (listed on first use)
  int heat_model = 0;
  int layer = 0, head = -1;
  std::vector<bool> heat_directions;  // which directions the combined map averages (the contribution's order)
  bool auto_contribution = false;     // compute as soon as the image has loaded (screenshots)
  std::unique_ptr<Job<ContributionMap>> contribution_job;
  std::optional<ContributionMap> contribution;
};

// The map drawn for `order` ("" for the overlaid view): that direction's own map in a per-direction view,
// else the mean over the enabled directions; empty when there is none to draw.
std::vector<float> heat_values(const ScanState& s, const std::string& order);

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
