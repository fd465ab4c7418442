#pragma once
// The seams between the GUI and engines that land later. Each is a plain function the GUI calls on a
// worker thread (app/gui/job.h); while one is empty, the panel that needs it shows no control for it.
//
//   sweep         (benchmark issue)      Curves panel: run models x lengths, get a Profile back.
//   contribution  (models and sessions)  Scan panel: each patch's contribution to an output token.
//
// The lead wires them in app/gui/main.cpp (`make_services`), e.g.
//   services.sweep = [](const SweepRequest& r, JobProgress& p) { return run_sweep(r.models, r.lengths, ...); };
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "app/gui/job.h"
#include "engine/profile/profile.h"

namespace mambascope::gui {

struct SweepRequest {
  std::vector<std::string> models;  // preset names ("mmmamba-linear", "transformer", ...)
  std::vector<int64_t> lengths;     // prompt tokens
  std::string backend = "cuda";     // "cuda" or "cpu"
};
// Runs on a worker thread: reports progress, stops early when progress.cancelled(), throws Error on failure.
using SweepFn = std::function<Profile(const SweepRequest&, JobProgress&)>;

struct ContributionRequest {
  std::string image_path;
  int grid_rows = 27, grid_cols = 27;
  std::string scan_set = "cross";  // the connector's scan orders (engine/scan/scan_order.h)
  int output_token = 0;            // the connector output to explain: a patch index (row-major)
  std::string model = "tiny-ml-mamba";  // an ML-Mamba preset (random weights) or checkpoint directory
  int layer = 0;                   // connector layer
  int head = -1;                   // -1: mean of |alpha| over heads, else that one head's |alpha|
};
struct ContributionMap {
  int rows = 0, cols = 0;
  std::vector<float> values;  // rows*cols, row-major patch order, any non-negative scale
  std::string description;    // what was computed ("decay-weighted C·B, layer 12, token 3")
  std::vector<std::string> direction_names;   // per scan direction (may be empty)
  std::vector<std::vector<float>> directions; // rows*cols each; `values` is their mean
  int patch = -1;                             // the output patch explained, on this map's grid
};
using ContributionFn = std::function<ContributionMap(const ContributionRequest&, JobProgress&)>;

struct GuiServices {
  SweepFn sweep;
  std::vector<std::string> sweep_models;  // what the sweep can run (the model presets)
  ContributionFn contribution;
};

}  // namespace mambascope::gui
