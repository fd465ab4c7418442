#pragma once
// The status bar: the GPU and its memory in use (engine/core/cuda.h, queried on a worker thread every few
// seconds; "CPU backend" where there is no device), the running job with its progress, the latest notice.
#include <memory>
#include <string>

#include "app/gui/gui_context.h"
#include "app/gui/job.h"

namespace mambascope::gui {

struct DeviceStatus {
  std::string text;   // "NVIDIA H100 80GB HBM3 · 1.2 GiB of 79.1 GiB in use" or "CPU backend · no CUDA device"
  bool gpu = false;
};

// Never throws; runs the CUDA queries (which may take a while the first time).
DeviceStatus query_device_status();

struct StatusState {
  std::unique_ptr<Job<DeviceStatus>> query;
  DeviceStatus device;
  bool have_device_status = false;
  double next_query = 0;  // ImGui time of the next refresh
};

bool status_busy(const StatusState& s);
void draw_status_bar(StatusState& s, GuiContext& ctx);

}  // namespace mambascope::gui
