#pragma once
// Which patches an output of ML-Mamba's scan connector reads from: the implicit attention of the Mamba-2 SSD.
// Unrolling the recurrence h_t = exp(dt_t A) h_{t-1} + dt_t x_t B_t^T, y_t = h_t C_t + D x_t (per head, from a
// zero state) gives y_t = sum_{s<=t} alpha[t,s] x_s + D x_t with
//   alpha[t,s] = (C_t . B_s) * exp(sum_{r=s+1..t} A dt_r) * dt_s,
// the weights a materialised attention would use. For an output patch, each scan direction's alpha row (at
// that patch's step in the direction's order) is mapped back through the order to the patch grid; heads are
// aggregated as the mean of |alpha| (signs differ between heads and would cancel; the magnitude says where a
// head reads from), and directions are combined as the connector combines them, by their mean.
// CPU (host f32) analysis on the traced inputs, whatever device the model runs on.
#include <cstdint>
#include <string>
#include <vector>

#include "engine/model/connector_trace.h"

namespace mambascope {

// alpha[t, s] of head `h` for s = 0..L-1 (zero for s > t), from the mixer's SSD inputs.
std::vector<float> ssd_attention_row(const Mamba2SsdInputs& in, int64_t t, int64_t h);

struct DirectionContribution {
  std::string order;       // scan order name
  int64_t step = 0;        // the output patch's step in this order
  std::vector<float> map;  // rows*cols, row-major patch order: mean over heads of |alpha| (or one head's alpha)
};

struct Contribution {
  int64_t rows = 0, cols = 0;
  int64_t patch = 0;        // the output patch (row-major)
  int64_t layer = 0, heads = 0;
  int64_t head = -1;        // -1: mean of |alpha| over heads; else that head's signed alpha
  std::string scan_set;
  std::vector<DirectionContribution> directions;
  std::vector<float> combined;  // mean over directions
  std::string description;      // one line for UIs and the CLI
};

// The contribution map of output patch `patch` from a trace (head -1 aggregates heads, see above).
Contribution patch_contribution(const ConnectorTrace& trace, int64_t patch, int64_t head = -1);

// Traces `model` (an ML-Mamba) on `pixels` at connector layer `layer` and maps output patch `patch`.
Contribution compute_contribution(const Model& model, const Tensor& pixels, int64_t patch, int64_t layer = 0, int64_t head = -1);

}  // namespace mambascope
