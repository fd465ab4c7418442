#include "app/gui/panel_timeline.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include <imgui.h>
#include <imgui_internal.h>  // SetItemUsingMouseWheel

#include "app/gui/plot_math.h"
#include "app/gui/plot_widget.h"
#include "app/gui/profile_set.h"
#include "app/gui/ui_common.h"

namespace mambascope::gui {

namespace {

using plot::Unit;

constexpr ImU32 kLaneBg[2] = {IM_COL32(24, 26, 30, 255), IM_COL32(30, 32, 37, 255)};
using colors::kGrid;
using colors::kText;

std::string ns_text(int64_t ns) { return plot::format_exact(static_cast<double>(ns) / 1e6, Unit::Milliseconds); }

std::string dims_text(const std::array<int, 3>& d) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "(%d, %d, %d)", d[0], d[1], d[2]);
  return buf;
}

uint32_t op_color_of(const TimelineState& s, const std::string& op) {
  const auto it = std::find(s.ops.begin(), s.ops.end(), op);
  return series_color(static_cast<int>(it - s.ops.begin()));
}

void kernel_tooltip(const TimelineState& s, const KernelRecord& k) {
  ImGui::BeginTooltip();
  ImGui::PushTextWrapPos(ImGui::GetFontSize() * 36);
  ImGui::TextUnformatted(k.name.c_str());
  ImGui::PopTextWrapPos();
  ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(op_color_of(s, k.op)), "op %s", k.op.c_str());
  ImGui::SameLine();
  ImGui::TextDisabled(k.layer < 0 ? "(no layer)" : "layer %d", k.layer);
  ImGui::Separator();
  ImGui::Text("duration  %s", ns_text(k.duration_ns()).c_str());
  ImGui::Text("start     +%s", ns_text(k.start_ns - s.layout.t0_ns).c_str());
  ImGui::Text("grid      %s", dims_text(k.grid).c_str());
  ImGui::Text("block     %s", dims_text(k.block).c_str());
  ImGui::Text("registers %d / thread   shared %s / block", k.registers,
              plot::format_exact(static_cast<double>(k.shared_bytes), Unit::Bytes).c_str());
  if (const std::optional<double> bw = k.achieved_GBps())
    ImGui::Text("achieved  %.0f GB/s (%s moved)", *bw, plot::format_exact(static_cast<double>(*k.bytes), Unit::Bytes).c_str());
  else
    ImGui::TextDisabled("achieved GB/s: no byte count recorded");
  ImGui::EndTooltip();
}

void rebuild(TimelineState& s) {
  s.layout = layout_timeline(s.trace, s.grouping);
  s.totals = op_totals(s.trace);
  s.ops = op_order(s.trace);
  s.layout_for = static_cast<int>(s.grouping);
}

