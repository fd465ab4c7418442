#pragma once
// A compiled Unicode regular expression (PCRE2 with UTF and UCP, so \p{L}, \p{N} and \s follow Unicode, as
// the Oniguruma patterns of HF pre-tokenizers do). Without PCRE2 in the build, construction throws an Error.
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mambascope {

class UnicodeRegex {
 public:
  // `where`: the file (and field) the pattern comes from, named in errors.
  UnicodeRegex(const std::string& pattern, const std::string& where);
  ~UnicodeRegex();
  UnicodeRegex(const UnicodeRegex&) = delete;
  UnicodeRegex& operator=(const UnicodeRegex&) = delete;

  // [begin, end) of each non-overlapping, non-empty match in `text` (valid UTF-8), left to right.
  std::vector<std::pair<size_t, size_t>> find_all(std::string_view text) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The pattern of HF's ByteLevel pre-tokenizer (GPT-2's), which GPT-NeoX-20B uses.
inline constexpr const char* kGpt2SplitPattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

}  // namespace mambascope
