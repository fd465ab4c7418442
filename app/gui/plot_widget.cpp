#include "app/gui/plot_widget.h"

#include <algorithm>
#include <cmath>

#include <imgui_internal.h>  // SetItemUsingMouseWheel: the wheel zooms the plot instead of scrolling the window

#include "app/gui/ui_common.h"
#include "engine/core/file.h"

namespace mambascope::gui {

namespace {

using plot::AxisMap;
using plot::Scale;
using namespace colors;
constexpr ImU32 kTickText = kText;
constexpr ImU32 kAxisText = kTitle;

Scale effective(int user, Scale spec) { return user < 0 ? spec : (user ? Scale::Log10 : Scale::Linear); }

bool in_rect(ImVec2 p, ImVec2 a, ImVec2 b) { return p.x >= a.x && p.x <= b.x && p.y >= a.y && p.y <= b.y; }

// The fitted ranges: all visible points, vertical reference lines on x, horizontal ones on y, zero when asked.
void fit_view(const PlotSpec& spec, PlotView& view, Scale xs, Scale ys, const std::set<std::string>& hidden) {
  std::vector<double> xv, yv;
  for (const PlotSeries& s : spec.series) {
    if (hidden.count(s.name)) continue;
    xv.insert(xv.end(), s.x.begin(), s.x.end());
    yv.insert(yv.end(), s.y.begin(), s.y.end());
  }
  for (const PlotRefLine& l : spec.ref_lines) (l.vertical ? xv : yv).push_back(l.value);
  if (spec.y.include_zero && ys == Scale::Linear && !yv.empty()) yv.push_back(0);
  if (spec.x.include_zero && xs == Scale::Linear && !xv.empty()) xv.push_back(0);
  view.x = plot::fit_range(xv, xs, 0.06);
  view.y = plot::fit_range(yv, ys, 0.08);
  // A range that starts at zero should not pad below it.
  if (spec.y.include_zero && ys == Scale::Linear && !yv.empty() && *std::min_element(yv.begin(), yv.end()) >= 0)
    view.y.lo = 0;
}

struct LegendHit {
  ImVec2 a, b;
  std::string name;
};

}  // namespace

ImU32 with_alpha(uint32_t col, float alpha) {
  const uint32_t a = static_cast<uint32_t>(std::clamp(alpha, 0.f, 1.f) * ((col >> 24) & 0xFF));
  return (col & 0x00FFFFFFu) | (a << 24);
}

void draw_marker(ImDrawList* dl, ImVec2 c, MarkerShape shape, float r, ImU32 col, bool hollow, float t) {
  const ImU32 fill = hollow ? kPlotBg : col;
  switch (shape) {
    case MarkerShape::Circle:
      dl->AddCircleFilled(c, r, fill, 16);
      if (hollow) dl->AddCircle(c, r, col, 16, t);
      break;
    case MarkerShape::Square: {
      const float h = r * 0.9f;
      dl->AddRectFilled({c.x - h, c.y - h}, {c.x + h, c.y + h}, fill);
      if (hollow) dl->AddRect({c.x - h, c.y - h}, {c.x + h, c.y + h}, col, 0, 0, t);
      break;
    }
    case MarkerShape::Diamond: {
      const float h = r * 1.25f;
      const ImVec2 p[4] = {{c.x, c.y - h}, {c.x + h, c.y}, {c.x, c.y + h}, {c.x - h, c.y}};
      dl->AddQuadFilled(p[0], p[1], p[2], p[3], fill);
      if (hollow) dl->AddQuad(p[0], p[1], p[2], p[3], col, t);
      break;
    }
    case MarkerShape::TriangleUp: {
      const float h = r * 1.2f;
      const ImVec2 a{c.x, c.y - h}, b{c.x + h * 0.95f, c.y + h * 0.7f}, d{c.x - h * 0.95f, c.y + h * 0.7f};
      dl->AddTriangleFilled(a, b, d, fill);
      if (hollow) dl->AddTriangle(a, b, d, col, t);
      break;
    }
    case MarkerShape::Cross:
      dl->AddLine({c.x - r, c.y - r}, {c.x + r, c.y + r}, col, t * 1.3f);
      dl->AddLine({c.x - r, c.y + r}, {c.x + r, c.y - r}, col, t * 1.3f);
      break;
  }
}

void draw_dashed_line(ImDrawList* dl, ImVec2 a, ImVec2 b, ImU32 col, float thickness, float dash) {
  const float len = std::hypot(b.x - a.x, b.y - a.y);
  if (len <= 0 || dash <= 0) return;
  const ImVec2 d{(b.x - a.x) / len, (b.y - a.y) / len};
  for (float s = 0; s < len; s += 2 * dash) {
    const float e = std::min(len, s + dash);
    dl->AddLine({a.x + d.x * s, a.y + d.y * s}, {a.x + d.x * e, a.y + d.y * e}, col, thickness);
  }
}

void draw_text_vertical(ImDrawList* dl, ImVec2 center, ImU32 col, const char* text) {
  const ImVec2 sz = ImGui::CalcTextSize(text);
  // AddText drops glyphs outside the clip rectangle before we can rotate them: lay the text out at the
  // screen's origin, unclipped, then move each vertex: rotate by -90 degrees ((x, y) -> (y, -x) about the
  // text's centre) onto `center`.
  dl->PushClipRectFullScreen();
  const ImVec2 origin{dl->_Data->ClipRectFullscreen.x, dl->_Data->ClipRectFullscreen.y};
  const int v0 = dl->VtxBuffer.Size;
  dl->AddText(origin, col, text);
  for (int i = v0; i < dl->VtxBuffer.Size; ++i) {
    ImDrawVert& v = dl->VtxBuffer[i];
    const float rx = v.pos.x - (origin.x + sz.x / 2), ry = v.pos.y - (origin.y + sz.y / 2);
    v.pos = {center.x + ry, center.y - rx};
  }
  dl->PopClipRect();
}

PlotArea draw_plot(const char* id, const PlotSpec& spec, PlotView& view, ImVec2 size, GuiContext& ctx,
                   std::set<std::string>* shared_hidden) {
  std::set<std::string>& hidden = shared_hidden ? *shared_hidden : view.hidden;
  ImGui::PushID(id);
  ImGuiIO& io = ImGui::GetIO();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  if (size.x <= 0) size.x = avail.x;
  if (size.y <= 0) size.y = avail.y;
  size.x = std::max(size.x, S(ctx, 120));
  size.y = std::max(size.y, S(ctx, 90));
  const ImVec2 p0 = ImGui::GetCursorScreenPos();
  const ImVec2 p1{p0.x + size.x, p0.y + size.y};

  const Scale xs = effective(view.x_log, spec.x.scale), ys = effective(view.y_log, spec.y.scale);
  if (view.auto_fit) fit_view(spec, view, xs, ys, hidden);
  view.x = plot::sanitize_range(view.x, xs);
  view.y = plot::sanitize_range(view.y, ys);

  // Layout: title, plot area, x tick labels and label below, y tick labels and rotated label on the left.
  const float fs = ImGui::GetFontSize();
  const float pad = S(ctx, 6);
  const float title_h = spec.title.empty() ? 0 : fs + pad;
  const float x_label_h = spec.x.label.empty() ? 0 : fs + pad * 0.5f;
  const float top = p0.y + title_h + pad;
  const float bottom = p1.y - (fs + pad) - x_label_h;
  const int y_target = std::max(2, static_cast<int>((bottom - top) / (fs * 2.8f)));
  const std::vector<plot::Tick> yt = plot::make_ticks(view.y, ys, spec.y.unit, y_target);
  float y_tick_w = 0;
  for (const plot::Tick& t : yt)
    if (t.major) y_tick_w = std::max(y_tick_w, ImGui::CalcTextSize(t.label.c_str()).x);
  const float y_label_w = spec.y.label.empty() ? 0 : fs + pad;
  const float left = p0.x + y_label_w + y_tick_w + pad * 1.5f;
  const float right = p1.x - pad * 1.5f;
  // As many x labels as fit with a gap: a typical label of the unit sets the spacing.
  const char* sample = spec.x.unit == plot::Unit::Tokens ? "64k" : spec.x.unit == plot::Unit::Bytes ? "512 MiB"
                       : spec.x.unit == plot::Unit::Milliseconds ? "500 ms" : "0.25";
  const int x_target = std::max(2, static_cast<int>((right - left) / (ImGui::CalcTextSize(sample).x + fs * 1.5f)));
  const std::vector<plot::Tick> xt = plot::make_ticks(view.x, xs, spec.x.unit, x_target);
  const AxisMap ax{view.x, xs, left, right};
  const AxisMap ay{view.y, ys, bottom, top};
  const ImVec2 pa{left, top}, pb{right, bottom};

  // Input: one invisible button over the whole widget takes the mouse (left, right and middle buttons).
  ImGui::InvisibleButton("##plot", size,
                         ImGuiButtonFlags_MouseButtonLeft | ImGuiButtonFlags_MouseButtonRight | ImGuiButtonFlags_MouseButtonMiddle);
  const bool hovered = ImGui::IsItemHovered();
  const bool active = ImGui::IsItemActive();
  if (hovered) ImGui::SetItemUsingMouseWheel();
  const ImVec2 mouse = io.MousePos;
  const bool over_area = in_rect(mouse, pa, pb);

  // Legend inside the plot: its rows are hit-tested here, drawn further down. A plot whose legend lives
  // elsewhere (a panel's sidebar) draws one of its visible series for a PNG export.
  const bool exporting = view.export_frames > 0;
  if (exporting) --view.export_frames;
  const LegendPlace legend_place = spec.legend != LegendPlace::None ? spec.legend : exporting ? LegendPlace::InsideTopLeft
                                                                                              : LegendPlace::None;
  std::vector<LegendHit> legend;
  std::vector<const PlotSeries*> legend_series;
  for (const PlotSeries& s : spec.series)
    if (legend_place != LegendPlace::None && (spec.legend != LegendPlace::None || !hidden.count(s.name))) legend_series.push_back(&s);
  if (!legend_series.empty()) {
    float w = 0;
    for (const PlotSeries* s : legend_series) w = std::max(w, ImGui::CalcTextSize(s->name.c_str()).x);
    const float row_h = fs + S(ctx, 3);
    const float box_w = w + S(ctx, 30);
    const float x0 = legend_place == LegendPlace::InsideTopLeft ? left + pad : right - pad - box_w;
    float y = top + pad;
    for (const PlotSeries* s : legend_series) {
      legend.push_back({{x0, y}, {x0 + box_w, y + row_h}, s->name});
      y += row_h;
    }
  }
  const LegendHit* legend_hover = nullptr;
  for (const LegendHit& h : legend)
    if (hovered && in_rect(mouse, h.a, h.b)) legend_hover = &h;

  if (hovered && ImGui::IsMouseClicked(0)) {
    if (legend_hover) {
      if (!hidden.erase(legend_hover->name)) hidden.insert(legend_hover->name);
    } else if (over_area) {
      view.box_drag = true;
      view.drag_from = mouse;
    }
  }
  if (hovered && ImGui::IsMouseDoubleClicked(0) && !legend_hover) {
    view.auto_fit = true;
    view.box_drag = false;
  }
  if (view.box_drag && !ImGui::IsMouseDown(0)) {
    const plot::Vec2 a{view.drag_from.x, view.drag_from.y}, b{mouse.x, mouse.y};
    const plot::ZoomAxes z = plot::zoom_axes_for_drag(a, b, S(ctx, 5));
    if (z == plot::ZoomAxes::X || z == plot::ZoomAxes::XY) view.x = plot::range_between(ax, a.x, std::clamp<double>(b.x, left, right));
    if (z == plot::ZoomAxes::Y || z == plot::ZoomAxes::XY) view.y = plot::range_between(ay, a.y, std::clamp<double>(b.y, top, bottom));
    if (z != plot::ZoomAxes::None) view.auto_fit = false;
    view.box_drag = false;
  }
  if (active && (ImGui::IsMouseDragging(1) || ImGui::IsMouseDragging(2)) && (io.MouseDelta.x != 0 || io.MouseDelta.y != 0)) {
    view.x = plot::pan_by(ax, io.MouseDelta.x);
    view.y = plot::pan_by(ay, io.MouseDelta.y);
    view.auto_fit = false;
  }
  if (hovered && io.MouseWheel != 0) {
    const double f = std::pow(0.85, io.MouseWheel);
    const bool on_y_axis = mouse.x < left, on_x_axis = mouse.y > bottom;
    if (!on_y_axis) view.x = plot::zoom_about(ax, mouse.x, f);
    if (!on_x_axis) view.y = plot::zoom_about(ay, mouse.y, f);
    view.auto_fit = false;
  }
  if (hovered && ImGui::IsMouseReleased(1) && io.MouseDragMaxDistanceSqr[1] < S(ctx, 4) * S(ctx, 4)) ImGui::OpenPopup("##menu");

  // Frame, grid and ticks.
  dl->AddRectFilled(pa, pb, kPlotBg);
  const float tick_len = S(ctx, 4);
  for (const plot::Tick& t : yt) {
    const float py = static_cast<float>(ay.to_px(t.value));
    if (!std::isfinite(py) || py < top - 0.5f || py > bottom + 0.5f) continue;
    dl->AddLine({left, py}, {right, py}, t.major ? kGrid : kGridMinor);
    dl->AddLine({left - (t.major ? tick_len : tick_len * 0.5f), py}, {left, py}, kFrame);
    if (t.major) {
      const ImVec2 ts = ImGui::CalcTextSize(t.label.c_str());
      dl->AddText({left - tick_len - pad * 0.5f - ts.x, py - ts.y / 2}, kTickText, t.label.c_str());
    }
  }
  {
    std::vector<double> centers, widths;
    std::vector<const plot::Tick*> majors;
    for (const plot::Tick& t : xt) {
      const float px = static_cast<float>(ax.to_px(t.value));
      if (!std::isfinite(px) || px < left - 0.5f || px > right + 0.5f) continue;
      dl->AddLine({px, top}, {px, bottom}, t.major ? kGrid : kGridMinor);
      dl->AddLine({px, bottom}, {px, bottom + (t.major ? tick_len : tick_len * 0.5f)}, kFrame);
      if (t.major) {
        centers.push_back(px);
        widths.push_back(ImGui::CalcTextSize(t.label.c_str()).x);
        majors.push_back(&t);
      }
    }
    const std::vector<bool> keep = plot::non_overlapping(centers, widths, S(ctx, 8));
    for (size_t i = 0; i < majors.size(); ++i) {
      if (!keep[i]) continue;
      const float x = std::clamp(static_cast<float>(centers[i] - widths[i] / 2), p0.x, p1.x - static_cast<float>(widths[i]));
      dl->AddText({x, bottom + tick_len + pad * 0.4f}, kTickText, majors[i]->label.c_str());
    }
  }
  if (!spec.x.label.empty()) {
    const ImVec2 ts = ImGui::CalcTextSize(spec.x.label.c_str());
    dl->AddText({(left + right) / 2 - ts.x / 2, p1.y - ts.y - pad * 0.25f}, kAxisText, spec.x.label.c_str());
  }
  if (!spec.y.label.empty()) draw_text_vertical(dl, {p0.x + fs / 2 + pad * 0.25f, (top + bottom) / 2}, kAxisText, spec.y.label.c_str());
  if (!spec.title.empty()) {
    ImGui::PushFont(ctx.bold);
    const ImVec2 ts = ImGui::CalcTextSize(spec.title.c_str());
    dl->AddText({std::max(left, (left + right) / 2 - ts.x / 2), p0.y + pad * 0.5f}, kAxisText, spec.title.c_str());
    ImGui::PopFont();
  }

  // Data, clipped to the plot area.
  dl->PushClipRect(pa, pb, true);
  const float lw = S(ctx, 2.0f), mr = S(ctx, 3.6f);
  for (const PlotRefLine& l : spec.ref_lines) {
    if (l.vertical) {
      const float px = static_cast<float>(ax.to_px(l.value));
      if (std::isfinite(px)) draw_dashed_line(dl, {px, top}, {px, bottom}, with_alpha(l.color, 0.85f), S(ctx, 1.5f), S(ctx, 5));
    } else {
      const float py = static_cast<float>(ay.to_px(l.value));
      if (std::isfinite(py)) draw_dashed_line(dl, {left, py}, {right, py}, with_alpha(l.color, 0.6f), S(ctx, 1.2f), S(ctx, 4));
    }
  }
  std::vector<std::vector<plot::Vec2>> px_points(spec.series.size());
  std::vector<bool> visible(spec.series.size());
  for (size_t si = 0; si < spec.series.size(); ++si) {
    const PlotSeries& s = spec.series[si];
    visible[si] = !hidden.count(s.name);
    const size_t n = std::min(s.x.size(), s.y.size());
    std::vector<plot::Vec2>& pts = px_points[si];
    for (size_t i = 0; i < n; ++i) pts.push_back({ax.to_px(s.x[i]), ay.to_px(s.y[i])});
    if (!visible[si]) continue;
    if (s.style != SeriesStyle::Markers) {
      std::vector<ImVec2> run;  // a polyline, broken where a point cannot be drawn
      auto flush = [&] {
        if (run.size() >= 2) dl->AddPolyline(run.data(), static_cast<int>(run.size()), s.color, ImDrawFlags_None, lw);
        run.clear();
      };
      for (const plot::Vec2& p : pts) {
        if (std::isfinite(p.x) && std::isfinite(p.y)) run.push_back({static_cast<float>(p.x), static_cast<float>(p.y)});
        else flush();
      }
      flush();
    }
    if (s.style != SeriesStyle::Lines)
      for (const plot::Vec2& p : pts)
        if (std::isfinite(p.x) && std::isfinite(p.y))
          draw_marker(dl, {static_cast<float>(p.x), static_cast<float>(p.y)}, s.marker, s.hollow ? mr * 1.25f : mr, s.color,
                      s.hollow, S(ctx, 1.6f));
  }
  const bool any_point = std::any_of(spec.series.begin(), spec.series.end(), [](const PlotSeries& s) { return !s.x.empty(); });
  if (!any_point && !spec.empty_hint.empty()) {
    const ImVec2 ts = ImGui::CalcTextSize(spec.empty_hint.c_str(), nullptr, false, (right - left) * 0.8f);
    dl->AddText(nullptr, 0, {(left + right) / 2 - ts.x / 2, (top + bottom) / 2 - ts.y / 2}, IM_COL32(150, 154, 162, 255),
                spec.empty_hint.c_str(), nullptr, (right - left) * 0.8f);
  }
  // Vertical lines' tags run along the line (bottom to top, Nsight-style), just inside the plot, shortened
  // to fit its height; lines at the same x stack their tags side by side.
  std::vector<float> tagged_x;
  for (const PlotRefLine& l : spec.ref_lines) {
    std::string text = l.tag.empty() ? l.label : l.tag;
    if (!l.vertical || text.empty()) continue;
    const float px = static_cast<float>(ax.to_px(l.value));
    if (!std::isfinite(px) || px < left || px > right) continue;
    const float room = bottom - top - pad * 2;
    if (ImGui::CalcTextSize(text.c_str()).x > room) {
      while (!text.empty() && ImGui::CalcTextSize((text + "...").c_str()).x > room) text.pop_back();
      text += "...";
    }
    const ImVec2 ts = ImGui::CalcTextSize(text.c_str());
    const float same = static_cast<float>(std::count_if(tagged_x.begin(), tagged_x.end(), [&](float x) { return std::fabs(x - px) < 1; }));
    tagged_x.push_back(px);
    // Beside the line (left, else right), at its top, middle or bottom: wherever it covers the fewest points.
    const float off = S(ctx, 3) + ts.y * (0.5f + same);
    auto covered = [&](ImVec2 c) {
      if (c.x - ts.y / 2 < left || c.x + ts.y / 2 > right) return 1 << 20;
      int n = 0;
      for (size_t si = 0; si < px_points.size(); ++si)
        for (const plot::Vec2& q : px_points[si])
          n += visible[si] && std::fabs(q.x - c.x) < ts.y / 2 + mr && std::fabs(q.y - c.y) < ts.x / 2 + mr;
      return n;
    };
    ImVec2 c{px - off, top + pad + ts.x / 2};
    int best = covered(c);
    for (float cx : {px - off, px + off})
      for (float cy : {top + pad + ts.x / 2, (top + bottom) / 2, bottom - pad - ts.x / 2})
        if (const int n = covered({cx, cy}); n < best) best = n, c = {cx, cy};
    dl->AddRectFilled({c.x - ts.y / 2, c.y - ts.x / 2 - 2}, {c.x + ts.y / 2, c.y + ts.x / 2 + 2}, IM_COL32(22, 24, 28, 130), 2);
    draw_text_vertical(dl, c, with_alpha(l.color, 1.f), text.c_str());
  }

  // Hover: the nearest point's exact values, or the cursor's coordinates.
  const bool show_hover = hovered && over_area && !view.box_drag && !legend_hover && !ctx.capture_pending() &&
                          !ImGui::IsPopupOpen("##menu");
  if (show_hover) {
    const plot::Hit hit = plot::nearest_point(px_points, visible, {mouse.x, mouse.y}, S(ctx, 14));
    if (hit.found()) {
      const PlotSeries& s = spec.series[hit.series];
      const plot::Vec2 p = px_points[hit.series][hit.index];
      dl->AddCircle({static_cast<float>(p.x), static_cast<float>(p.y)}, mr * 2.2f, IM_COL32(255, 255, 255, 220), 20, S(ctx, 1.5f));
      ImGui::BeginTooltip();
      ImGui::PushFont(ctx.bold);
      ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(s.color), "%s", s.name.c_str());
      ImGui::PopFont();
      ImGui::Text("%s: %s", spec.x.label.empty() ? "x" : spec.x.label.c_str(), plot::format_exact(s.x[hit.index], spec.x.unit).c_str());
      ImGui::Text("%s: %s", spec.y.label.empty() ? "y" : spec.y.label.c_str(), plot::format_exact(s.y[hit.index], spec.y.unit).c_str());
      if (static_cast<size_t>(hit.index) < s.notes.size() && !s.notes[hit.index].empty()) {
        ImGui::Separator();
        ImGui::PushTextWrapPos(ImGui::GetFontSize() * 30);
        ImGui::TextUnformatted(s.notes[hit.index].c_str());
        ImGui::PopTextWrapPos();
      }
      ImGui::EndTooltip();
    } else {
      for (const PlotRefLine& l : spec.ref_lines) {
        const float px = static_cast<float>(ax.to_px(l.value));
        if (l.vertical && !l.label.empty() && std::fabs(px - mouse.x) < S(ctx, 4)) ImGui::SetTooltip("%s", l.label.c_str());
      }
      dl->AddLine({mouse.x, top}, {mouse.x, bottom}, IM_COL32(255, 255, 255, 40));
      dl->AddLine({left, mouse.y}, {right, mouse.y}, IM_COL32(255, 255, 255, 40));
      const std::string readout = plot::format_exact(ax.to_value(mouse.x), spec.x.unit) + ", " +
                                  plot::format_exact(ay.to_value(mouse.y), spec.y.unit);
      const ImVec2 ts = ImGui::CalcTextSize(readout.c_str());
      dl->AddText({right - ts.x - pad, bottom - ts.y - pad * 0.5f}, IM_COL32(200, 204, 212, 200), readout.c_str());
    }
  }
  if (view.box_drag) {
    const plot::ZoomAxes z = plot::zoom_axes_for_drag({view.drag_from.x, view.drag_from.y}, {mouse.x, mouse.y}, S(ctx, 5));
    ImVec2 a = view.drag_from, b = {std::clamp(mouse.x, left, right), std::clamp(mouse.y, top, bottom)};
    if (z == plot::ZoomAxes::X) a.y = top, b.y = bottom;
    if (z == plot::ZoomAxes::Y) a.x = left, b.x = right;
    if (z != plot::ZoomAxes::None) {
      dl->AddRectFilled(a, b, IM_COL32(120, 170, 255, 40));
      dl->AddRect(a, b, IM_COL32(120, 170, 255, 200));
    }
  }
  dl->PopClipRect();

