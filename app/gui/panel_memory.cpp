#include "app/gui/panel_memory.h"

#include <algorithm>
#include <cmath>

#include <imgui.h>

#include "app/gui/memory_data.h"
#include "app/gui/plot_widget.h"
#include "app/gui/ui_common.h"

namespace mambascope::gui {

namespace {

using plot::Unit;

using namespace colors;
constexpr ImU32 kUnattributed = IM_COL32(110, 116, 128, 255);
constexpr ImU32 kOom = IM_COL32(240, 90, 80, 255);

std::string bytes_text(uint64_t b) { return plot::format_exact(static_cast<double>(b), Unit::Bytes); }

void bar_tooltip(const MemoryGroup& g, const MemoryBar& b) {
  ImGui::BeginTooltip();
  ImGui::Text("%s at %s tokens", g.title.c_str(), plot::format_exact(static_cast<double>(b.length), Unit::Tokens).c_str());
  ImGui::Separator();
  if (b.oom_needed) ImGui::TextColored(kError, "refused by the planner: needs %s", bytes_text(*b.oom_needed).c_str());
  if (b.by_category.total() > 0 && ImGui::BeginTable("cats", 3, ImGuiTableFlags_SizingFixedFit)) {
    for (int i = kMemoryCategories - 1; i >= 0; --i) {
      const uint64_t v = memory_category_bytes(b.by_category, i);
      if (!v) continue;
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::ColorButton("##c", ImGui::ColorConvertU32ToFloat4(memory_category_color(i)),
                         ImGuiColorEditFlags_NoTooltip | ImGuiColorEditFlags_NoBorder, {ImGui::GetFontSize(), ImGui::GetFontSize()});
      ImGui::SameLine();
      ImGui::TextUnformatted(memory_category_name(i));
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(bytes_text(v).c_str());
      ImGui::TableNextColumn();
      ImGui::TextDisabled("%.1f%%", 100.0 * static_cast<double>(v) / static_cast<double>(b.by_category.total()));
    }
    ImGui::EndTable();
  } else if (b.peak) {
    ImGui::TextDisabled("no per-category breakdown in this profile");
  }
  if (b.peak) ImGui::Text("peak (allocator): %s", bytes_text(*b.peak).c_str());
  if (b.planned) {
    ImGui::Text("planned: %s", bytes_text(*b.planned).c_str());
    if (b.peak && *b.peak > 0)
      ImGui::TextDisabled("plan - peak: %+.1f%%", 100.0 * (static_cast<double>(*b.planned) - static_cast<double>(*b.peak)) /
                                                     static_cast<double>(*b.peak));
  }
  if (b.device_used) ImGui::Text("device in use (cudaMemGetInfo): %s", bytes_text(*b.device_used).c_str());
  if (!b.note.empty()) ImGui::TextDisabled("%s", b.note.c_str());
  ImGui::EndTooltip();
}

// One model's chart: y in bytes from 0 to y_max, one slot per length.
void draw_group_chart(const MemoryGroup& g, double y_max, const MemoryState& s, ImVec2 size, GuiContext& ctx) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImVec2 p0 = ImGui::GetCursorScreenPos();
  ImGui::InvisibleButton(g.title.c_str(), size);
  const bool hovered = ImGui::IsItemHovered();
  const float fs = ImGui::GetFontSize(), pad = S(ctx, 6);

  ImGui::PushFont(ctx.bold);
  dl->AddText({p0.x + pad, p0.y + pad * 0.5f}, g.color, g.title.c_str());
  ImGui::PopFont();

