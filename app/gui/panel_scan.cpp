#include "app/gui/panel_scan.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include <imgui.h>

#include "app/gui/plot_widget.h"
#include "app/gui/profile_set.h"
#include "app/gui/ui_common.h"

namespace mambascope::gui {

namespace {

constexpr const char* kScanSetNames[] = {"cross", "bidirectional", "row", "row_rev", "col", "col_rev", "snake_row", "snake_col"};
constexpr int kScanSets = static_cast<int>(sizeof kScanSetNames / sizeof kScanSetNames[0]);

const char* scan_order_help(const std::string& name) {
  if (name == "row") return "rows, left to right";
  if (name == "row_rev") return "row order reversed";
  if (name == "col") return "columns, top to bottom";
  if (name == "col_rev") return "column order reversed";
  if (name == "snake_row") return "rows, alternating";
  if (name == "snake_col") return "columns, alternating";
  return "";
}

// A dark-to-bright ramp (black, purple, red, orange, yellow) for the contribution map.
ImU32 heat_color(float t, float alpha) {
  static constexpr float kStops[5][3] = {{0.0f, 0.0f, 0.02f}, {0.34f, 0.06f, 0.43f}, {0.73f, 0.21f, 0.33f},
                                         {0.97f, 0.55f, 0.04f}, {0.99f, 0.99f, 0.64f}};
  t = std::clamp(t, 0.f, 1.f) * 4;
  const int i = std::min(3, static_cast<int>(t));
  const float f = t - static_cast<float>(i);
  float c[3];
  for (int k = 0; k < 3; ++k) c[k] = kStops[i][k] + (kStops[i + 1][k] - kStops[i][k]) * f;
  return ImGui::ColorConvertFloat4ToU32({c[0], c[1], c[2], alpha});
}

void refresh_orders(ScanState& s) {
  const std::string key = std::string(kScanSetNames[s.set_index]) + "/" + std::to_string(s.rows) + "x" + std::to_string(s.cols);
  if (key == s.orders_key) return;
  s.orders = scan_set(kScanSetNames[s.set_index], s.rows, s.cols);
  s.orders_key = key;
  s.shown.assign(s.orders.size(), true);
  s.step = std::min(s.step, static_cast<float>(s.rows * s.cols - 1));
  s.contribution.reset();
}

// The ML-Mamba models the contribution can run (presets and checkpoints of that family).
void list_heat_models(ScanState& s) {
  if (!s.heat_models.empty()) return;
  for (const ModelChoice& c : list_model_choices()) {
    try {
      const ModelConfig cfg = choice_config(c);
      // Random weights at the real size would take tens of GB on the CPU and say nothing a tiny one does not.
      if (cfg.family == ModelFamily::MLMamba && (!c.preset || summarize_model(cfg, DType::F32).weight_bytes < (1ull << 30)))
        s.heat_models.push_back(c);
    } catch (const std::exception&) {
      // a directory whose config does not parse is not offered here; the Models panel shows its error
    }
  }
  // The default: a trained tiny checkpoint when there is one, else the tiny preset (the real size on the CPU
  // takes minutes and tens of GB).
  s.heat_model = 0;
  for (size_t i = 0; i < s.heat_models.size(); ++i) {
    if (!s.heat_models[i].preset && s.heat_models[i].source.find("tiny-ml-mamba") != std::string::npos) {
      s.heat_model = static_cast<int>(i);
      return;
    }
    if (s.heat_models[i].source == "tiny-ml-mamba") s.heat_model = static_cast<int>(i);
  }
}

void start_contribution(ScanState& s, GuiContext& ctx) {
  list_heat_models(s);
  if (s.output_token < 0 || s.output_token >= s.rows * s.cols) s.output_token = (s.rows / 2) * s.cols + s.cols / 2;
  ContributionRequest req{s.image_path, s.rows, s.cols, kScanSetNames[s.set_index], s.output_token};
  if (!s.heat_models.empty()) req.model = s.heat_models[static_cast<size_t>(std::clamp(s.heat_model, 0, static_cast<int>(s.heat_models.size()) - 1))].source;
  req.layer = s.layer;
  req.head = s.head;
  s.contribution_job = std::make_unique<Job<ContributionMap>>(
      "contribution map", [fn = ctx.services.contribution, req](JobProgress& p) { return fn(req, p); });
}

// The largest value of any map the views can show: one colour scale for all of them.
float heat_max(const ContributionMap& m) {
  float v = 0;
  for (float x : m.values) v = std::max(v, x);
  for (const std::vector<float>& d : m.directions)
    for (float x : d) v = std::max(v, x);
  return std::max(v, 1e-30f);
}

struct Canvas {
  ImVec2 a, b;  // the image's square
  int rows, cols;
  ImVec2 center(int patch) const {
    const int r = patch / cols, c = patch % cols;
    return {a.x + (b.x - a.x) * (static_cast<float>(c) + 0.5f) / static_cast<float>(cols),
            a.y + (b.y - a.y) * (static_cast<float>(r) + 0.5f) / static_cast<float>(rows)};
  }
  ImVec2 cell_min(int r, int c) const {
    return {a.x + (b.x - a.x) * static_cast<float>(c) / static_cast<float>(cols),
            a.y + (b.y - a.y) * static_cast<float>(r) / static_cast<float>(rows)};
  }
};

// One square: the image, the heat map, the grid, then the given orders' paths up to the current step.
void draw_canvas(ScanState& s, const std::vector<int>& order_ids, const std::string& title, ImVec2 size, GuiContext& ctx) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const float fs = ImGui::GetFontSize(), pad = S(ctx, 4);
  const ImVec2 p0 = ImGui::GetCursorScreenPos();
  ImGui::InvisibleButton(title.c_str(), size);
  const bool hovered = ImGui::IsItemHovered();
  const float side = std::max(10.f, std::min(size.x, size.y - fs - pad * 2));
  Canvas cv{{p0.x + (size.x - side) / 2, p0.y + fs + pad * 2}, {}, s.rows, s.cols};
  cv.b = {cv.a.x + side, cv.a.y + side};
  const int n = s.rows * s.cols;
  const int head = std::clamp(static_cast<int>(s.step), 0, n - 1);