  // Legend over the data.
  if (!legend.empty()) {
    const ImVec2 la = legend.front().a, lb = legend.back().b;
    dl->AddRectFilled({la.x - 2, la.y - 2}, {lb.x + 2, lb.y + 2}, IM_COL32(22, 24, 28, 215), 3);
    for (size_t i = 0; i < legend.size(); ++i) {
      const PlotSeries& s = *legend_series[i];
      const bool on = !hidden.count(s.name);
      const ImU32 col = with_alpha(s.color, on ? 1.f : 0.3f);
      const float cy = (legend[i].a.y + legend[i].b.y) / 2;
      const float sx = legend[i].a.x + S(ctx, 4);
      if (s.style != SeriesStyle::Markers) dl->AddLine({sx, cy}, {sx + S(ctx, 18), cy}, col, lw);
      if (s.style != SeriesStyle::Lines) draw_marker(dl, {sx + S(ctx, 9), cy}, s.marker, mr, col, s.hollow, S(ctx, 1.5f));
      dl->AddText({sx + S(ctx, 24), legend[i].a.y + S(ctx, 1)}, on ? kAxisText : IM_COL32(130, 130, 130, 255), s.name.c_str());
      if (&legend[i] == legend_hover) dl->AddRect(legend[i].a, legend[i].b, IM_COL32(255, 255, 255, 60), 2);
    }
  }
  dl->AddRect(pa, pb, kFrame);

