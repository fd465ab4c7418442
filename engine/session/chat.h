#pragma once
// A conversation with a model about (at most) one image: owns the model, its tokenizer, the chat format and
// a Session. Each ask() renders the whole conversation with the model's chat template, prefills only the
// tokens the session does not already hold (when what it holds is a prefix of the new prompt; otherwise it
// resets and prefills everything), then samples token by token, streaming UTF-8-complete text pieces, until
// a stop token of the format, max_new_tokens, a full session, or the caller's stop flag.
#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/core/memory.h"
#include "engine/image/image.h"
#include "engine/session/model_source.h"
#include "engine/session/session.h"

namespace mambascope {

struct AskOptions {
  int64_t max_new_tokens = 128;
  ops::SamplingConfig sampling;  // temperature 0 = greedy
};

struct AskStats {
  int64_t prompt_tokens = 0;    // the whole rendered conversation
  int64_t reused_tokens = 0;    // held by the session from earlier turns (not prefilled again)
  int64_t prefill_tokens = 0;   // prefilled by this answer
  double prefill_ms = 0;
  double first_token_ms = 0;    // from ask() to the first generated token (prompt, prefill, first sample)
  int64_t generated_tokens = 0;
  double decode_ms = 0;         // after the first token
  double decode_tokens_per_s() const { return decode_ms > 0 ? (generated_tokens - 1) / (decode_ms * 1e-3) : 0; }
  std::string stop_reason;      // "stop token", "max tokens", "session full", "stopped"
  MemorySnapshot memory;        // the model device's allocator after the answer
  size_t device_used = 0, device_total = 0;  // cudaMemGetInfo on CUDA (0 on the CPU)
  int64_t session_length = 0, session_capacity = 0;
};

// One line: "prefill 57 tokens in 12.3 ms (40 reused), first token 15.1 ms, 32 tokens at 812 tokens/s (max
// tokens); memory 12.3 MiB: weights ..., state ..., kv ..., activations ..., workspace ..." (+ device use on CUDA).
std::string describe_stats(const AskStats& stats);
// The stats as a JSON object (the keys of AskStats; memory in bytes by category).
std::string stats_json(const AskStats& stats);

struct ChatAnswer {
  std::string text;
  std::vector<int32_t> tokens;  // generated ids (the stop token excluded)
  AskStats stats;
};

struct ChatImageInfo {
  std::string path;
  int width = 0, height = 0;
  int64_t embeddings = 0;          // rows of image embeddings in the prompt
  int tiles = 1, cols = 1, rows = 1;  // HoVLE family: the tile grid (ML-Mamba: one 1x1 view)
  int patch_grid = 0;              // patches per side of one tile / view
  double embed_ms = 0;             // preprocessing + the encoder
};

class Chat {
 public:
  // `max_length`: tokens the session holds (prompt + answers of the whole conversation).
  Chat(ResolvedModel resolved, int64_t max_length = 4096);
  ~Chat();

  // Loads `path` and embeds it for the model's encoder; starts a new conversation. Error names the file.
  const ChatImageInfo& set_image(const std::string& path);
  void clear_image();
  // Forgets the conversation (the image stays).
  void reset();

  using PieceFn = std::function<void(const std::string&)>;
  // Answers `user_text` as the next turn; `on_piece` gets the text as it is decoded (the pieces concatenate
  // to the answer). `stop`, when set by another thread (Ctrl-C, a Stop button), ends it after the current token;
  // set before the first token is sampled, the answer is empty.
  ChatAnswer ask(const std::string& user_text, const PieceFn& on_piece = {}, const std::atomic<bool>* stop = nullptr,
                 const AskOptions& options = {});

  const Model& model() const { return *model_; }
  const Tokenizer& tokenizer() const { return *tokenizer_; }
  ChatFormat format() const { return format_; }
  const std::vector<ChatTurn>& turns() const { return turns_; }
  const std::optional<ChatImageInfo>& image() const { return image_; }
  const std::vector<int32_t>& held_tokens() const { return held_; }  // what the session holds, in order
  // The logits after the last ask's prefill (the distribution of the answer's first token).
  const std::vector<float>& prefill_logits() const { return prefill_logits_; }
  // Off: every ask resets the session and prefills the whole conversation (the reference the incremental
  // path is tested against).
  void set_reuse_prefix(bool on) { reuse_prefix_ = on; }
  int64_t max_length() const { return max_length_; }
  const std::string& warning() const { return warning_; }
  const std::string& weights_from() const { return weights_from_; }

 private:
  std::shared_ptr<const Model> model_;
  std::shared_ptr<const Tokenizer> tokenizer_;
  ChatFormat format_;
  std::string warning_, weights_from_;
  int64_t max_length_;
  std::unique_ptr<Session> session_;
  std::vector<ChatTurn> turns_;
  std::optional<ChatImageInfo> image_;
  Tensor image_emb_;   // [n, hidden] on the model device
  std::vector<int32_t> held_;
  std::vector<float> prefill_logits_;
  bool reuse_prefix_ = true;
};

}  // namespace mambascope
