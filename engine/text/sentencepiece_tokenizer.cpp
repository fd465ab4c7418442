#include "engine/text/sentencepiece_tokenizer.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <stdexcept>

#include "engine/core/error.h"
#include "engine/core/file.h"
#include "engine/text/utf8.h"

#if MAMBASCOPE_HAVE_SENTENCEPIECE
#include <sentencepiece_processor.h>
#else
namespace sentencepiece {
class SentencePieceProcessor {};
}  // namespace sentencepiece
#endif

namespace mambascope {
namespace {

// InternLM2's chat and tool tokens: special tokens of its tokenizer_config.json, also in its SentencePiece
// vocabulary, so that a tokenizer.model without the json still treats them as single tokens.
constexpr const char* kInternLM2Specials[] = {"<|im_start|>", "<|im_end|>", "<|action_start|>",
                                              "<|action_end|>", "<|interpreter|>", "<|plugin|>"};

nlohmann::json read_side_json(const std::filesystem::path& p) {
  try {
    return nlohmann::json::parse(read_text_file(p.string()));
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("not valid JSON: ") + e.what(), p.string(), {},
                "fix or delete this file next to the tokenizer.model");
  }
}

}  // namespace

SentencePieceTokenizer::SentencePieceTokenizer() = default;
SentencePieceTokenizer::~SentencePieceTokenizer() = default;

void SentencePieceTokenizer::add_token(const AddedToken& t) {
  if (added_.count(t.id)) return;
  added_[t.id] = t;
  added_ids_[t.content] = t.id;
  matcher_.add(t.content, t);
  vocab_size_ = std::max(vocab_size_, t.id + 1);
}

#if MAMBASCOPE_HAVE_SENTENCEPIECE

std::unique_ptr<SentencePieceTokenizer> SentencePieceTokenizer::load(const std::string& path) {
  const std::string bytes = read_text_file(path);
  if (bytes.empty()) throw Error("empty file", path, {}, "download the tokenizer.model again");
  std::unique_ptr<SentencePieceTokenizer> t(new SentencePieceTokenizer());
  t->path_ = path;
  t->sp_ = std::make_unique<sentencepiece::SentencePieceProcessor>();
  const auto status = t->sp_->LoadFromSerializedProto(bytes);
  if (!status.ok())
    throw Error(std::string("not a SentencePiece model (") + status.ToString() + ")", path, {},
                "the file is truncated or corrupt, or not a tokenizer.model; download it again");
  t->pieces_ = t->sp_->GetPieceSize();
  t->vocab_size_ = t->pieces_;
  if (t->sp_->bos_id() >= 0) t->bos_ = t->sp_->bos_id();
  if (t->sp_->eos_id() >= 0) t->eos_ = t->sp_->eos_id();

  const std::filesystem::path dir = std::filesystem::path(path).parent_path();
  const auto config_path = dir / "tokenizer_config.json";
  if (std::filesystem::exists(config_path)) {
    const nlohmann::json cfg = read_side_json(config_path);
    try {
      t->add_bos_ = cfg.value("add_bos_token", true);
      t->add_eos_ = cfg.value("add_eos_token", false);
      if (cfg.contains("added_tokens_decoder")) {
        for (const auto& [key, v] : cfg["added_tokens_decoder"].items()) {
          AddedToken a;
          a.id = std::stoi(key);
          a.content = v.at("content").get<std::string>();
          a.special = v.value("special", true);
          a.lstrip = v.value("lstrip", false);
          a.rstrip = v.value("rstrip", false);
          a.single_word = v.value("single_word", false);
          if (a.id < 0) throw Error("negative token id", config_path.string(), "added_tokens_decoder." + key);
          t->add_token(a);
        }
      }
    } catch (const nlohmann::json::exception& e) {
      throw Error(std::string("unexpected structure: ") + e.what(), config_path.string(), "added_tokens_decoder");
    } catch (const std::invalid_argument&) {
      throw Error("token ids must be integers", config_path.string(), "added_tokens_decoder");
    }
  }
  const auto added_path = dir / "added_tokens.json";
  if (std::filesystem::exists(added_path)) {
    const nlohmann::json added = read_side_json(added_path);
    if (!added.is_object()) throw Error("must map token strings to ids", added_path.string());
    for (const auto& [content, id] : added.items()) {
      if (!id.is_number_integer() || id.get<int64_t>() < 0)
        throw Error("token id must be a non-negative integer", added_path.string(), content);
      AddedToken a;
      a.content = content;
      a.id = id.get<int32_t>();
      a.special = true;
      t->add_token(a);
    }
  }
  for (int32_t id = 0; id < t->pieces_; ++id) {
    if (!t->sp_->IsControl(id) && !t->sp_->IsUnknown(id)) continue;
    AddedToken a;
    a.id = id;
    a.content = t->sp_->IdToPiece(id);
    a.special = true;
    t->add_token(a);
  }
  for (const char* name : kInternLM2Specials) {
    const int id = t->sp_->PieceToId(name);
    if (id >= 0 && t->sp_->IdToPiece(id) == name) {
      AddedToken a;
      a.id = id;
      a.content = name;
      a.special = true;
      t->add_token(a);
    }
  }
  if (!t->eos_ && t->added_ids_.count("<|im_end|>")) t->eos_ = t->added_ids_.at("<|im_end|>");
  return t;
}