void draw_lanes(TimelineState& s, ImVec2 size, GuiContext& ctx) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  ImGuiIO& io = ImGui::GetIO();
  const float fs = ImGui::GetFontSize(), pad = S(ctx, 5);
  const float row_h = fs + pad;
  float label_w = 0;
  for (const TimelineLane& l : s.layout.lanes) label_w = std::max(label_w, ImGui::CalcTextSize(l.label.c_str()).x);
  label_w = std::min(label_w + pad * 3, size.x * 0.35f);

  const ImVec2 p0 = ImGui::GetCursorScreenPos();
  const float axis_h = fs + pad * 2;
  const float scrollbar = ImGui::GetStyle().ScrollbarSize;
  const float left = p0.x + label_w, right = p0.x + size.x - scrollbar;
  const double span_ms = static_cast<double>(s.layout.t1_ns - s.layout.t0_ns) / 1e6;
  if (s.fit) {
    s.view_lo_ms = -span_ms * 0.01;
    s.view_hi_ms = span_ms * 1.01 + 1e-6;
  }
  const plot::AxisMap ax{{s.view_lo_ms, s.view_hi_ms}, plot::Scale::Linear, left, right};
  const std::vector<plot::Tick> ticks =
      plot::make_ticks(ax.range, plot::Scale::Linear, Unit::Milliseconds, std::max(2, static_cast<int>((right - left) / (fs * 6))));

  // The time axis, above the lanes.
  dl->AddRectFilled(p0, {p0.x + size.x, p0.y + axis_h}, IM_COL32(30, 32, 37, 255));
  dl->AddText({p0.x + pad, p0.y + pad}, IM_COL32(150, 154, 162, 255), "time from first kernel");
  dl->PushClipRect({left, p0.y}, {right, p0.y + axis_h}, true);
  for (const plot::Tick& t : ticks) {
    const float x = static_cast<float>(ax.to_px(t.value));
    dl->AddLine({x, p0.y + axis_h - pad}, {x, p0.y + axis_h}, kText);
    dl->AddText({x + 3, p0.y + pad * 0.6f}, kText, t.label.c_str());
  }
  dl->PopClipRect();
  ImGui::Dummy({size.x, axis_h});

  ImGui::BeginChild("lanes", {size.x, size.y - axis_h}, false, ImGuiWindowFlags_AlwaysVerticalScrollbar);
  ImDrawList* ldl = ImGui::GetWindowDrawList();
  const ImVec2 c0 = ImGui::GetCursorScreenPos();
  float total_h = 0;
  for (const TimelineLane& l : s.layout.lanes) total_h += static_cast<float>(l.rows) * row_h;
  const float view_h = ImGui::GetContentRegionAvail().y;
  ImGui::InvisibleButton("##lanes", {size.x - scrollbar, std::max(total_h, view_h)},
                         ImGuiButtonFlags_MouseButtonLeft | ImGuiButtonFlags_MouseButtonRight | ImGuiButtonFlags_MouseButtonMiddle);
  const bool hovered = ImGui::IsItemHovered(), active = ImGui::IsItemActive();
  if (hovered && !io.KeyShift) ImGui::SetItemUsingMouseWheel();
  const ImVec2 mouse = io.MousePos;

  // Grid lines from the axis ticks, then lanes.
  float y = c0.y;
  const KernelRecord* hover_kernel = nullptr;
  int hover_index = -1;
  for (size_t li = 0; li < s.layout.lanes.size(); ++li) {
    const TimelineLane& lane = s.layout.lanes[li];
    const float h = static_cast<float>(lane.rows) * row_h;
    ldl->AddRectFilled({c0.x, y}, {c0.x + size.x, y + h}, kLaneBg[li % 2]);
    ldl->PushClipRect({c0.x, y}, {left - pad, y + h}, true);
    ldl->AddText({c0.x + pad, y + pad * 0.5f}, kText, lane.label.c_str());
    ldl->PopClipRect();
    ldl->PushClipRect({left, y}, {right, y + h}, true);
    for (size_t ki = 0; ki < lane.kernels.size(); ++ki) {
      const int idx = lane.kernels[ki];
      const KernelRecord& k = s.trace.kernels[idx];
      float x0 = static_cast<float>(ax.to_px(static_cast<double>(k.start_ns - s.layout.t0_ns) / 1e6));
      float x1 = static_cast<float>(ax.to_px(static_cast<double>(k.end_ns - s.layout.t0_ns) / 1e6));
      if (x1 < left || x0 > right) continue;
      x1 = std::max(x1, x0 + 1.f);
      const float ry = y + static_cast<float>(lane.row_of[ki]) * row_h + 1;
      const bool dim = !s.highlight_op.empty() && k.op != s.highlight_op;
      const uint32_t col = op_color_of(s, k.op);
      ldl->AddRectFilled({x0, ry}, {x1, ry + row_h - 2}, with_alpha(col, dim ? 0.18f : 0.85f), 2);
      if (idx == s.selected) ldl->AddRect({x0 - 1, ry - 1}, {x1 + 1, ry + row_h - 1}, IM_COL32(255, 255, 255, 255), 2, 0, S(ctx, 1.5f));
      if (x1 - x0 > fs * 2) {
        ldl->PushClipRect({std::max(x0, left) + 2, ry}, {std::min(x1, right) - 2, ry + row_h - 2}, true);
        ldl->AddText({std::max(x0, left) + 3, ry + pad * 0.3f}, IM_COL32(15, 15, 18, dim ? 90 : 255), k.name.c_str());
        ldl->PopClipRect();
      }
      if (hovered && mouse.x >= x0 - 1 && mouse.x <= x1 + 1 && mouse.y >= ry && mouse.y < ry + row_h - 1) {
        hover_kernel = &k;
        hover_index = idx;
      }
    }
    for (const plot::Tick& t : ticks) {
      const float x = static_cast<float>(ax.to_px(t.value));
      ldl->AddLine({x, y}, {x, y + h}, kGrid);
    }
    ldl->PopClipRect();
    y += h;
  }
  ldl->AddLine({left, c0.y}, {left, std::max(y, c0.y + view_h)}, IM_COL32(90, 96, 108, 255));

  // Input: zoom, pan, range select, click select, fit.
  if (hovered && io.MouseWheel != 0 && !io.KeyShift) {
    const plot::Range r = plot::zoom_about(ax, mouse.x, std::pow(0.8, io.MouseWheel));
    s.view_lo_ms = r.lo;
    s.view_hi_ms = r.hi;
    s.fit = false;
  }
  if (active && (ImGui::IsMouseDragging(1) || ImGui::IsMouseDragging(2)) && io.MouseDelta.x != 0) {
    const plot::Range r = plot::pan_by(ax, io.MouseDelta.x);
    s.view_lo_ms = r.lo;
    s.view_hi_ms = r.hi;
    s.fit = false;
  }
  if (hovered && ImGui::IsMouseClicked(0)) {
    s.selecting = true;
    s.select_from_x = mouse.x;
  }
  if (hovered && ImGui::IsMouseDoubleClicked(0)) {
    s.fit = true;
    s.selecting = false;
  }
  if (s.selecting) {
    const float a = std::clamp(std::min(s.select_from_x, mouse.x), left, right);
    const float b = std::clamp(std::max(s.select_from_x, mouse.x), left, right);
    if (!ImGui::IsMouseDown(0)) {
      if (b - a > S(ctx, 5)) {
        const plot::Range r = plot::range_between(ax, a, b);
        s.view_lo_ms = r.lo;
        s.view_hi_ms = r.hi;
        s.fit = false;
      } else if (hovered) {
        s.selected = hover_index;  // a click: select the kernel under the cursor (or none)
      }
      s.selecting = false;
    } else if (b - a > S(ctx, 5)) {
      const float top = ImGui::GetWindowPos().y, bottom = top + ImGui::GetWindowHeight();
      ldl->AddRectFilled({a, top}, {b, bottom}, IM_COL32(120, 170, 255, 40));
      ldl->AddRect({a, top}, {b, bottom}, IM_COL32(120, 170, 255, 200));
      const std::string width = ns_text(static_cast<int64_t>((ax.to_value(b) - ax.to_value(a)) * 1e6));
      ldl->AddText({b + 4, mouse.y - fs}, IM_COL32(200, 220, 255, 255), width.c_str());
    }
  }
  if (hover_kernel && !s.selecting && !ctx.capture_pending()) kernel_tooltip(s, *hover_kernel);
  ImGui::EndChild();
}