  const float top = p0.y + fs + pad * 2, bottom = p0.y + size.y - fs - pad * 1.5f;
  const plot::Range yr{0, y_max};
  const std::vector<plot::Tick> ticks = plot::make_ticks(yr, plot::Scale::Linear, Unit::Bytes, std::max(2, static_cast<int>((bottom - top) / (fs * 3.5f))));
  float tick_w = 0;
  for (const plot::Tick& t : ticks) tick_w = std::max(tick_w, ImGui::CalcTextSize(t.label.c_str()).x);
  const float left = p0.x + tick_w + pad * 2, right = p0.x + size.x - pad;
  const plot::AxisMap ay{yr, plot::Scale::Linear, bottom, top};
  dl->AddRectFilled({left, top}, {right, bottom}, kPlotBg);
  for (const plot::Tick& t : ticks) {
    const float y = static_cast<float>(ay.to_px(t.value));
    dl->AddLine({left, y}, {right, y}, kGrid);
    const ImVec2 ts = ImGui::CalcTextSize(t.label.c_str());
    dl->AddText({left - pad - ts.x, y - ts.y / 2}, kText, t.label.c_str());
  }
  if (g.device_bytes > 0 && static_cast<double>(g.device_bytes) <= y_max) {
    const float y = static_cast<float>(ay.to_px(static_cast<double>(g.device_bytes)));
    draw_dashed_line(dl, {left, y}, {right, y}, kOom, S(ctx, 1.2f), S(ctx, 5));
    const std::string cap = "GPU memory " + plot::format_tick(static_cast<double>(g.device_bytes), Unit::Bytes, 0, 0);
    dl->AddText({left + pad, y - fs - 2}, kOom, cap.c_str());
  }

  const size_t n = g.bars.size();
  const float slot = (right - left) / static_cast<float>(std::max<size_t>(n, 1));
  const float bar_w = slot * (s.show_planned ? 0.42f : 0.6f), plan_w = slot * 0.2f;
  std::vector<double> centers, widths;
  std::vector<std::string> labels;
  const MemoryBar* hover_bar = nullptr;
  for (size_t i = 0; i < n; ++i) {
    const MemoryBar& b = g.bars[i];
    const float cx = left + slot * (static_cast<float>(i) + 0.5f);
    const float bx0 = s.show_planned ? cx - (bar_w + plan_w) / 2 : cx - bar_w / 2, bx1 = bx0 + bar_w;
    if (b.by_category.total() > 0) {
      uint64_t acc = 0;
      for (int c = 0; c < kMemoryCategories; ++c) {
        const uint64_t v = memory_category_bytes(b.by_category, c);
        if (!v) continue;
        const float y0 = static_cast<float>(ay.to_px(static_cast<double>(acc)));
        acc += v;
        const float y1 = static_cast<float>(ay.to_px(static_cast<double>(acc)));
        dl->AddRectFilled({bx0, y1}, {bx1, y0}, memory_category_color(c));
      }
      if (b.peak && *b.peak > acc) {  // the peak holds bytes no category claims
        dl->AddRectFilled({bx0, static_cast<float>(ay.to_px(static_cast<double>(*b.peak)))},
                          {bx1, static_cast<float>(ay.to_px(static_cast<double>(acc)))}, kUnattributed);
      }
    } else if (b.peak) {
      dl->AddRectFilled({bx0, static_cast<float>(ay.to_px(static_cast<double>(*b.peak)))}, {bx1, bottom}, kUnattributed);
    }
    if (b.oom_needed) {
      const float y = static_cast<float>(ay.to_px(static_cast<double>(*b.oom_needed)));
      dl->AddRectFilled({bx0, y}, {bx1, bottom}, IM_COL32(240, 90, 80, 40));
      dl->AddRect({bx0, y}, {bx1, bottom}, kOom, 0, 0, S(ctx, 1.5f));
      const ImVec2 ts = ImGui::CalcTextSize("OOM");
      dl->AddText({(bx0 + bx1) / 2 - ts.x / 2, std::max(top, y - ts.y - 2)}, kOom, "OOM");
    }
    if (s.show_planned && b.planned) {
      const float px0 = bx1 + S(ctx, 2), px1 = px0 + plan_w;
      const float y = static_cast<float>(ay.to_px(static_cast<double>(*b.planned)));
      dl->AddRectFilled({px0, y}, {px1, bottom}, IM_COL32(255, 255, 255, 30));
      dl->AddRect({px0, y}, {px1, bottom}, IM_COL32(235, 235, 240, 200), 0, 0, S(ctx, 1.2f));
    }
    labels.push_back(plot::format_tick(static_cast<double>(b.length), Unit::Tokens, 0, 0));
    centers.push_back(cx);
    widths.push_back(ImGui::CalcTextSize(labels.back().c_str()).x);
    if (hovered && ImGui::GetIO().MousePos.x >= cx - slot / 2 && ImGui::GetIO().MousePos.x < cx + slot / 2) {
      hover_bar = &b;
      dl->AddRectFilled({cx - slot / 2, top}, {cx + slot / 2, bottom}, IM_COL32(255, 255, 255, 12));
    }
  }
  const std::vector<bool> keep = plot::non_overlapping(centers, widths, S(ctx, 6));
  for (size_t i = 0; i < labels.size(); ++i)
    if (keep[i]) dl->AddText({static_cast<float>(centers[i] - widths[i] / 2), bottom + pad * 0.5f}, kText, labels[i].c_str());
  dl->AddRect({left, top}, {right, bottom}, kFrame);
  if (hover_bar && !ctx.capture_pending()) bar_tooltip(g, *hover_bar);
}

}  // namespace