  ImGui::PushFont(ctx.bold);
  dl->AddText({cv.a.x, p0.y + pad * 0.5f}, IM_COL32(225, 228, 235, 255), title.c_str());
  ImGui::PopFont();
  const std::string counter = "step " + std::to_string(head + 1) + " / " + std::to_string(n);
  dl->AddText({cv.b.x - ImGui::CalcTextSize(counter.c_str()).x, p0.y + pad * 0.5f}, IM_COL32(170, 175, 185, 255), counter.c_str());

  if (s.texture.id) {
    dl->AddImage(reinterpret_cast<ImTextureID>(static_cast<intptr_t>(s.texture.id)), cv.a, cv.b);
    dl->AddRectFilled(cv.a, cv.b, IM_COL32(0, 0, 0, 90));  // dim it so the paths read
  } else {
    // No image: a neutral checkerboard, one square per patch.
    for (int r = 0; r < s.rows; ++r)
      for (int c = 0; c < s.cols; ++c)
        dl->AddRectFilled(cv.cell_min(r, c), cv.cell_min(r + 1, c + 1), (r + c) % 2 ? IM_COL32(44, 47, 54, 255) : IM_COL32(36, 38, 44, 255));
  }
  const std::vector<float> heat = s.show_heat ? heat_values(s, order_ids.size() == 1 && s.per_direction ? s.orders[order_ids[0]].name : "")
                                              : std::vector<float>();
  if (!heat.empty()) {
    const float vmax = heat_max(*s.contribution);
    for (int r = 0; r < s.rows; ++r)
      for (int c = 0; c < s.cols; ++c)  // patches that cannot contribute (later in the scan) stay clear
        if (heat[r * s.cols + c] > 0)
          dl->AddRectFilled(cv.cell_min(r, c), cv.cell_min(r + 1, c + 1), heat_color(std::sqrt(heat[r * s.cols + c] / vmax), 0.8f));
  }
  if (s.show_grid) {
    for (int r = 0; r <= s.rows; ++r) {
      const float y = cv.cell_min(r, 0).y;
      dl->AddLine({cv.a.x, y}, {cv.b.x, y}, IM_COL32(255, 255, 255, 38));
    }
    for (int c = 0; c <= s.cols; ++c) {
      const float x = cv.cell_min(0, c).x;
      dl->AddLine({x, cv.a.y}, {x, cv.b.y}, IM_COL32(255, 255, 255, 38));
    }
  }