void draw_op_table(TimelineState& s, GuiContext& ctx) {
  int64_t all = 0;
  for (const OpTotal& t : s.totals) all += t.total_ns;
  ImGui::Text("Time per op type: %s of kernel time in %zu kernels", ns_text(all).c_str(), s.trace.kernels.size());
  ImGui::SameLine();
  ImGui::TextDisabled("(click a row to highlight its kernels)");
  const ImGuiTableFlags flags = ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY | ImGuiTableFlags_SizingStretchProp;
  if (!ImGui::BeginTable("ops", 7, flags)) return;
  ImGui::TableSetupScrollFreeze(0, 1);
  ImGui::TableSetupColumn("op", ImGuiTableColumnFlags_WidthStretch, 2.2f);
  for (const char* c : {"calls", "total", "share", "mean", "max", "achieved GB/s"})
    ImGui::TableSetupColumn(c, ImGuiTableColumnFlags_WidthStretch, 1.f);
  ImGui::TableHeadersRow();
  for (const OpTotal& t : s.totals) {
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    const bool sel = s.highlight_op == t.op;
    ImGui::ColorButton(("##" + t.op).c_str(), ImGui::ColorConvertU32ToFloat4(op_color_of(s, t.op)),
                       ImGuiColorEditFlags_NoTooltip | ImGuiColorEditFlags_NoBorder, {ImGui::GetFontSize(), ImGui::GetFontSize()});
    ImGui::SameLine();
    if (ImGui::Selectable(t.op.c_str(), sel, ImGuiSelectableFlags_SpanAllColumns)) s.highlight_op = sel ? "" : t.op;
    ImGui::TableNextColumn();
    ImGui::Text("%lld", static_cast<long long>(t.calls));
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(ns_text(t.total_ns).c_str());
    ImGui::TableNextColumn();
    {
      const ImVec2 p = ImGui::GetCursorScreenPos();
      const float w = ImGui::GetContentRegionAvail().x;
      ImGui::GetWindowDrawList()->AddRectFilled({p.x, p.y + 2}, {p.x + w * static_cast<float>(t.share), p.y + ImGui::GetFontSize() - 1},
                                                with_alpha(op_color_of(s, t.op), 0.35f));
      ImGui::Text("%.1f%%", t.share * 100);
    }
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(ns_text(t.calls ? t.total_ns / t.calls : 0).c_str());
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(ns_text(t.max_ns).c_str());
    ImGui::TableNextColumn();
    if (t.GBps) ImGui::Text("%.0f", *t.GBps);
    else ImGui::TextDisabled("-");
  }
  ImGui::EndTable();
}

}  // namespace