  // Context menu and exports.
  if (ImGui::BeginPopup("##menu")) {
    if (ImGui::MenuItem("Fit", "double-click")) view.auto_fit = true;
    bool xl = xs == Scale::Log10, yl = ys == Scale::Log10;
    if (ImGui::MenuItem("Log x", nullptr, &xl)) view.x_log = xl;
    if (ImGui::MenuItem("Log y", nullptr, &yl)) view.y_log = yl;
    if (!spec.series.empty() && ImGui::BeginMenu("Series")) {
      for (const PlotSeries& s : spec.series) {
        bool on = !hidden.count(s.name);
        if (ImGui::MenuItem(s.name.c_str(), nullptr, &on)) {
          if (on) hidden.erase(s.name);
          else hidden.insert(s.name);
        }
      }
      ImGui::EndMenu();
    }
    ImGui::Separator();
    if (ImGui::MenuItem("Export PNG...")) {
      view.export_png = true;
      open_save_dialog(view.export_dialog, "Export PNG", spec.export_stem + ".png");
    }
    if (ImGui::MenuItem("Export CSV...")) {
      view.export_png = false;
      open_save_dialog(view.export_dialog, "Export CSV", spec.export_stem + ".csv");
    }
    ImGui::EndPopup();
  }
  const std::string path = draw_save_dialog(view.export_dialog);
  if (!path.empty()) {
    if (view.export_png) {
      ctx.captures.push_back({p0.x, p0.y, size.x, size.y, path});
      view.export_frames = ctx.captures.back().wait_frames + 2;
    } else {
      try {
        write_file_atomic(path, plot_to_csv(spec, std::vector<std::string>(hidden.begin(), hidden.end())));
        ctx.notify("wrote " + path);
      } catch (const std::exception& e) {
        ctx.notify(e.what(), true);
      }
    }
  }
  ImGui::PopID();
  return {pa, pb};
}