  const float lw = std::max(1.f, std::min(S(ctx, 2.2f), side / static_cast<float>(s.cols) * 0.22f));
  const int first = s.trail > 0 ? std::max(0, head - s.trail) : 0;
  for (size_t k = 0; k < order_ids.size(); ++k) {
    const ScanOrder& o = s.orders[order_ids[k]];
    const uint32_t col = series_color(order_ids[k]);
    // Overlaid orders are nudged apart so that paths sharing cells (row and row_rev) stay visible.
    const float off = order_ids.size() > 1 ? (static_cast<float>(k) - (static_cast<float>(order_ids.size()) - 1) / 2) * lw * 1.6f : 0;
    if (order_ids.size() == 1) {
      // Visited cells, tinted: the part of the image the scan has read so far.
      for (int t = first; t <= head; ++t) {
        const int p = o.perm[t];
        dl->AddRectFilled(cv.cell_min(p / s.cols, p % s.cols), cv.cell_min(p / s.cols + 1, p % s.cols + 1), with_alpha(col, 0.16f));
      }
    }
    for (int t = first + 1; t <= head; ++t) {
      const float age = static_cast<float>(head - t) / static_cast<float>(std::max(1, head - first));
      const int p = o.perm[t - 1], q = o.perm[t];
      const ImVec2 a = cv.center(p), b = cv.center(q);
      // A step to a neighbouring patch is drawn solid; a jump (end of a row to the next row's start) faint.
      const bool jump = std::abs(p / s.cols - q / s.cols) + std::abs(p % s.cols - q % s.cols) > 1;
      const float alpha = 1.f - 0.7f * age;
      if (!jump)  // a dark casing keeps the path readable on light images
        dl->AddLine({a.x + off, a.y + off}, {b.x + off, b.y + off}, IM_COL32(0, 0, 0, static_cast<int>(140 * alpha)), lw + 2.f);
      dl->AddLine({a.x + off, a.y + off}, {b.x + off, b.y + off}, with_alpha(col, alpha * (jump ? 0.3f : 1.f)),
                  jump ? lw * 0.5f : lw);
    }
    const ImVec2 start = cv.center(o.perm[first]), h = cv.center(o.perm[head]);
    dl->AddCircle({start.x + off, start.y + off}, lw * 2.2f, with_alpha(col, 0.9f), 12, S(ctx, 1.2f));
    dl->AddCircleFilled({h.x + off, h.y + off}, lw * 2.8f, with_alpha(col, 1.f), 16);
    dl->AddCircle({h.x + off, h.y + off}, lw * 2.8f, IM_COL32(255, 255, 255, 230), 16, S(ctx, 1.2f));
  }
  if (s.contribution && s.output_token >= 0 && s.output_token < n) {  // the output patch the map explains
    const int r = s.output_token / s.cols, c = s.output_token % s.cols;
    dl->AddRect(cv.cell_min(r, c), cv.cell_min(r + 1, c + 1), IM_COL32(0, 0, 0, 255), 0, 0, S(ctx, 4.f));
    dl->AddRect(cv.cell_min(r, c), cv.cell_min(r + 1, c + 1), IM_COL32(80, 220, 255, 255), 0, 0, S(ctx, 2.f));
  }
  dl->AddRect(cv.a, cv.b, IM_COL32(90, 96, 108, 255));

  if (hovered && !ctx.capture_pending()) {
    const ImVec2 m = ImGui::GetIO().MousePos;
    if (m.x >= cv.a.x && m.x < cv.b.x && m.y >= cv.a.y && m.y < cv.b.y) {
      const int c = static_cast<int>((m.x - cv.a.x) / side * static_cast<float>(s.cols));
      const int r = static_cast<int>((m.y - cv.a.y) / side * static_cast<float>(s.rows));
      const int patch = r * s.cols + c;
      dl->AddRect(cv.cell_min(r, c), cv.cell_min(r + 1, c + 1), IM_COL32(255, 255, 255, 220), 0, 0, S(ctx, 1.5f));
      ImGui::BeginTooltip();
      ImGui::Text("patch %d (row %d, column %d)", patch, r, c);
      for (int id : order_ids) {
        const std::vector<int32_t> inv = invert_permutation(s.orders[id].perm);
        ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(series_color(id)), "%s: step %d", s.orders[id].name.c_str(), inv[patch] + 1);
      }
      if (!heat.empty()) ImGui::Text("contribution to patch %d: %.4g", s.output_token, heat[patch]);
      if (ctx.services.contribution) ImGui::TextDisabled("click: explain this patch's output");
      ImGui::EndTooltip();
      if (ImGui::IsMouseClicked(ImGuiMouseButton_Left) && ctx.services.contribution && !s.contribution_job) {
        s.output_token = patch;
        start_contribution(s, ctx);
      }
    }
  }
}