void load_trace_async(TimelineState& s, const std::string& path) {
  s.error.clear();
  s.loading = std::make_unique<Job<Trace>>("loading " + std::filesystem::path(path).filename().string(),
                                           [path](JobProgress&) { return read_trace(path); });
  s.path = path;
}

void set_trace(TimelineState& s, Trace t, const std::string& label) {
  s.trace = std::move(t);
  s.path = label;
  s.layout_for = -1;
  s.fit = true;
  s.selected = -1;
  s.highlight_op.clear();
}

void poll_trace_load(TimelineState& s, GuiContext& ctx) {
  if (s.loading) {
    ctx.animating = true;
    ctx.job_line = s.loading->title();
    if (s.loading->done()) {
      if (std::optional<Trace> t = s.loading->take_value()) {
        set_trace(s, std::move(*t), s.path);
      } else {
        s.error = s.loading->error();
        ctx.notify(s.error, true);
      }
      s.loading.reset();
    }
  }
}

void draw_timeline_panel(TimelineState& s, GuiContext& ctx) {
  if (s.layout_for != static_cast<int>(s.grouping)) rebuild(s);

  if (ImGui::Button("Open trace...")) open_file_dialog(s.dialog, "Open trace", {".json"}, false);
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Chrome trace JSON: ours (engine/profile/trace.h) or a PyTorch profiler export");
  const std::vector<std::string> chosen = draw_file_dialog(s.dialog);
  if (!chosen.empty()) load_trace_async(s, chosen.front());
  ImGui::SameLine();
  ImGui::SetNextItemWidth(S(ctx, 150));
  int g = static_cast<int>(s.grouping);
  if (ImGui::Combo("lanes", &g, "layer and op\0layer\0op\0")) {
    s.grouping = static_cast<LaneGrouping>(g);
    rebuild(s);
  }
  ImGui::SameLine();
  if (ImGui::Button("Fit")) s.fit = true;
  if (!s.trace.kernels.empty()) {
    ImGui::SameLine();
    ImGui::TextUnformatted(s.trace.title.empty() ? std::filesystem::path(s.path).filename().string().c_str() : s.trace.title.c_str());
    ImGui::SameLine();
    ImGui::TextDisabled("%s%s%zu kernels in %s", s.trace.gpu.c_str(), s.trace.gpu.empty() ? "" : " \xC2\xB7 ", s.trace.kernels.size(),
                        ns_text(s.layout.t1_ns - s.layout.t0_ns).c_str());
  }
  if (s.loading) ImGui::TextDisabled("%s...", s.loading->title().c_str());
  draw_error(s.error);

  if (s.trace.kernels.empty()) {
    draw_empty_hint(ctx, "No trace loaded",
                    "Open a kernel trace (Chrome trace JSON, as engine/profile/trace.h writes it; PyTorch profiler "
                    "exports load too) or drop it on the window. Lanes show each layer's kernels by op; the table "
                    "below sums time per op type.");
    return;
  }
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  // The table as tall as its rows need (header, the ops, the summary line), at most a third of the panel.
  const float row_h = ImGui::GetTextLineHeight() + ImGui::GetStyle().CellPadding.y * 2;
  const float table_h = std::clamp(row_h * static_cast<float>(s.totals.size() + 1) + ImGui::GetTextLineHeightWithSpacing() * 2 +
                                       ImGui::GetStyle().ItemSpacing.y * 2,
                                   S(ctx, 120), avail.y * 0.34f);
  draw_lanes(s, {avail.x, avail.y - table_h - ImGui::GetStyle().ItemSpacing.y}, ctx);
  ImGui::BeginChild("op_table", {0, 0}, false);
  if (s.selected >= 0 && s.selected < static_cast<int>(s.trace.kernels.size())) {
    const KernelRecord& k = s.trace.kernels[s.selected];
    ImGui::Text("selected: %s", k.name.c_str());
    ImGui::SameLine();
    ImGui::TextDisabled("%s, layer %d, %s, grid %s block %s", k.op.c_str(), k.layer, ns_text(k.duration_ns()).c_str(),
                        dims_text(k.grid).c_str(), dims_text(k.block).c_str());
  }
  draw_op_table(s, ctx);
  ImGui::EndChild();
}

}  // namespace mambascope::gui
