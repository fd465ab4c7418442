#include "engine/session/chat.h"

#include <algorithm>
#include <chrono>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "engine/core/cuda.h"
#include "engine/core/error.h"
#include "engine/image/preprocess.h"

namespace mambascope {

namespace {

using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

bool blank(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; });
}

}  // namespace

Chat::Chat(ResolvedModel r, int64_t max_length)
    : model_(std::move(r.model)),
      tokenizer_(std::move(r.tokenizer)),
      format_(r.format),
      warning_(std::move(r.warning)),
      weights_from_(std::move(r.weights_from)),
      max_length_(max_length) {
  if (!model_) throw Error("no model to chat with", "chat", "--model");
  if (!tokenizer_)
    throw Error("the model has no tokenizer", model_->config().name, "--tokenizer",
                "pass --tokenizer FILE (the model's tokenizer.json or tokenizer.model)");
  SessionOptions o;
  o.max_length = max_length;
  o.prefill_chunk = std::min<int64_t>(max_length, 2048);
  session_ = std::make_unique<Session>(model_, o);
}

Chat::~Chat() = default;

const ChatImageInfo& Chat::set_image(const std::string& path) {
  const auto t0 = Clock::now();
  const Image im = load_image(path);  // Error names the file
  const ModelConfig& c = model_->config();
  ChatImageInfo info;
  info.path = path;
  info.width = im.width;
  info.height = im.height;
  Tensor pixels;
  if (c.family == ModelFamily::MLMamba) {
    pixels = stack_mlmamba_pixels(preprocess_mlmamba(im, static_cast<int>(c.mlm.dino.image_size)));
    info.patch_grid = static_cast<int>(c.mlm.grid());
  } else {
    const HovleConfig& h = c.hovle;
    const HoVLEPixels px = preprocess_hovle(im, static_cast<int>(h.max_tiles), static_cast<int>(h.image_size));
    pixels = px.pixels;
    info.tiles = static_cast<int>(px.pixels.dim(0));
    info.cols = px.cols;
    info.rows = px.rows;
    info.patch_grid = static_cast<int>(h.grid());
  }
  Tensor emb = model_->embed_image(pixels, nullptr);
  info.embeddings = emb.dim(0);
  info.embed_ms = ms_since(t0);
  image_emb_ = std::move(emb);
  image_ = info;
  reset();  // a new image starts a new conversation
  return *image_;
}

void Chat::clear_image() {
  image_.reset();
  image_emb_ = Tensor();
  reset();
}

void Chat::reset() {
  turns_.clear();
  held_.clear();
  session_->reset();
}

