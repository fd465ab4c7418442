#include "app/gui/panel_models.h"

#include <algorithm>
#include <cstdio>

#include <imgui.h>

#include "app/gui/ui_common.h"
#include "engine/core/cuda.h"
#include "engine/core/memory.h"

namespace mambascope::gui {

namespace {

constexpr DType kDtypes[] = {DType::F32, DType::BF16, DType::F16};
constexpr const char* kDtypeNames[] = {"f32", "bf16", "f16"};
constexpr size_t kAutoLoadBytes = 64u << 20;

std::string with_commas(int64_t v) {
  const std::string d = std::to_string(v);
  std::string s;
  for (size_t i = 0; i < d.size(); ++i) {
    if (i > 0 && (d.size() - i) % 3 == 0 && d[i - 1] != '-') s += ',';
    s += d[i];
  }
  return s;
}

void ensure_listed(ModelsState& s) {
  if (s.listed) return;
  s.choices = list_model_choices();
  s.listed = true;
}

std::string current_key(const ModelsState& s) {
  return s.choices.empty() ? std::string() : s.choices[static_cast<size_t>(s.choice)].source;
}

void refresh_config(ModelsState& s) {
  const std::string key = current_key(s);
  if (key == s.config_key) return;
  s.config_key = key;
  s.config.reset();
  s.error.clear();
  try {
    s.config = choice_config(s.choices[static_cast<size_t>(s.choice)]);
  } catch (const std::exception& e) {
    s.error = e.what();
  }
}

// The layer pattern as a strip of blocks (width by weight), colour by kind, a tooltip per block.
void draw_strip(const std::vector<StripItem>& items, GuiContext& ctx) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const float h = S(ctx, 34), w = ImGui::GetContentRegionAvail().x;
  const ImVec2 p0 = ImGui::GetCursorScreenPos();
  ImGui::InvisibleButton("strip", {w, h});
  float total = 0;
  for (const StripItem& it : items) total += it.weight;
  const float gap = items.size() > 64 ? 0.f : S(ctx, 1);
  float x = p0.x;
  const ImVec2 mouse = ImGui::GetIO().MousePos;
  for (const StripItem& it : items) {
    const float bw = w * it.weight / total;
    const ImVec2 a{x, p0.y}, b{x + bw - gap, p0.y + h};
    const bool hover = ImGui::IsItemHovered() && mouse.x >= a.x && mouse.x < x + bw;
    dl->AddRectFilled(a, b, hover ? IM_COL32(255, 255, 255, 255) : strip_color(it.kind), S(ctx, 2));
    const ImVec2 ts = ImGui::CalcTextSize(it.label.c_str());
    if (ts.x + S(ctx, 4) < bw)
      dl->AddText({a.x + (bw - gap - ts.x) / 2, a.y + (h - ts.y) / 2}, IM_COL32(15, 16, 18, 255), it.label.c_str());
    if (hover && !ctx.capture_pending()) {
      ImGui::BeginTooltip();
      ImGui::TextUnformatted(it.tooltip.c_str());
      ImGui::EndTooltip();
    }
    x += bw;
  }
  // Legend.
  for (StripKind k : {StripKind::Vision, StripKind::Connector, StripKind::Projector, StripKind::Embedding, StripKind::Mamba,
                      StripKind::Attention}) {
    if (std::none_of(items.begin(), items.end(), [&](const StripItem& i) { return i.kind == k; })) continue;
    static const char* kNames[] = {"vision encoder", "scan connector", "projector", "embedding", "Mamba-2", "attention"};
    const ImVec2 c = ImGui::GetCursorScreenPos();
    const float sq = ImGui::GetTextLineHeight();
    ImGui::GetWindowDrawList()->AddRectFilled({c.x, c.y + sq * 0.15f}, {c.x + sq * 0.7f, c.y + sq * 0.85f}, strip_color(k), 2);
    ImGui::Dummy({sq * 0.8f, sq});
    ImGui::SameLine();
    ImGui::TextUnformatted(kNames[static_cast<int>(k)]);
    ImGui::SameLine(0, S(ctx, 16));
  }
  ImGui::NewLine();
}

void draw_memory_plan(ModelsState& s, GuiContext& ctx, const ModelSummary& sum) {
  ImGui::TextUnformatted("Memory");
  ImGui::SetNextItemWidth(S(ctx, 140));
  ImGui::InputInt("context length (tokens)", &s.context, 1024, 16384);
  s.context = std::clamp(s.context, 1, 1 << 24);
  const DType dt = kDtypes[s.dtype_index];
  if (!s.model) {
    ImGui::Text("weights (from the config): %s in %s", format_bytes(sum.weight_bytes).c_str(), kDtypeNames[s.dtype_index]);
    ImGui::PushTextWrapPos(0);
    ImGui::TextDisabled("State, KV cache and activations come from the session planner (plan_session), which asks the built "
                        "model's layers for their cache and scratch sizes: load the model to see them.");
    ImGui::PopTextWrapPos();
    return;
  }
  try {
    SessionOptions o;
    o.max_length = s.context;
    o.prefill_chunk = std::min<int64_t>(o.prefill_chunk, s.context);
    const MemoryPlan p = plan_session(*s.model, o);
    if (ImGui::BeginTable("plan", 2, ImGuiTableFlags_SizingFixedFit | ImGuiTableFlags_RowBg)) {
      auto row = [](const char* k, size_t v) {
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(k);
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(format_bytes(v).c_str());
      };
      row("weights (resident)", p.weights);
      row("state (conv + SSM)", p.state);
      row("KV cache", p.kv);
      row("activations (prefill arena)", p.activations);
      row("workspace", p.workspace);
      row("total", p.total());
      if (p.device_free) row("GPU free now", p.device_free);
      ImGui::EndTable();
    }
    ImGui::TextDisabled("plan_session for %s on %s in %s at %d tokens", s.model->config().name.c_str(),
                        s.model->device() == Device::Cuda ? "CUDA" : "CPU", dtype_name(dt), s.context);
  } catch (const std::exception& e) {
    ImGui::TextColored(colors::kError, "%s", e.what());
  }
}

}  // namespace

