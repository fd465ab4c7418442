#pragma once
// The profiles a user has opened in the GUI (several at once: GPUs or builds side by side), with the short
// labels legends use and the stable model colours every panel shares.
#include <cstdint>
#include <string>
#include <vector>

#include "engine/profile/profile.h"

namespace mambascope::gui {

struct LoadedProfile {
  std::string path;
  std::string label;  // short and unique among the loaded ones: "NVIDIA H100 80GB HBM3", "h100/2026-11-23"
  Profile profile;
  bool visible = true;
};

// Labels from each profile's GPU name, made unique with the file name where two would read the same.
void assign_labels(std::vector<LoadedProfile>& set);

// Whether `model` is the baseline that speed-ups and memory savings are relative to: the model named
// "transformer", or one whose family is "transformer" in its profile's model list.
bool is_baseline_model(const Profile& p, const std::string& model);

// Model names across the visible profiles in order of first appearance (the order of colours and legends).
std::vector<std::string> model_order(const std::vector<LoadedProfile>& set);

// A colour per series index that reads on the dark theme (Okabe-Ito based, colour-blind safe), packed ABGR.
uint32_t series_color(int index);

// Model names shortened for tight labels ("mmmamba-linear" stays; long checkpoint paths lose directories).
std::string short_model_name(const std::string& model);

}  // namespace mambascope::gui
