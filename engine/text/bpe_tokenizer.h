#pragma once
// HF tokenizer.json with a byte-level BPE model (GPT-2 family: GPT-NeoX-20B, which ML-Mamba's Mamba-2 LM
// uses), encoded as HF tokenizers encodes:
//   1. split at added tokens that are not normalized (specials such as <|endoftext|>), on the raw text;
//   2. normalize the rest (NFC for GPT-NeoX), split at the normalized added tokens (GPT-NeoX's space runs);
//   3. pre-tokenize: the GPT-2 regex (PCRE2), each piece's bytes mapped to printable characters;
//   4. BPE: merge the adjacent pair of lowest merge rank, leftmost first, until none applies;
//   5. post-process (ByteLevel adds nothing; TemplateProcessing adds its special tokens).
// Decoding maps each token's characters back to bytes (a token with a character outside the byte map, such
// as an added token " ", contributes its UTF-8 as is) and the joined bytes are decoded lossily.
// Supported components: normalizer null/NFC/NFD/NFKC/NFKD/Sequence of those; pre_tokenizer ByteLevel;
// post_processor null/ByteLevel/TemplateProcessing/Sequence; decoder ByteLevel; model BPE without dropout
// or byte fallback. Anything else is refused with an Error naming the field.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/text/added_tokens.h"
#include "engine/text/regex.h"
#include "engine/text/tokenizer.h"
#include "engine/text/unicode.h"

namespace mambascope {

class BpeTokenizer : public Tokenizer {
 public:
  // Parses a tokenizer.json. Errors name the file and the field: invalid JSON, no model, no merges, a merge
  // of tokens missing from the vocabulary, an unsupported component.
  static std::unique_ptr<BpeTokenizer> load(const std::string& path);
  static std::unique_ptr<BpeTokenizer> parse(const std::string& json_text, const std::string& path);

  std::string_view kind() const override { return "bpe"; }
  std::vector<int32_t> encode(std::string_view text, bool add_special = true) const override;
  std::string decode(std::span<const int32_t> ids, bool skip_special = false) const override;
  int32_t vocab_size() const override { return static_cast<int32_t>(id_to_token_.size()); }
  std::optional<int32_t> token_id(std::string_view token) const override;
  std::string token(int32_t id) const override;
  bool is_special(int32_t id) const override;
  std::optional<int32_t> bos_id() const override { return bos_; }
  std::optional<int32_t> eos_id() const override { return eos_; }

  // The bytes token `id` decodes to (before the lossy UTF-8 step), empty for unknown ids.
  std::string token_bytes(int32_t id) const;
  // The token that stands for the single byte `b` (every byte-level vocabulary has one per byte).
  std::optional<int32_t> byte_token_id(uint8_t b) const { return token_id(byte_char_[b]); }

 private:
  BpeTokenizer() = default;
  void bpe(const std::string& word, std::vector<int32_t>& out) const;  // word: byte-mapped characters
  void encode_plain(std::string_view text, std::vector<int32_t>& out) const;

  // model
  std::unordered_map<std::string, int32_t> vocab_;        // model vocabulary and added tokens
  std::vector<std::string> id_to_token_;
  std::unordered_map<uint64_t, std::pair<int32_t, int32_t>> merges_;  // (left, right) -> (rank, merged id)
  std::optional<int32_t> unk_;
  bool fuse_unk_ = false;
  bool ignore_merges_ = false;
  std::string continuing_subword_prefix_, end_of_word_suffix_;
  // pipeline
  std::vector<UnicodeForm> normalizers_;
  bool add_prefix_space_ = false;
  bool use_regex_ = true;
  std::unique_ptr<UnicodeRegex> split_regex_;
  std::vector<int32_t> prefix_ids_, suffix_ids_;  // what the post-processor adds around a single sequence
  // added tokens
  AddedTokenMatcher raw_matcher_, normalized_matcher_;
  std::unordered_map<int32_t, AddedToken> added_;
  std::optional<int32_t> bos_, eos_;
  // byte-level map: byte -> UTF-8 of its printable stand-in, and the reverse
  std::string byte_char_[256];
  std::unordered_map<char32_t, uint8_t> char_byte_;
};

}  // namespace mambascope