void draw_memory_panel(MemoryState& s, ProfilesState& profiles, GuiContext& ctx) {
  ImGui::BeginChild("memory_sidebar", {S(ctx, 300), 0}, true);
  draw_profile_list(profiles, ctx);
  ImGui::Separator();
  ImGui::Checkbox("same scale for all models", &s.same_scale);
  ImGui::Checkbox("planner's prediction beside each bar", &s.show_planned);
  ImGui::Separator();
  ImGui::TextUnformatted("Allocator peak by category");
  for (int i = kMemoryCategories - 1; i >= 0; --i) {
    ImGui::ColorButton(memory_category_name(i), ImGui::ColorConvertU32ToFloat4(memory_category_color(i)),
                       ImGuiColorEditFlags_NoTooltip, {ImGui::GetFontSize(), ImGui::GetFontSize()});
    ImGui::SameLine();
    ImGui::TextUnformatted(memory_category_name(i));
  }
  ImGui::ColorButton("unattributed", ImGui::ColorConvertU32ToFloat4(kUnattributed), ImGuiColorEditFlags_NoTooltip,
                     {ImGui::GetFontSize(), ImGui::GetFontSize()});
  ImGui::SameLine();
  ImGui::TextUnformatted("no breakdown / unattributed");
  ImGui::Spacing();
  ImGui::TextDisabled("outlined bar: the planner's prediction\nred outline: refused length (OOM)\n"
                      "hover a bar for the numbers");
  ImGui::EndChild();
  ImGui::SameLine();

  ImGui::BeginChild("memory_charts", {0, 0}, false);
  const std::vector<MemoryGroup> groups = build_memory_groups(profiles.loaded);
  if (groups.empty()) {
    draw_empty_hint(ctx, profiles.loaded.empty() ? "No profiles loaded" : "No memory data in the visible profiles",
                    "Open profile JSON files (Open profiles..., or drop them on the window) whose rows have peak_bytes, "
                    "peak_by_category or planned_bytes.");
  } else {
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const int n = static_cast<int>(groups.size());
    const int cols = n == 1 ? 1 : (n <= 4 || avail.x < S(ctx, 1100)) ? 2 : 3;
    const int rows = (n + cols - 1) / cols;
    const ImGuiStyle& st = ImGui::GetStyle();
    const float w = (avail.x - st.ItemSpacing.x * (cols - 1)) / cols;
    const float h = std::max(S(ctx, 220), (avail.y - st.ItemSpacing.y * (rows - 1)) / rows);
    const double shared_max = static_cast<double>(memory_groups_max(groups)) * 1.08;
    for (int i = 0; i < n; ++i) {
      double y_max = shared_max;
      if (!s.same_scale) y_max = static_cast<double>(memory_groups_max({groups[i]})) * 1.08;
      if (i % cols) ImGui::SameLine();
      draw_group_chart(groups[i], std::max(y_max, 1.0), s, {w, h}, ctx);
    }
  }
  ImGui::EndChild();
}

}  // namespace mambascope::gui