bool select_model(ModelsState& s, const std::string& source) {
  ensure_listed(s);
  // A name resolves as in `mambascope chat`: a trained checkpoint under <assets>/models/ before the preset.
  std::string want = source;
  try {
    if (const std::string dir = checkpoint_dir(source); !dir.empty()) want = dir;
  } catch (const std::exception&) {
    // neither a preset nor a checkpoint: no choice matches it below
  }
  for (size_t i = 0; i < s.choices.size(); ++i)
    if (s.choices[i].source == want) {
      s.choice = static_cast<int>(i);
      return true;
    }
  return false;
}

bool models_busy(const ModelsState& s) { return s.loading != nullptr; }

void poll_models_jobs(ModelsState& s, GuiContext& ctx) {
  if (!s.loading) return;
  ctx.animating = true;
  ctx.job_line = s.loading->title();
  if (!s.loading->done()) return;
  if (auto m = s.loading->take_value()) {
    s.model = std::move(*m);
  } else {
    s.error = s.loading->error();
    ctx.notify(s.error, true);
  }
  s.loading.reset();
}

void draw_models_panel(ModelsState& s, GuiContext& ctx) {
  ensure_listed(s);
  ImGui::BeginChild("models_sidebar", {S(ctx, 330), 0}, true);
  ImGui::TextUnformatted("Model");
  ImGui::SetNextItemWidth(-1);
  if (ImGui::BeginCombo("##model", s.choices.empty() ? "" : s.choices[static_cast<size_t>(s.choice)].label.c_str())) {
    for (size_t i = 0; i < s.choices.size(); ++i)
      if (ImGui::Selectable(s.choices[i].label.c_str(), static_cast<int>(i) == s.choice)) s.choice = static_cast<int>(i);
    ImGui::EndCombo();
  }
  char buf[512];
  std::snprintf(buf, sizeof buf, "%s", s.custom_dir.c_str());
  ImGui::SetNextItemWidth(-S(ctx, 50));
  if (ImGui::InputTextWithHint("##dir", "other checkpoint directory", buf, sizeof buf)) s.custom_dir = buf;
  ImGui::SameLine();
  if (ImGui::Button("Add") && !s.custom_dir.empty() && !select_model(s, s.custom_dir)) {
    s.choices.push_back({s.custom_dir + " (checkpoint)", s.custom_dir, false});
    s.choice = static_cast<int>(s.choices.size()) - 1;
  }
  ImGui::Separator();
  ImGui::TextUnformatted("Backend");
  if (s.have_cuda < 0) {
    try {
      s.have_cuda = cuda_runtime_info().device_count > 0 ? 1 : 0;
    } catch (const std::exception&) {
      s.have_cuda = 0;
    }
  }
  const bool have_cuda = s.have_cuda == 1;
  int backend = s.cuda ? 1 : 0;
  ImGui::RadioButton("CPU", &backend, 0);
  ImGui::SameLine();
  if (!have_cuda) ImGui::BeginDisabled();
  ImGui::RadioButton(have_cuda ? "CUDA" : "CUDA (no device)", &backend, 1);
  if (!have_cuda) ImGui::EndDisabled();
  s.cuda = backend == 1 && have_cuda;
  ImGui::TextUnformatted("Weights dtype");
  ImGui::SetNextItemWidth(S(ctx, 90));
  ImGui::Combo("##dtype", &s.dtype_index, kDtypeNames, 3);
  refresh_config(s);
  ImGui::Separator();
  const ModelChoice* choice = s.choices.empty() ? nullptr : &s.choices[static_cast<size_t>(s.choice)];
  const std::string key = current_key(s) + (s.cuda ? "/cuda/" : "/cpu/") + kDtypeNames[s.dtype_index];
  // Small models (the tiny presets and checkpoints) load by themselves so that the planner's numbers show.
  const bool small = s.config && summarize_model(*s.config, kDtypes[s.dtype_index]).weight_bytes <= kAutoLoadBytes;
  const bool auto_load = small && s.model_key != key && s.error.empty();
  if (s.loading) {
    ImGui::TextDisabled("%s...", s.loading->title().c_str());
  } else if (choice && (auto_load || ImGui::Button(s.model && s.model_key == key ? "Reload" : "Load"))) {
    s.model.reset();
    s.error.clear();
    s.model_key = key;
    const std::string src = choice->source;
    const bool preset = choice->preset, cuda = s.cuda;
    const DType dt = kDtypes[s.dtype_index];
    s.loading = std::make_unique<Job<std::shared_ptr<const Model>>>(
        "loading " + src, [src, preset, cuda, dt](JobProgress&) {
          return std::shared_ptr<const Model>(load_model(src, cuda ? Device::Cuda : Device::Cpu, dt, preset ? 0 : -1));
        });
  }
  if (s.model && s.model_key != key) ImGui::TextDisabled("loaded: %s (the choice above differs)", s.model_key.c_str());
  else if (s.model) ImGui::TextDisabled("loaded: %s", s.model_key.c_str());
  if (choice && choice->preset) {
    ImGui::PushTextWrapPos(0);
    ImGui::TextDisabled("A preset loads with deterministic random weights (seed 0): right sizes, meaningless outputs.");
    ImGui::PopTextWrapPos();
  }
  draw_error(s.error);
  ImGui::EndChild();
  ImGui::SameLine();

  ImGui::BeginChild("models_main", {0, 0}, false);
  if (!s.config) {
    ImGui::TextDisabled("No model chosen.");
    ImGui::EndChild();
    return;
  }
  const ModelConfig& c = *s.config;
  const ModelSummary sum = summarize_model(c, kDtypes[s.dtype_index]);
  ImGui::PushFont(ctx.bold);
  ImGui::Text("%s  \xC2\xB7  %s parameters  \xC2\xB7  %s in %s", c.name.c_str(), with_commas(sum.params).c_str(),
              format_bytes(sum.weight_bytes).c_str(), kDtypeNames[s.dtype_index]);
  ImGui::PopFont();
  ImGui::Spacing();
  ImGui::TextUnformatted("Layers (hover a block for its dims)");
  draw_strip(layer_strip(c), ctx);
  ImGui::Spacing();
  if (ImGui::BeginTable("dims", 2, ImGuiTableFlags_SizingFixedFit | ImGuiTableFlags_RowBg, {S(ctx, 520), 0})) {
    for (const auto& [k, v] : sum.dims) {
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(k.c_str());
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(v.c_str());
    }
    ImGui::EndTable();
  }
  ImGui::SameLine(0, S(ctx, 24));
  if (ImGui::BeginTable("parts", 3, ImGuiTableFlags_SizingFixedFit | ImGuiTableFlags_RowBg | ImGuiTableFlags_Borders, {S(ctx, 400), 0})) {
    ImGui::TableSetupColumn("part");
    ImGui::TableSetupColumn("parameters");
    ImGui::TableSetupColumn("bytes");
    ImGui::TableHeadersRow();
    for (const ParamPart& p : sum.parts) {
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(p.name.c_str());
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(with_commas(p.params).c_str());
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(format_bytes(p.bytes).c_str());
    }
    ImGui::EndTable();
  }
  ImGui::TextDisabled("Parameter counts and bytes are exact: every tensor of the checkpoint (engine/model/weight_specs.h); "
                      "A_log, dt_bias, D and position tables stay f32.");
  ImGui::Separator();
  draw_memory_plan(s, ctx, sum);
  ImGui::EndChild();
}

}  // namespace mambascope::gui