ChatAnswer Chat::ask(const std::string& user_text, const PieceFn& on_piece, const std::atomic<bool>* stop, const AskOptions& opt) {
  if (blank(user_text)) throw Error("the prompt is empty", "chat", "prompt", "type a question (about the image, if there is one)");
  if (opt.max_new_tokens <= 0) throw Error("max_new_tokens must be positive", "chat", "--max-new-tokens");
  const auto t0 = Clock::now();
  std::vector<ChatTurn> turns = turns_;
  turns.push_back({user_text, std::nullopt});
  ChatOptions co;
  co.image_embeddings = image_ ? image_->embeddings : 0;
  co.system_message = model_->config().hovle.system_message;
  const ChatPrompt p = build_chat_prompt(*tokenizer_, format_, turns, co);
  const int64_t n = static_cast<int64_t>(p.ids.size());
  if (n + 1 > max_length_)
    throw Error("the conversation's prompt is " + std::to_string(n) + " tokens and its answer needs at least one more; the session holds " +
                    std::to_string(max_length_),
                "chat", "--max-length",
                "use --max-length " + std::to_string(n + opt.max_new_tokens) + " (or /reset to start a new conversation)");

  // Reuse what the session holds when it is a prefix of the new prompt that does not cut the image span.
  size_t keep = 0;
  if (reuse_prefix_ && held_.size() < p.ids.size() && std::equal(held_.begin(), held_.end(), p.ids.begin())) {
    keep = held_.size();
    for (const ImageSpan& s : p.images)
      if (static_cast<int64_t>(keep) > s.begin && static_cast<int64_t>(keep) < s.begin + s.count) keep = 0;
  }
  if (keep == 0) {
    session_->reset();
    held_.clear();
  }
  std::vector<int32_t> fresh(p.ids.begin() + static_cast<std::ptrdiff_t>(keep), p.ids.end());
  Tensor image;
  int64_t image_at = 0;
  for (const ImageSpan& s : p.images)
    if (s.begin >= static_cast<int64_t>(keep)) {  // the image lies in what is prefilled now
      image = image_emb_;
      image_at = s.begin - static_cast<int64_t>(keep);
    }
  ChatAnswer a;
  AskStats& st = a.stats;
  st.prompt_tokens = n;
  st.reused_tokens = static_cast<int64_t>(keep);
  st.prefill_tokens = static_cast<int64_t>(fresh.size());
  const auto tp = Clock::now();
  prefill_logits_ = session_->prefill(fresh, image, image_at);
  st.prefill_ms = ms_since(tp);
  held_.insert(held_.end(), fresh.begin(), fresh.end());

  StreamDecoder stream(*tokenizer_, /*skip_special=*/true);
  auto emit = [&](const std::string& piece) {
    if (piece.empty()) return;
    a.text += piece;
    if (on_piece) on_piece(piece);
  };
  const auto td = Clock::now();
  int32_t tok = -1;
  if (stop && stop->load()) {
    st.stop_reason = "stopped";  // before the first token (a Stop during the prefill): an empty answer
  } else {
    tok = session_->sample_last(opt.sampling);
    st.first_token_ms = ms_since(t0);
  }
  while (tok >= 0) {
    if (std::find(p.stop_ids.begin(), p.stop_ids.end(), tok) != p.stop_ids.end()) {
      st.stop_reason = "stop token";
      break;
    }
    a.tokens.push_back(tok);
    emit(stream.push(tok));
    if (static_cast<int64_t>(a.tokens.size()) >= opt.max_new_tokens) {
      st.stop_reason = "max tokens";
      break;
    }
    if (stop && stop->load()) {
      st.stop_reason = "stopped";
      break;
    }
    if (session_->length() >= max_length_) {
      st.stop_reason = "session full";
      break;
    }
    const int32_t fed = tok;
    tok = session_->decode(fed, opt.sampling);
    held_.push_back(fed);
  }
  emit(stream.flush());
  st.generated_tokens = static_cast<int64_t>(a.tokens.size());
  st.decode_ms = a.tokens.size() > 1 ? ms_since(td) : 0;
  const Device dev = model_->device();
  st.memory = allocator_for(dev).stats().snapshot();
  if (dev == Device::Cuda) {
    const CudaDeviceInfo d = cuda_devices().at(0);
    st.device_total = d.total_bytes;
    st.device_used = d.total_bytes - d.free_bytes;
  }
  st.session_length = session_->length();
  st.session_capacity = max_length_;
  turns_.push_back({user_text, a.text});
  return a;
}

std::string describe_stats(const AskStats& s) {
  std::string out = fmt::format("prefill {} tokens in {:.1f} ms", s.prefill_tokens, s.prefill_ms);
  if (s.reused_tokens) out += fmt::format(" ({} reused)", s.reused_tokens);
  out += fmt::format(", first token {:.1f} ms, {} tokens", s.first_token_ms, s.generated_tokens);
  if (s.generated_tokens > 1) out += fmt::format(" at {:.1f} tokens/s", s.decode_tokens_per_s());
  out += " (" + s.stop_reason + ")";
  const MemorySnapshot& m = s.memory;
  out += fmt::format("; memory {}: weights {}, state {}, kv {}, activations {}, workspace {}", format_bytes(m.total_current),
                     format_bytes(m.cur(MemCategory::Weights)), format_bytes(m.cur(MemCategory::State)), format_bytes(m.cur(MemCategory::KV)),
                     format_bytes(m.cur(MemCategory::Activations)), format_bytes(m.cur(MemCategory::Workspace)));
  if (s.device_total) out += fmt::format("; GPU {} of {} in use", format_bytes(s.device_used), format_bytes(s.device_total));
  return out;
}

std::string stats_json(const AskStats& s) {
  nlohmann::json j;
  j["prompt_tokens"] = s.prompt_tokens;
  j["reused_tokens"] = s.reused_tokens;
  j["prefill_tokens"] = s.prefill_tokens;
  j["prefill_ms"] = s.prefill_ms;
  j["first_token_ms"] = s.first_token_ms;
  j["generated_tokens"] = s.generated_tokens;
  j["decode_ms"] = s.decode_ms;
  j["decode_tokens_per_s"] = s.decode_tokens_per_s();
  j["stop_reason"] = s.stop_reason;
  j["session_length"] = s.session_length;
  j["session_capacity"] = s.session_capacity;
  nlohmann::json mem;
  for (size_t c = 0; c < kMemCategoryCount; ++c) mem[mem_category_name(static_cast<MemCategory>(c))] = s.memory.current[c];
  mem["total"] = s.memory.total_current;
  mem["peak"] = s.memory.total_peak;
  if (s.device_total) {
    mem["device_used"] = s.device_used;
    mem["device_total"] = s.device_total;
  }
  j["memory_bytes"] = mem;
  return j.dump();
}

}  // namespace mambascope
