#include "app/gui/contribution_service.h"

#include <cmath>
#include <filesystem>
#include <memory>
#include <mutex>

#include "engine/core/error.h"
#include "engine/image/image.h"
#include "engine/image/preprocess.h"
#include "engine/model/model.h"
#include "engine/model/safetensors.h"
#include "engine/model/weights.h"
#include "engine/scan/contribution.h"

namespace mambascope::gui {

namespace {

// The ML-Mamba config a request runs: a preset with the request's scan set and a grid of its rows (random
// weights have no trained size to keep), or a checkpoint's own config.
ModelConfig request_config(const ContributionRequest& r) {
  ModelConfig c;
  if (is_preset(r.model)) {
    c = preset_config(r.model);
    if (c.family != ModelFamily::MLMamba) throw Error("preset " + r.model + " has no scan connector", "Scan panel", "model", "choose an ML-Mamba");
    if (r.grid_rows != r.grid_cols)
      throw Error("ML-Mamba's patch grid is square, the panel's is " + std::to_string(r.grid_rows) + "x" + std::to_string(r.grid_cols),
                  "Scan panel", "grid", "set rows and columns equal");
    c.mlm.scan = r.scan_set;
    c.mlm.dino.image_size = c.mlm.siglip.image_size = c.mlm.dino.patch * r.grid_rows;
    c.name = r.model;
  } else {
    c = load_model_config((std::filesystem::path(r.model) / "config.json").string());
    c.name = r.model;
    if (c.family != ModelFamily::MLMamba) throw Error("model is not an ML-Mamba: it has no scan connector", r.model, "model_type");
  }
  return c;
}

}  // namespace

ContributionFn make_contribution_service() {
  struct Loaded {
    std::mutex mutex;
    std::string key;
    std::shared_ptr<const Model> model;
  };
  auto loaded = std::make_shared<Loaded>();
  return [loaded](const ContributionRequest& r, JobProgress& progress) {
    if (r.image_path.empty()) throw Error("no image is open", "Scan panel", "image", "open an image first (Open image... or --image)");
    const ModelConfig c = request_config(r);
    const bool preset = is_preset(r.model);
    const std::string key = r.model + "|" + c.mlm.scan + "|" + std::to_string(c.mlm.dino.image_size);
    std::shared_ptr<const Model> model;
    {
      std::lock_guard<std::mutex> lock(loaded->mutex);
      if (loaded->key != key) {
        progress.report(0.05, "building " + r.model + " on the CPU");
        loaded->model.reset();
        loaded->model = preset ? make_model(c, WeightStore::random(c, 0, Device::Cpu, DType::F32))
                               : make_model(c, WeightStore::load(c, Checkpoint::open(r.model), Device::Cpu, DType::F32));
        loaded->key = key;
      }
      model = loaded->model;
    }
    if (progress.cancelled()) throw Error("cancelled", "Scan panel", "contribution");
    progress.report(0.4, "preprocessing the image");
    const Tensor pixels = stack_mlmamba_pixels(preprocess_mlmamba(load_image(r.image_path), static_cast<int>(c.mlm.dino.image_size)));
    progress.report(0.5, "tracing connector layer " + std::to_string(r.layer));
    // A checkpoint's grid is its own: the request's patch maps to the patch under the same place of the image.
    const int64_t g = c.mlm.grid();
    int64_t patch = r.output_token;
    if (g != r.grid_rows || g != r.grid_cols)
      patch = (r.output_token / r.grid_cols) * g / r.grid_rows * g + (r.output_token % r.grid_cols) * g / r.grid_cols;
    const Contribution k = compute_contribution(*model, pixels, patch, r.layer, r.head);
    ContributionMap m;
    m.rows = static_cast<int>(k.rows);
    m.cols = static_cast<int>(k.cols);
    m.values = k.combined;
    m.patch = static_cast<int>(k.patch);
    m.description = k.description + "; " + r.model + (preset ? " with random weights (seed 0), " + std::to_string(c.mlm.dino.image_size) + " px" : "") +
                    ", CPU f32";
    for (const DirectionContribution& d : k.directions) {
      m.direction_names.push_back(d.order);
      m.directions.push_back(d.map);
    }
    if (r.head >= 0) {  // one head's alpha is signed; the map shows magnitudes (the seam's maps are non-negative)
      for (float& v : m.values) v = std::fabs(v);
      for (std::vector<float>& d : m.directions)
        for (float& v : d) v = std::fabs(v);
      m.description += " (|alpha| shown)";
    }
    progress.report(1.0, "done");
    return m;
  };
}

}  // namespace mambascope::gui
