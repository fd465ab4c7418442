#pragma once
// Timeline panel: the GPU kernels of a traced step (engine/profile/trace.h, Chrome trace JSON) as a
// zoomable lane chart in the style of Tracy / Nsight Systems, lanes by layer and op; hover shows the kernel's
// name, duration, grid/block, registers, shared memory and achieved GB/s; a table gives the time per op
// type (click a row to highlight its kernels).
// Mouse: wheel zooms time about the cursor (Shift+wheel scrolls lanes), left-drag selects a time range to
// zoom to, right- or middle-drag pans, double-click fits, click selects a kernel.
#include <memory>
#include <string>
#include <vector>

#include "app/gui/file_dialog.h"
#include "app/gui/gui_context.h"
#include "app/gui/job.h"
#include "app/gui/timeline_data.h"

namespace mambascope::gui {

struct TimelineState {
  std::string path;
  Trace trace;
  std::unique_ptr<Job<Trace>> loading;
  std::string error;
  FileDialogState dialog;
  LaneGrouping grouping = LaneGrouping::LayerAndOp;
  // Derived from the trace, rebuilt when it or the grouping changes.
  TimelineLayout layout;
  std::vector<OpTotal> totals;
  std::vector<std::string> ops;  // colour order
  int layout_for = -1;           // the grouping `layout` was built for; -1: stale
  // The visible time window in ms from the first kernel's start.
  bool fit = true;
  double view_lo_ms = 0, view_hi_ms = 1;
  bool selecting = false;
  float select_from_x = 0;
  int selected = -1;          // a kernel index
  std::string highlight_op;   // from the table; empty: none
};

void load_trace_async(TimelineState& s, const std::string& path);
// Shows a trace made in the app (the CUPTI collector's, once it exists).
void set_trace(TimelineState& s, Trace t, const std::string& label);
// Takes a finished load or its error; call once a frame.
void poll_trace_load(TimelineState& s, GuiContext& ctx);
void draw_timeline_panel(TimelineState& s, GuiContext& ctx);

}  // namespace mambascope::gui
