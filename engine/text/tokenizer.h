#pragma once
// Tokenizer: text <-> token ids behind one interface, for the two kinds of files the supported models ship:
//  - HF tokenizer.json byte-level BPE (GPT-NeoX-20B, the tokenizer of ML-Mamba's Mamba-2 LM): bpe_tokenizer.h
//  - SentencePiece tokenizer.model (InternLM2, the tokenizer of HoVLE and mmMamba): sentencepiece_tokenizer.h
// Both split the text at added/special tokens first, as HF does, so "<|im_end|>" in a prompt is one token.
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mambascope {

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;

  virtual std::string_view kind() const = 0;  // "bpe" or "sentencepiece"
  const std::string& path() const { return path_; }

  // Token ids of `text`, which must be valid UTF-8 (Error otherwise). add_special adds what the file's
  // post-processor adds: <s> for InternLM2, nothing for GPT-NeoX.
  virtual std::vector<int32_t> encode(std::string_view text, bool add_special = true) const = 0;
  // The text of `ids`. Byte sequences that are not valid UTF-8 become U+FFFD; ids the tokenizer does not
  // know are dropped (as HF does: models often pad their vocabulary past the tokenizer's).
  virtual std::string decode(std::span<const int32_t> ids, bool skip_special = false) const = 0;

  virtual int32_t vocab_size() const = 0;  // one past the largest id, added tokens included
  // The id of the token spelled exactly `token` (as the file spells it: "Ġthe", "▁the", "<|im_end|>").
  virtual std::optional<int32_t> token_id(std::string_view token) const = 0;
  virtual std::string token(int32_t id) const = 0;  // Error when `id` is out of range
  virtual bool is_special(int32_t id) const = 0;
  virtual std::optional<int32_t> bos_id() const { return std::nullopt; }
  virtual std::optional<int32_t> eos_id() const { return std::nullopt; }

  // The id of `token`, or an Error naming this tokenizer's file and `why` the token is needed.
  int32_t require_token(std::string_view token, const std::string& why) const;

 protected:
  std::string path_;
};

// Loads a tokenizer.json (BPE), a tokenizer.model (SentencePiece), or a directory holding one of them.
// Errors name the file and what is wrong (not JSON, missing model/merges, not a SentencePiece model, ...).
std::unique_ptr<Tokenizer> load_tokenizer(const std::string& path);

// Turns ids into text as they are generated, one id at a time, never emitting part of a UTF-8 character:
// text is released once the decoded window no longer ends in U+FFFD (an incomplete byte sequence), so the
// concatenation of push() results and flush() equals decode(all ids).
class StreamDecoder {
 public:
  explicit StreamDecoder(const Tokenizer& tokenizer, bool skip_special = true)
      : tokenizer_(tokenizer), skip_special_(skip_special) {}

  std::string push(int32_t id);  // the text completed by `id` (often empty)
  std::string flush();           // what is held back, then starts over
  void reset();

 private:
  std::string window(size_t begin, size_t end) const;

  const Tokenizer& tokenizer_;
  bool skip_special_;
  std::vector<int32_t> ids_;
  size_t prefix_ = 0;  // start of the window that is decoded again for context
  size_t read_ = 0;    // ids before this have been emitted
};

}  // namespace mambascope
