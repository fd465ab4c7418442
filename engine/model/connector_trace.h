#pragma once
// What ML-Mamba's scan connector does with one image, opened up for analysis (engine/scan/contribution.h, the
// GUI's Scan panel): for one connector layer, each scan direction's order and the inputs its Mamba-2 mixer hands
// the SSD scan, with the scan's own output to check an analysis against.
#include <string>
#include <vector>

#include "engine/model/layers/mamba2_mixer.h"
#include "engine/model/model.h"

namespace mambascope {

struct ConnectorDirection {
  std::string order;          // the scan order's name ("row", "col_rev", ...)
  std::vector<int32_t> perm;  // step -> patch index (row-major)
  Mamba2SsdInputs ssd;        // the mixer's SSD inputs over the sequence in this order
  std::vector<float> y;       // the mixer's SSD output in this order (before gate and norm) [L, d_inner]
};

struct ConnectorTrace {
  int64_t layer = 0, layers = 0;  // the traced connector layer of `layers`
  int64_t rows = 0, cols = 0;     // patch grid
  std::string scan_set;           // the connector's scan set ("bidirectional", "cross", ...)
  std::vector<ConnectorDirection> directions;  // combined by the connector as their mean
};

// Runs `model` (an ML-Mamba) on `pixels` (as embed_image takes them) up to connector layer `layer` and traces it.
// Throws Error when the model is not an ML-Mamba or `layer` is out of range.
ConnectorTrace trace_connector(const Model& model, const Tensor& pixels, int64_t layer);

}  // namespace mambascope
