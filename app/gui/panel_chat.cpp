#include "app/gui/panel_chat.h"

#include <algorithm>
#include <cstring>
#include <filesystem>

#include <imgui.h>

#include "app/gui/ui_common.h"
#include "engine/core/cuda.h"
#include "engine/core/error.h"
#include "engine/image/preprocess.h"

namespace mambascope::gui {

namespace {

// How the model's encoder cuts an image: ML-Mamba one square view of g x g patches; the HoVLE family a grid of
// tiles (cols x rows, each g x g patches; the thumbnail is not drawn).
struct PatchLayout {
  int cols = 1, rows = 1, grid = 0;
  bool square = true;  // the image is resized to a square as a whole
};

PatchLayout patch_layout(const std::string& model, int width, int height) {
  PatchLayout l;
  try {
    const ModelConfig c = resolve_model_config(model);
    if (c.family == ModelFamily::MLMamba) {
      l.grid = static_cast<int>(c.mlm.grid());
    } else {
      const HovleConfig& h = c.hovle;
      l.grid = static_cast<int>(h.grid());
      std::tie(l.cols, l.rows) = hovle_tile_grid(width, height, static_cast<int>(h.max_tiles), 1, static_cast<int>(h.image_size));
      l.square = false;
    }
  } catch (const Error&) {
    l.grid = 0;  // a model that does not resolve: the image alone
  }
  return l;
}

std::string model_key(const ChatPanelState& s) {
  return s.model + (s.device ? "@cuda" : "@cpu") + "#" + std::to_string(s.seed);
}

void start_answer(ChatPanelState& s, const std::string& prompt) {
  s.error.clear();
  s.stream = std::make_shared<ChatStream>();
  s.history.push_back({prompt, "", "", "", true});
  s.scroll_to_bottom = true;
  ModelRequest req;
  req.model = s.model;
  req.device = s.device ? Device::Cuda : Device::Cpu;
  req.dtype = s.device ? DType::BF16 : DType::F32;
  req.seed = static_cast<uint64_t>(s.seed);
  AskOptions ao;
  ao.max_new_tokens = std::max(1, s.max_new_tokens);
  ao.sampling.temperature = s.temperature;
  ao.sampling.seed = static_cast<uint64_t>(s.seed);
  const std::string key = model_key(s);
  s.job = std::make_unique<Job<ChatTurnResult>>(
      "answering with " + s.model, [chat = s.chat, old_key = s.chat_key, key, req, image = s.image_path, prompt, ao,
                                    stream = s.stream](JobProgress& progress) mutable {
        ChatTurnResult r;
        if (!chat || old_key != key) {
          progress.report(0, "loading " + req.model);
          chat.reset();
          chat = std::make_shared<Chat>(resolve_model(req), 4096);
        }
        const std::string held = chat->image() ? chat->image()->path : "";
        if (image != held) {
          progress.report(0, image.empty() ? "no image" : "embedding the image");
          if (image.empty()) chat->clear_image();
          else chat->set_image(image);
        }
        progress.report(0, "answering");
        r.answer = chat->ask(prompt, [&](const std::string& piece) {
          if (progress.cancelled()) stream->stop = true;
          std::lock_guard<std::mutex> lock(stream->mutex);
          stream->text += piece;
        }, &stream->stop, ao);
        r.chat = std::move(chat);
        r.chat_key = key;
        return r;
      });
}

// The image in a box of `width` points, with its tile and patch grid over it.
void draw_image_with_grid(ChatPanelState& s, GuiContext& ctx, float width) {
  const GlTexture& t = s.texture;
  const PatchLayout l = patch_layout(s.model, t.width, t.height);
  const float aspect = l.square ? 1.f : static_cast<float>(l.rows) / static_cast<float>(l.cols);
  const float w = width, h = std::min(width * aspect, S(ctx, 420));
  const float ww = h < width * aspect ? h / aspect : w;
  ImVec2 a = ImGui::GetCursorScreenPos();
  ImGui::InvisibleButton("##chat_image", {w, h});
  a.x += (w - ww) / 2;
  const ImVec2 b{a.x + ww, a.y + h};
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddImage(reinterpret_cast<ImTextureID>(static_cast<intptr_t>(t.id)), a, b);
  if (l.grid <= 0) return;
  const int nx = l.cols * l.grid, ny = l.rows * l.grid;
  const ImU32 patch = IM_COL32(255, 255, 255, nx > 40 ? 40 : 90), tile = IM_COL32(255, 210, 80, 220);
  for (int i = 0; i <= nx; ++i) {
    const float x = a.x + (b.x - a.x) * static_cast<float>(i) / static_cast<float>(nx);
    dl->AddLine({x, a.y}, {x, b.y}, i % l.grid == 0 ? tile : patch, i % l.grid == 0 ? S(ctx, 1.5f) : 1.f);
  }
  for (int j = 0; j <= ny; ++j) {
    const float y = a.y + (b.y - a.y) * static_cast<float>(j) / static_cast<float>(ny);
    dl->AddLine({a.x, y}, {b.x, y}, j % l.grid == 0 ? tile : patch, j % l.grid == 0 ? S(ctx, 1.5f) : 1.f);
  }
  ImGui::PushTextWrapPos(0);
  ImGui::TextDisabled("%d x %d px; %s", t.width, t.height,
                      l.square ? (std::to_string(l.grid) + " x " + std::to_string(l.grid) + " patches (resized to a square)").c_str()
                               : (std::to_string(l.cols) + " x " + std::to_string(l.rows) + " tiles of " + std::to_string(l.grid) + " x " +
                                  std::to_string(l.grid) + " patches" + (l.cols * l.rows > 1 ? " + thumbnail" : ""))
                                     .c_str());
  ImGui::PopTextWrapPos();
}

void draw_sidebar(ChatPanelState& s, GuiContext& ctx) {
  const bool idle = !s.job;
  if (s.models.empty()) {
    s.models = available_models();
    for (size_t i = 0; i < s.models.size(); ++i)
      if (s.models[i] == s.model) s.model_index = static_cast<int>(i);
  }
  ImGui::TextUnformatted("Model");
  ImGui::SetNextItemWidth(-1);
  if (ImGui::BeginCombo("##model", s.model.c_str())) {
    for (size_t i = 0; i < s.models.size(); ++i)
      if (ImGui::Selectable(s.models[i].c_str(), static_cast<int>(i) == s.model_index) && idle) {
        s.model_index = static_cast<int>(i);
        s.model = s.models[i];
      }
    ImGui::EndCombo();
  }
  ImGui::SetNextItemWidth(-S(ctx, 56));
  ImGui::InputTextWithHint("##dir", "checkpoint directory", s.dir, sizeof s.dir);
  ImGui::SameLine();
  if (ImGui::Button("Use") && idle && s.dir[0]) {
    s.model = s.dir;
    s.model_index = -1;
  }
  const bool gpu = cuda_device_count() > 0;
  ImGui::RadioButton("CPU", &s.device, 0);
  ImGui::SameLine();
  if (!gpu) ImGui::BeginDisabled();
  ImGui::RadioButton("CUDA", &s.device, 1);
  if (!gpu) ImGui::EndDisabled();
  if (!gpu) s.device = 0;
  ImGui::SetNextItemWidth(S(ctx, 120));
  ImGui::InputInt("max new tokens", &s.max_new_tokens);
  s.max_new_tokens = std::clamp(s.max_new_tokens, 1, 4096);
  ImGui::SetNextItemWidth(S(ctx, 120));
  ImGui::SliderFloat("temperature", &s.temperature, 0.f, 2.f, s.temperature == 0 ? "0 (greedy)" : "%.2f");
  ImGui::SetNextItemWidth(S(ctx, 120));
  ImGui::InputInt("seed", &s.seed);
  if (!s.warning.empty()) {
    ImGui::PushTextWrapPos(0);
    ImGui::TextColored({1.f, 0.8f, 0.4f, 1.f}, "%s", s.warning.c_str());
    ImGui::PopTextWrapPos();
  }
  ImGui::Separator();

  ImGui::TextUnformatted("Image");
  if (ImGui::Button("Open image...")) open_file_dialog(s.dialog, "Open image", {".png", ".jpg", ".jpeg", ".bmp", ".gif"}, false);
  const std::vector<std::string> chosen = draw_file_dialog(s.dialog);
  if (!chosen.empty()) set_chat_image(s, chosen.front());
  if (!s.image_path.empty()) {
    ImGui::SameLine();
    if (ImGui::Button("Remove") && idle) {
      s.image_path.clear();
      free_texture(s.texture);
    }
  }
  if (s.image_loading) ImGui::TextDisabled("%s...", s.image_loading->title().c_str());
  if (!s.image_path.empty() && s.texture.id) {
    ImGui::TextUnformatted(std::filesystem::path(s.image_path).filename().string().c_str());
    draw_image_with_grid(s, ctx, ImGui::GetContentRegionAvail().x);
  } else if (!s.image_loading) {
    ImGui::PushTextWrapPos(0);
    ImGui::TextDisabled("no image: drop one on the window or open one; text-only chat works too");
    ImGui::PopTextWrapPos();
  }
}

void draw_conversation(ChatPanelState& s, GuiContext& ctx) {
  const float input_h = ImGui::GetFrameHeightWithSpacing() * 2 + ImGui::GetStyle().ItemSpacing.y;
  ImGui::BeginChild("chat_history", {0, -input_h}, true);
  if (s.history.empty())
    draw_empty_hint(ctx, "Chat about an image",
                    "Pick a model, open or drop an image, type a question below and press Enter. The answer streams in "
                    "with its prefill time, decode tokens/s and memory. Tiny presets run with generated weights: their "
                    "answers are gibberish, their timings and memory are real.");
  for (size_t i = 0; i < s.history.size(); ++i) {
    const ChatMessage& m = s.history[i];
    ImGui::PushID(static_cast<int>(i));
    if (ctx.bold) ImGui::PushFont(ctx.bold);
    ImGui::TextColored({0.55f, 0.75f, 1.f, 1.f}, "You");
    if (ctx.bold) ImGui::PopFont();
    ImGui::PushTextWrapPos(0);
    ImGui::TextUnformatted(m.user.c_str());
    if (ctx.bold) ImGui::PushFont(ctx.bold);
    ImGui::TextColored({0.6f, 0.9f, 0.6f, 1.f}, "%s", s.model.c_str());
    if (ctx.bold) ImGui::PopFont();
    const std::string shown = m.answer + (m.streaming ? " \xE2\x96\x8C" : "");  // a block cursor while it streams
    ImGui::TextUnformatted(shown.c_str());
    if (!m.stats.empty()) ImGui::TextDisabled("%s", m.stats.c_str());
    if (!m.error.empty()) ImGui::TextColored(colors::kError, "%s", m.error.c_str());
    ImGui::PopTextWrapPos();
    ImGui::Separator();
    ImGui::PopID();
  }
  if (s.scroll_to_bottom) {
    ImGui::SetScrollHereY(1.f);
    s.scroll_to_bottom = false;
  }
  ImGui::EndChild();

  draw_error(s.error);
  const bool running = static_cast<bool>(s.job);
  ImGui::SetNextItemWidth(-S(ctx, 200));
  const bool enter = ImGui::InputTextWithHint("##prompt", "ask about the image (Enter sends)", s.prompt, sizeof s.prompt,
                                              ImGuiInputTextFlags_EnterReturnsTrue);
  ImGui::SameLine();
  if (running) {
    if (ImGui::Button("Stop", {S(ctx, 90), 0}) && s.stream) s.stream->stop = true;
  } else if ((ImGui::Button("Send", {S(ctx, 90), 0}) || enter) && s.prompt[0]) {
    send_chat_prompt(s, s.prompt);
    s.prompt[0] = 0;
    ImGui::SetKeyboardFocusHere(-1);
  }
  ImGui::SameLine();
  if (ImGui::Button("New chat", {S(ctx, 90), 0}) && !running) {
    s.history.clear();
    if (s.chat) s.chat->reset();
  }
}

}  // namespace

void set_chat_image(ChatPanelState& s, const std::string& path) {
  s.error.clear();
  s.image_loading = std::make_unique<Job<RgbaImage>>("loading " + std::filesystem::path(path).filename().string(),
                                                     [path](JobProgress&) { return load_image_rgba(path); });
  s.image_path = path;
  s.history.clear();  // a new image starts a new conversation (the Chat resets when it embeds it)
}

void send_chat_prompt(ChatPanelState& s, const std::string& prompt) { s.pending_prompt = prompt; }

bool chat_busy(const ChatPanelState& s) { return s.job || s.image_loading || !s.pending_prompt.empty(); }

void poll_chat(ChatPanelState& s, GuiContext& ctx) {
  if (s.image_loading) {
    ctx.animating = true;
    if (s.image_loading->done()) {
      if (std::optional<RgbaImage> img = s.image_loading->take_value()) {
        upload_texture(s.texture, *img);  // on the UI thread: the GL context lives here
      } else {
        s.error = s.image_loading->error();
        ctx.notify(s.error, true);
        s.image_path.clear();
      }
      s.image_loading.reset();
    }
  }
  if (s.job) {
    ctx.animating = true;
    ctx.job_line = s.job->title() + ": " + s.job->message();
    if (!s.history.empty() && s.stream) {
      std::lock_guard<std::mutex> lock(s.stream->mutex);
      if (s.history.back().answer.size() != s.stream->text.size()) s.scroll_to_bottom = true;
      s.history.back().answer = s.stream->text;
    }
    if (s.job->done()) {
      ChatMessage& m = s.history.back();
      m.streaming = false;
      if (std::optional<ChatTurnResult> r = s.job->take_value()) {
        s.chat = std::move(r->chat);
        s.chat_key = r->chat_key;
        s.warning = s.chat->warning();
        m.answer = r->answer.text;
        m.stats = describe_stats(r->answer.stats);
      } else {
        m.error = s.job->error();
        ctx.notify(m.error, true);
      }
      s.job.reset();
      s.stream.reset();
      s.scroll_to_bottom = true;
    }
  } else if (!s.pending_prompt.empty() && !s.image_loading) {
    const std::string p = std::move(s.pending_prompt);
    s.pending_prompt.clear();
    start_answer(s, p);
  }
}

void release_chat_state(ChatPanelState& s) {
  if (s.stream) s.stream->stop = true;
  s.job.reset();
  s.image_loading.reset();
  free_texture(s.texture);
}

void draw_chat_panel(ChatPanelState& s, GuiContext& ctx) {
  ImGui::BeginChild("chat_sidebar", {S(ctx, 360), 0}, true);
  draw_sidebar(s, ctx);
  ImGui::EndChild();
  ImGui::SameLine();
  ImGui::BeginChild("chat_main", {0, 0}, false);
  draw_conversation(s, ctx);
  ImGui::EndChild();
}

}  // namespace mambascope::gui