void draw_legend_list(const std::vector<LegendEntry>& entries, std::set<std::string>& hidden, GuiContext& ctx) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const float fs = ImGui::GetFontSize();
  const float swatch = S(ctx, 26);
  const std::string* group = nullptr;
  for (const LegendEntry& e : entries) {
    if (!e.group.empty() && (!group || *group != e.group)) {
      group = &e.group;
      ImGui::TextDisabled("%s", e.group.c_str());
    }
    if (!e.group.empty()) ImGui::Indent(S(ctx, 8));
    ImGui::PushID(e.name.c_str());
    const bool on = !hidden.count(e.name);
    const ImVec2 p = ImGui::GetCursorScreenPos();
    if (ImGui::Selectable("##entry", false, 0, {0, fs})) {
      if (on) hidden.insert(e.name);
      else hidden.erase(e.name);
    }
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("click to %s %s", on ? "hide" : "show", e.name.c_str());
    const ImU32 col = with_alpha(e.color, on ? 1.f : 0.3f);
    const float cy = p.y + fs / 2;
    if (e.lines) dl->AddLine({p.x + 2, cy}, {p.x + swatch - 4, cy}, col, S(ctx, 2));
    draw_marker(dl, {p.x + swatch / 2 - 1, cy}, e.marker, S(ctx, e.hollow ? 4.5f : 3.6f), col, e.hollow, S(ctx, 1.5f));
    dl->AddText({p.x + swatch + S(ctx, 4), p.y}, on ? IM_COL32(225, 228, 235, 255) : IM_COL32(130, 130, 130, 255),
                (e.display.empty() ? e.name : e.display).c_str());
    ImGui::PopID();
    if (!e.group.empty()) ImGui::Unindent(S(ctx, 8));
  }
}

}  // namespace mambascope::gui
