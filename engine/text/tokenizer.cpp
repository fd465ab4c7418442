#include "engine/text/tokenizer.h"

#include <cstddef>
#include <filesystem>
#include <fstream>

#include "engine/core/error.h"
#include "engine/text/bpe_tokenizer.h"
#include "engine/text/sentencepiece_tokenizer.h"
#include "engine/text/utf8.h"

namespace mambascope {

int32_t Tokenizer::require_token(std::string_view token, const std::string& why) const {
  const auto id = token_id(token);
  if (!id) throw Error("the tokenizer has no token \"" + std::string(token) + "\", which " + why + " needs", path_, {},
                       "use the tokenizer that comes with the model");
  return *id;
}

std::unique_ptr<Tokenizer> load_tokenizer(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    for (const char* name : {"tokenizer.json", "tokenizer.model"}) {
      const fs::path p = fs::path(path) / name;
      if (fs::exists(p)) return load_tokenizer(p.string());
    }
    throw Error("no tokenizer.json or tokenizer.model in this directory", path, {},
                "pass the tokenizer file, or the model directory that holds it");
  }
  if (!fs::exists(path, ec)) throw Error("no such file", path, {}, "check the path");
  const std::string ext = fs::path(path).extension().string();
  if (ext == ".json") return BpeTokenizer::load(path);
  if (ext == ".model") return SentencePieceTokenizer::load(path);
  // Unknown extension: a JSON document starts with '{' (after whitespace), a SentencePiece protobuf does not.
  std::ifstream f(path, std::ios::binary);
  char c = 0;
  while (f.get(c) && (c == ' ' || c == '\n' || c == '\r' || c == '\t')) {
  }
  if (c == '{') return BpeTokenizer::load(path);
  return SentencePieceTokenizer::load(path);
}

std::string StreamDecoder::window(size_t begin, size_t end) const {
  return tokenizer_.decode(std::span<const int32_t>(ids_).subspan(begin, end - begin), skip_special_);
}

std::string StreamDecoder::push(int32_t id) {
  ids_.push_back(id);
  const std::string before = window(prefix_, read_);
  const std::string now = window(prefix_, ids_.size());
  if (now.size() <= before.size() || now.ends_with(utf8::kReplacement)) return {};
  std::string out = now.substr(before.size());
  prefix_ = read_;
  read_ = ids_.size();
  if (prefix_ > 4096) {  // keep the id buffer bounded in long generations
    ids_.erase(ids_.begin(), ids_.begin() + static_cast<std::ptrdiff_t>(prefix_));
    read_ -= prefix_;
    prefix_ = 0;
  }
  return out;
}

std::string StreamDecoder::flush() {
  const std::string before = window(prefix_, read_);
  const std::string now = window(prefix_, ids_.size());
  reset();
  return now.size() > before.size() ? now.substr(before.size()) : std::string();
}

void StreamDecoder::reset() {
  ids_.clear();
  prefix_ = read_ = 0;
}

}  // namespace mambascope