void draw_sidebar(ScanState& s, GuiContext& ctx) {
  if (ImGui::Button("Open image...")) open_file_dialog(s.dialog, "Open image", {".png", ".jpg", ".jpeg", ".bmp", ".gif"}, false);
  const std::vector<std::string> chosen = draw_file_dialog(s.dialog);
  if (!chosen.empty()) load_scan_image_async(s, chosen.front());
  if (s.loading) ImGui::TextDisabled("%s...", s.loading->title().c_str());
  if (!s.image_path.empty() && s.texture.id) {
    ImGui::TextUnformatted(std::filesystem::path(s.image_path).filename().string().c_str());
    ImGui::PushTextWrapPos(0);
    ImGui::TextDisabled("%d x %d px, shown resized to a square as the model sees it", s.texture.width, s.texture.height);
    ImGui::PopTextWrapPos();
  } else if (!s.loading) {
    ImGui::TextDisabled("no image: paths are drawn on the bare grid");
  }
  draw_error(s.error);
  ImGui::Separator();

  ImGui::TextUnformatted("Patch grid");
  ImGui::SetNextItemWidth(S(ctx, 90));
  ImGui::InputInt("rows", &s.rows);
  ImGui::SetNextItemWidth(S(ctx, 90));
  ImGui::InputInt("columns", &s.cols);
  s.rows = std::clamp(s.rows, 1, 64);
  s.cols = std::clamp(s.cols, 1, 64);
  ImGui::TextUnformatted("Scan orders");
  ImGui::SetNextItemWidth(-1);
  ImGui::Combo("##set", &s.set_index, kScanSetNames, kScanSets);
  refresh_orders(s);
  for (size_t i = 0; i < s.orders.size(); ++i) {
    ImGui::PushStyleColor(ImGuiCol_CheckMark, ImGui::ColorConvertU32ToFloat4(series_color(static_cast<int>(i))));
    bool on = s.shown[i];
    if (ImGui::Checkbox(s.orders[i].name.c_str(), &on)) s.shown[i] = on;
    ImGui::PopStyleColor();
    ImGui::SameLine();
    ImGui::TextDisabled("%s", scan_order_help(s.orders[i].name));
  }
  int view = s.per_direction ? 1 : 0;
  ImGui::RadioButton("one view per direction", &view, 1);
  ImGui::RadioButton("all overlaid", &view, 0);
  s.per_direction = view == 1;
  ImGui::Checkbox("grid lines", &s.show_grid);
  ImGui::Separator();

  const int n = s.rows * s.cols;
  ImGui::TextUnformatted("Playback");
  if (ImGui::Button(s.playing ? "Pause" : "Play", {S(ctx, 64), 0})) {
    if (!s.playing && static_cast<int>(s.step) >= n - 1) s.step = 0;
    s.playing = !s.playing;
  }
  ImGui::SameLine();
  if (ImGui::Button("|<")) s.step = 0;
  ImGui::SameLine();
  if (ImGui::Button("<")) s.step = std::max(0.f, std::floor(s.step) - 1);
  ImGui::SameLine();
  if (ImGui::Button(">")) s.step = std::min(static_cast<float>(n - 1), std::floor(s.step) + 1);
  ImGui::SameLine();
  if (ImGui::Button(">|")) s.step = static_cast<float>(n - 1);
  int step = static_cast<int>(s.step) + 1;  // shown 1-based, as on the views
  ImGui::SetNextItemWidth(-1);
  if (ImGui::SliderInt("##step", &step, 1, n, "step %d")) {
    s.step = static_cast<float>(step - 1);
    s.playing = false;
  }
  ImGui::SetNextItemWidth(S(ctx, 150));
  ImGui::SliderFloat("steps/s", &s.steps_per_second, 5, 400, "%.0f", ImGuiSliderFlags_Logarithmic);
  ImGui::SetNextItemWidth(S(ctx, 150));
  ImGui::SliderInt("trail", &s.trail, 0, n, s.trail == 0 ? "whole path" : "%d steps");

  if (ctx.services.contribution) {
    ImGui::Separator();
    ImGui::TextUnformatted("Contribution to an output patch");
    list_heat_models(s);
    ImGui::SetNextItemWidth(-1);
    const char* cur = s.heat_models.empty() ? "tiny-ml-mamba" : s.heat_models[static_cast<size_t>(std::clamp(s.heat_model, 0, static_cast<int>(s.heat_models.size()) - 1))].label.c_str();
    if (ImGui::BeginCombo("##heatmodel", cur)) {
      for (size_t i = 0; i < s.heat_models.size(); ++i)
        if (ImGui::Selectable(s.heat_models[i].label.c_str(), static_cast<int>(i) == s.heat_model)) s.heat_model = static_cast<int>(i);
      ImGui::EndCombo();
    }
    ImGui::SetNextItemWidth(S(ctx, 90));
    ImGui::InputInt("connector layer", &s.layer);
    s.layer = std::max(0, s.layer);
    ImGui::SetNextItemWidth(S(ctx, 90));
    ImGui::InputInt("head (-1: all)", &s.head);
    s.head = std::max(-1, s.head);
    ImGui::SetNextItemWidth(S(ctx, 90));
    ImGui::InputInt("output patch", &s.output_token);
    s.output_token = std::clamp(s.output_token, -1, n - 1);
    if (s.contribution_job) {
      ImGui::ProgressBar(static_cast<float>(s.contribution_job->fraction()), {-1, 0}, s.contribution_job->message().c_str());
    } else if (ImGui::Button("Compute")) {
      start_contribution(s, ctx);
    }
    ImGui::SameLine();
    ImGui::TextDisabled("or click a patch");
    if (s.contribution) {
      const ContributionMap& m = *s.contribution;
      ImGui::Checkbox("show heat map", &s.show_heat);
      if (!m.direction_names.empty()) {
        ImGui::TextUnformatted("directions in the overlaid map:");
        s.heat_directions.resize(m.direction_names.size(), true);
        for (size_t i = 0; i < m.direction_names.size(); ++i) {
          bool on = s.heat_directions[i];
          if (i % 4) ImGui::SameLine();
          if (ImGui::Checkbox(("##hd" + std::to_string(i)).c_str(), &on)) s.heat_directions[i] = on;
          ImGui::SameLine(0, S(ctx, 2));
          ImGui::TextUnformatted(m.direction_names[i].c_str());
        }
      }
      // Colour bar: the ramp over one scale shared by every view (square-root scale: the patch itself and its
      // scan neighbours dominate a linear one).
      const float vmax = heat_max(m);
      ImDrawList* dl = ImGui::GetWindowDrawList();
      const ImVec2 p = ImGui::GetCursorScreenPos();
      const float w = ImGui::GetContentRegionAvail().x, h = ImGui::GetTextLineHeight();
      constexpr int kSteps = 48;
      for (int i = 0; i < kSteps; ++i)
        dl->AddRectFilled({p.x + w * i / kSteps, p.y}, {p.x + w * (i + 1) / kSteps + 1, p.y + h}, heat_color(static_cast<float>(i) / (kSteps - 1), 1.f));
      ImGui::Dummy({w, h});
      ImGui::TextUnformatted("0");
      char hi[48];
      std::snprintf(hi, sizeof hi, "%.3g (sqrt scale)", vmax);
      ImGui::SameLine(w - ImGui::CalcTextSize(hi).x);
      ImGui::TextUnformatted(hi);
      ImGui::PushTextWrapPos(0);
      ImGui::TextDisabled("%s", m.description.c_str());
      ImGui::PopTextWrapPos();
    }
  }
}

}  // namespace

