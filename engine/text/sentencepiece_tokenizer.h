#pragma once
// SentencePiece tokenizer.model (InternLM2: HoVLE, mmMamba) through libsentencepiece, with the added tokens
// HF's slow InternLM2Tokenizer uses: the text is cut at them first (leftmost-longest), each plain piece is
// encoded by SentencePiece, and <s> is prepended. Added tokens come from, beside the model file,
// tokenizer_config.json ("added_tokens_decoder", "add_bos_token", "add_eos_token") and added_tokens.json
// ({"<img>": 92544, ...}), plus the model's control pieces (<s>, </s>), its <unk> piece, and InternLM2's chat
// tokens (<|im_start|>, <|im_end|>, ...) when the vocabulary has them.
// Decoding: runs of ordinary pieces go through SentencePiece; added tokens contribute their text.
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "engine/text/added_tokens.h"
#include "engine/text/tokenizer.h"

namespace sentencepiece {
class SentencePieceProcessor;
}

namespace mambascope {

class SentencePieceTokenizer : public Tokenizer {
 public:
  // Errors name the file: empty, not a SentencePiece model (truncated, corrupt), unreadable side files, or a
  // build without SentencePiece (with the package to rebuild with).
  static std::unique_ptr<SentencePieceTokenizer> load(const std::string& path);
  ~SentencePieceTokenizer() override;

  std::string_view kind() const override { return "sentencepiece"; }
  std::vector<int32_t> encode(std::string_view text, bool add_special = true) const override;
  std::string decode(std::span<const int32_t> ids, bool skip_special = false) const override;
  int32_t vocab_size() const override { return vocab_size_; }
  std::optional<int32_t> token_id(std::string_view token) const override;
  std::string token(int32_t id) const override;
  bool is_special(int32_t id) const override;
  std::optional<int32_t> bos_id() const override { return bos_; }
  std::optional<int32_t> eos_id() const override { return eos_; }

 private:
  SentencePieceTokenizer();
  void add_token(const AddedToken& t);

  std::unique_ptr<sentencepiece::SentencePieceProcessor> sp_;
  int32_t pieces_ = 0;      // SentencePiece's own vocabulary size
  int32_t vocab_size_ = 0;  // with added tokens beyond it
  bool add_bos_ = true, add_eos_ = false;
  std::optional<int32_t> bos_, eos_;
  AddedTokenMatcher matcher_;
  std::unordered_map<int32_t, AddedToken> added_;
  std::unordered_map<std::string, int32_t> added_ids_;
};

}  // namespace mambascope
