#pragma once
// Chat panel: pick a model (presets, checkpoints under assets/models/, or a directory), open or drop an image
// (shown with the patch grid the model's encoder cuts it into), type a prompt; the answer streams in from a
// worker thread (engine/session/chat.h) with its prefill ms, tokens/s and memory; the conversation stays
// above; Stop ends the answer after the current token.
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "app/gui/file_dialog.h"
#include "app/gui/gl_util.h"
#include "app/gui/gui_context.h"
#include "app/gui/job.h"
#include "engine/session/chat.h"

namespace mambascope::gui {

struct ChatMessage {
  std::string user, answer, stats, error;
  bool streaming = false;
};

// What the worker streams to the UI while it answers.
struct ChatStream {
  std::mutex mutex;
  std::string text;
  std::atomic<bool> stop{false};
};

// The worker's result: the Chat it used (built on first use or when the model changed) and its answer.
struct ChatTurnResult {
  std::shared_ptr<Chat> chat;
  std::string chat_key;
  ChatAnswer answer;
};

struct ChatPanelState {
  std::vector<std::string> models;  // available_models(), read when the panel first draws
  int model_index = -1;
  std::string model = "tiny-ml-mamba";  // what the next answer uses (a name or a directory)
  char dir[512] = "";
  int device = 0;  // 0 CPU, 1 CUDA
  int max_new_tokens = 64;
  float temperature = 0;
  int seed = 0;
  char prompt[2048] = "";
  std::string pending_prompt;  // sent as soon as nothing runs (--prompt for screenshots)
  // The image (texture for display; the Chat embeds it from the path on the worker).
  std::string image_path;
  GlTexture texture;
  std::unique_ptr<Job<RgbaImage>> image_loading;
  FileDialogState dialog;
  // The conversation and the model behind it (touched by the UI only while no job runs).
  std::vector<ChatMessage> history;
  std::shared_ptr<Chat> chat;
  std::string chat_key;
  std::unique_ptr<Job<ChatTurnResult>> job;
  std::shared_ptr<ChatStream> stream;
  std::string warning, error;
  bool scroll_to_bottom = false;
};

// Shows `path` in the panel; the next answer is about it (a new image starts a new conversation).
void set_chat_image(ChatPanelState& s, const std::string& path);
// Queues `prompt` for the next free moment.
void send_chat_prompt(ChatPanelState& s, const std::string& prompt);
bool chat_busy(const ChatPanelState& s);
// Takes finished image loads and answers, streams text in; call once a frame, whichever panel shows.
void poll_chat(ChatPanelState& s, GuiContext& ctx);
void release_chat_state(ChatPanelState& s);
void draw_chat_panel(ChatPanelState& s, GuiContext& ctx);

}  // namespace mambascope::gui