std::vector<int32_t> SentencePieceTokenizer::encode(std::string_view text, bool add_special) const {
  const size_t bad = utf8::first_invalid(text);
  if (bad != std::string_view::npos)
    throw Error("text is not valid UTF-8 (byte " + std::to_string(bad) + ")", path_, {}, "pass UTF-8 text");
  std::vector<int32_t> out;
  if (add_special && add_bos_ && bos_) out.push_back(*bos_);
  std::vector<int> ids;
  for (const TextPiece& p : matcher_.split(text)) {
    if (p.id >= 0) {
      out.push_back(p.id);
      continue;
    }
    const auto status = sp_->Encode(text.substr(p.begin, p.end - p.begin), &ids);
    if (!status.ok()) throw Error(std::string("SentencePiece could not encode the text: ") + status.ToString(), path_);
    out.insert(out.end(), ids.begin(), ids.end());
  }
  if (add_special && add_eos_ && eos_) out.push_back(*eos_);
  return out;
}

std::string SentencePieceTokenizer::decode(std::span<const int32_t> ids, bool skip_special) const {
  std::string out, piece;
  std::vector<int> run;
  auto flush = [&] {
    if (run.empty()) return;
    const auto status = sp_->Decode(run, &piece);
    if (!status.ok()) throw Error(std::string("SentencePiece could not decode: ") + status.ToString(), path_);
    out += piece;
    run.clear();
  };
  for (int32_t id : ids) {
    const auto it = added_.find(id);
    if (it != added_.end()) {
      flush();
      if (!(skip_special && it->second.special)) out += it->second.content;
    } else if (id >= 0 && id < pieces_) {
      run.push_back(id);
    }
  }
  flush();
  return out;
}

std::optional<int32_t> SentencePieceTokenizer::token_id(std::string_view token) const {
  const auto it = added_ids_.find(std::string(token));
  if (it != added_ids_.end()) return it->second;
  const int id = sp_->PieceToId(token);
  if (id >= 0 && sp_->IdToPiece(id) == token) return id;
  return std::nullopt;
}

std::string SentencePieceTokenizer::token(int32_t id) const {
  const auto it = added_.find(id);
  if (it != added_.end()) return it->second.content;
  if (id < 0 || id >= pieces_)
    throw Error("token id " + std::to_string(id) + " is not in the vocabulary (size " + std::to_string(vocab_size_) + ")", path_);
  return sp_->IdToPiece(id);
}

#else

std::unique_ptr<SentencePieceTokenizer> SentencePieceTokenizer::load(const std::string& path) {
  throw Error("this build has no SentencePiece, which tokenizer.model files need", path, {},
              "install libsentencepiece-dev (Debian) and rebuild; on a GPU host carry it with "
              "../shared/scripts/gather-deps libsentencepiece-dev libsentencepiece0");
}
std::vector<int32_t> SentencePieceTokenizer::encode(std::string_view, bool) const { return {}; }
std::string SentencePieceTokenizer::decode(std::span<const int32_t>, bool) const { return {}; }
std::optional<int32_t> SentencePieceTokenizer::token_id(std::string_view) const { return std::nullopt; }
std::string SentencePieceTokenizer::token(int32_t) const { return {}; }

#endif

bool SentencePieceTokenizer::is_special(int32_t id) const {
  const auto it = added_.find(id);
  return it != added_.end() && it->second.special;
}

}  // namespace mambascope
