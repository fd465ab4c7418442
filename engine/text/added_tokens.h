#pragma once
// Added tokens (special tokens such as <|endoftext|>, <|im_start|>, <IMG_CONTEXT>, and extra vocabulary
// such as GPT-NeoX's runs of spaces) and the splitter that cuts text at them before the model sees it,
// with HF tokenizers' rules: leftmost-longest matches, lstrip/rstrip swallowing neighbouring whitespace,
// single_word requiring word boundaries.
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace mambascope {

struct AddedToken {
  std::string content;
  int32_t id = -1;
  bool special = false;
  bool lstrip = false;
  bool rstrip = false;
  bool single_word = false;
  bool normalized = false;  // matched after normalization (tokenizer.json), else on the raw text
};

// A piece of text: [begin, end) bytes, and the added token's id, or -1 for text the model tokenizes.
struct TextPiece {
  size_t begin = 0, end = 0;
  int32_t id = -1;
};

class AddedTokenMatcher {
 public:
  // Matches `pattern` (the token's content, normalized where the token is) as `token`.
  void add(std::string pattern, const AddedToken& token);
  bool empty() const { return patterns_.empty(); }
  // Splits `text` into pieces; adjacent plain pieces never occur, empty plain pieces are left out.
  std::vector<TextPiece> split(std::string_view text) const;

 private:
  struct Pattern {
    std::string text;
    AddedToken token;
  };
  std::vector<Pattern> patterns_;                                  // longest first
  std::unordered_map<unsigned char, std::vector<size_t>> by_byte_;  // first byte -> indices, longest first
};

// Unicode White_Space (char::is_whitespace in Rust, which HF's lstrip/rstrip use).
bool is_unicode_whitespace(char32_t cp);

}  // namespace mambascope
