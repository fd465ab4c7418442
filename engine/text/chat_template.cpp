#include "engine/text/chat_template.h"

#include "engine/core/error.h"
#include "engine/text/added_tokens.h"
#include "engine/text/utf8.h"

namespace mambascope {
namespace {

constexpr const char* kImagePlaceholder = "<image>";

// Python's str.isspace() for the characters its str.strip() removes.
bool python_space(char32_t cp) { return is_unicode_whitespace(cp) || (cp >= 0x1C && cp <= 0x1F); }

std::string python_strip(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e) {
    size_t i = b;
    if (!python_space(utf8::next(s, i))) break;
    b = i;
  }
  while (e > b) {
    size_t i = e - 1;
    while (i > b && (static_cast<uint8_t>(s[i]) & 0xC0) == 0x80) --i;
    size_t j = i;
    if (!python_space(utf8::next(s, j))) break;
    e = i;
  }
  return s.substr(b, e - b);
}

std::string remove_all(std::string s, const std::string& what) {
  for (size_t p; (p = s.find(what)) != std::string::npos;) s.erase(p, what.size());
  return s;
}

void check_turns(const std::vector<ChatTurn>& turns) {
  if (turns.empty()) throw Error("a chat prompt needs at least one turn", {}, "turns", "pass the user's message");
  for (size_t i = 0; i + 1 < turns.size(); ++i)
    if (!turns[i].assistant)
      throw Error("turn " + std::to_string(i) + " has no answer; only the last turn may wait for one", {}, "turns");
}

std::string render_mlmamba(const std::vector<ChatTurn>& turns, const ChatOptions& o) {
  if (o.system_message) throw Error("ML-Mamba's prompt format has no system message", {}, "system_message",
                                    "leave the system message unset for ML-Mamba");
  std::string s;
  for (size_t i = 0; i < turns.size(); ++i) {
    if (i > 0) s += "\n";
    s += "<|user|>\n" + python_strip(remove_all(turns[i].user, kImagePlaceholder)) + "<|endoftext|>\n<|assistant|>\n";
    if (turns[i].assistant) {
      const std::string a = python_strip(remove_all(*turns[i].assistant, kImagePlaceholder));
      s += (a.empty() ? std::string(" ") : a) + "<|endoftext|>";
    }
  }
  return s;
}

// The InternLM2 prompt with "<image>" still unexpanded.
std::string render_internlm2_raw(const std::vector<ChatTurn>& turns, const ChatOptions& o) {
  const std::string sep = "<|im_end|>";
  std::string s = "<|im_start|>system\n" + o.system_message.value_or(kHoVLESystemMessage) + sep;
  for (size_t i = 0; i < turns.size(); ++i) {
    std::string q = turns[i].user;
    if (i == 0 && o.image_embeddings > 0 && q.find(kImagePlaceholder) == std::string::npos) q = "<image>\n" + q;
    s += "<|im_start|>user\n" + q + sep;  // the template skips empty messages: an empty question keeps its role only
    if (q.empty()) s.resize(s.size() - sep.size());
    s += "<|im_start|>assistant\n";
    if (turns[i].assistant && !turns[i].assistant->empty()) s += *turns[i].assistant + sep;
  }
  return s;
}

std::string image_tokens(int64_t n) {
  std::string s = "<img>";
  s.reserve(static_cast<size_t>(n) * 13 + 11);
  for (int64_t i = 0; i < n; ++i) s += "<IMG_CONTEXT>";
  return s + "</img>";
}

}  // namespace

std::string render_chat(ChatFormat format, const std::vector<ChatTurn>& turns, const ChatOptions& options) {
  check_turns(turns);
  if (format == ChatFormat::MlMamba) return render_mlmamba(turns, options);
  std::string s = render_internlm2_raw(turns, options);
  if (options.image_embeddings > 0) {
    const size_t p = s.find(kImagePlaceholder);
    s.replace(p, std::string(kImagePlaceholder).size(), image_tokens(options.image_embeddings));
  }
  return s;
}

ChatPrompt build_chat_prompt(const Tokenizer& tokenizer, ChatFormat format, const std::vector<ChatTurn>& turns,
                             const ChatOptions& options) {
  check_turns(turns);
  if (options.image_embeddings < 0) throw Error("negative image embedding count", {}, "image_embeddings");
  ChatPrompt p;
  if (format == ChatFormat::MlMamba) {
    p.text = render_mlmamba(turns, options);
    const int32_t eot = tokenizer.require_token("<|endoftext|>", "ML-Mamba's prompt format");
    if (options.image_embeddings > 0) {
      p.images.push_back({0, options.image_embeddings});
      p.ids.assign(static_cast<size_t>(options.image_embeddings), -1);
    }
    const std::vector<int32_t> text = tokenizer.encode(p.text, /*add_special=*/true);
    p.ids.insert(p.ids.end(), text.begin(), text.end());
    p.stop_ids = {eot};
    return p;
  }

  const int32_t im_end = tokenizer.require_token("<|im_end|>", "the InternLM2 chat format");
  p.stop_ids.push_back(im_end);
  if (const auto id = tokenizer.token_id("<|im_start|>")) p.stop_ids.push_back(*id);
  if (const auto eos = tokenizer.eos_id(); eos && *eos != im_end) p.stop_ids.push_back(*eos);
  const std::string raw = render_internlm2_raw(turns, options);
  if (options.image_embeddings == 0) {
    p.text = raw;
    p.ids = tokenizer.encode(p.text, /*add_special=*/true);
    return p;
  }
  // "<img>" and "</img>" are added tokens, so tokenizing the text around the <IMG_CONTEXT> run separately
  // gives the ids the reference gets from the whole string (it cuts at added tokens first too).
  tokenizer.require_token("<img>", "an InternLM2 image prompt");
  tokenizer.require_token("</img>", "an InternLM2 image prompt");
  p.image_token_id = tokenizer.require_token("<IMG_CONTEXT>", "an InternLM2 image prompt");
  const size_t at = raw.find(kImagePlaceholder);
  const std::string before = raw.substr(0, at) + "<img>";
  const std::string after = "</img>" + raw.substr(at + std::string(kImagePlaceholder).size());
  p.text = raw.substr(0, at) + image_tokens(options.image_embeddings) + raw.substr(at + std::string(kImagePlaceholder).size());
  p.ids = tokenizer.encode(before, /*add_special=*/true);
  p.images.push_back({static_cast<int64_t>(p.ids.size()), options.image_embeddings});
  p.ids.insert(p.ids.end(), static_cast<size_t>(options.image_embeddings), p.image_token_id);
  const std::vector<int32_t> tail = tokenizer.encode(after, /*add_special=*/false);
  p.ids.insert(p.ids.end(), tail.begin(), tail.end());
  return p;
}

int64_t hovle_image_tokens(int64_t tiles, int image_size, int patch, double downsample) {
  const int64_t side = image_size / patch;
  return tiles * static_cast<int64_t>(static_cast<double>(side * side) * (downsample * downsample));  // int() as in chat()
}

ChatFormat parse_chat_format(const std::string& name) {
  if (name == "mlmamba") return ChatFormat::MlMamba;
  if (name == "internlm2") return ChatFormat::InternLM2;
  throw Error("unknown chat format \"" + name + "\"", {}, "format", "use mlmamba or internlm2");
}

}  // namespace mambascope