std::vector<float> heat_values(const ScanState& s, const std::string& order) {
  if (!s.contribution || s.contribution->rows != s.rows || s.contribution->cols != s.cols) return {};
  const ContributionMap& m = *s.contribution;
  for (size_t i = 0; i < m.direction_names.size() && i < m.directions.size(); ++i)
    if (!order.empty() && m.direction_names[i] == order) return m.directions[i];
  if (m.directions.empty()) return m.values;
  std::vector<float> out(static_cast<size_t>(s.rows * s.cols), 0.f);
  int used = 0;
  for (size_t i = 0; i < m.directions.size(); ++i) {
    if (i < s.heat_directions.size() && !s.heat_directions[i]) continue;
    for (size_t k = 0; k < out.size() && k < m.directions[i].size(); ++k) out[k] += m.directions[i][k];
    ++used;
  }
  for (float& v : out) v /= static_cast<float>(std::max(1, used));
  return out;
}

bool select_scan_set(ScanState& s, const std::string& name) {
  for (int i = 0; i < kScanSets; ++i)
    if (name == kScanSetNames[i]) {
      s.set_index = i;
      return true;
    }
  return false;
}

void load_scan_image_async(ScanState& s, const std::string& path) {
  s.error.clear();
  s.loading = std::make_unique<Job<RgbaImage>>("loading " + std::filesystem::path(path).filename().string(),
                                               [path](JobProgress&) { return load_image_rgba(path); });
  s.image_path = path;
  s.contribution.reset();
}

void release_scan_state(ScanState& s) {
  s.loading.reset();
  s.contribution_job.reset();
  free_texture(s.texture);
}

void poll_scan_jobs(ScanState& s, GuiContext& ctx) {
  if (s.contribution_job) {
    ctx.animating = true;
    ctx.job_line = s.contribution_job->title() + ": " + s.contribution_job->message();
    ctx.job_fraction = s.contribution_job->fraction();
    if (s.contribution_job->done()) {
      if (auto m = s.contribution_job->take_value()) {
        s.rows = m->rows, s.cols = m->cols;  // a checkpoint's grid is its own
        refresh_orders(s);
        if (m->patch >= 0) s.output_token = m->patch;
        s.heat_directions.assign(m->direction_names.size(), true);
        s.contribution = std::move(*m);
      } else {
        s.error = s.contribution_job->error();
        ctx.notify(s.error, true);
      }
      s.contribution_job.reset();
    }
  }
  if (s.loading) {
    ctx.animating = true;
    ctx.job_line = s.loading->title();
    if (s.loading->done()) {
      if (std::optional<RgbaImage> img = s.loading->take_value()) {
        upload_texture(s.texture, *img);  // on the UI thread: the GL context lives here
      } else {
        s.error = s.loading->error();
        ctx.notify(s.error, true);
        s.image_path.clear();
      }
      s.loading.reset();
    }
  }
  if (s.auto_contribution && ctx.services.contribution && s.texture.id && !s.loading && !s.contribution_job) {
    s.auto_contribution = false;
    start_contribution(s, ctx);
  }
}

void draw_scan_panel(ScanState& s, GuiContext& ctx) {
  refresh_orders(s);
  const int n = s.rows * s.cols;
  if (s.playing) {
    ctx.animating = true;
    s.step += ImGui::GetIO().DeltaTime * s.steps_per_second;
    if (s.step >= static_cast<float>(n)) s.step = 0;
  }

  ImGui::BeginChild("scan_sidebar", {S(ctx, 330), 0}, true);
  draw_sidebar(s, ctx);
  ImGui::EndChild();
  ImGui::SameLine();
  ImGui::BeginChild("scan_views", {0, 0}, false, ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse);
  std::vector<int> ids;
  for (size_t i = 0; i < s.orders.size(); ++i)
    if (s.shown[i]) ids.push_back(static_cast<int>(i));
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const std::string set_name = kScanSetNames[s.set_index];
  if (ids.empty()) {
    ImGui::TextDisabled("No scan order selected.");
  } else if (!s.per_direction || ids.size() == 1) {
    draw_canvas(s, ids, set_name + " (" + std::to_string(s.rows) + "x" + std::to_string(s.cols) + " patches)", avail, ctx);
  } else {
    const int m = static_cast<int>(ids.size());
    // The column count that gives each square view the most room.
    int best_cols = 1;
    float best = 0;
    for (int c = 1; c <= m; ++c) {
      const int r = (m + c - 1) / c;
      const float side = std::min(avail.x / static_cast<float>(c), avail.y / static_cast<float>(r));
      if (side > best) best = side, best_cols = c;
    }
    const int r = (m + best_cols - 1) / best_cols;
    const ImGuiStyle& st = ImGui::GetStyle();
    const ImVec2 cell{(avail.x - st.ItemSpacing.x * (best_cols - 1)) / best_cols, (avail.y - st.ItemSpacing.y * (r - 1)) / r};
    for (int k = 0; k < m; ++k) {
      if (k % best_cols) ImGui::SameLine();
      draw_canvas(s, {ids[k]}, s.orders[ids[k]].name, cell, ctx);
    }
  }
  ImGui::EndChild();
}

}  // namespace mambascope::gui
