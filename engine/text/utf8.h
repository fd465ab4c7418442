#pragma once
// UTF-8 helpers shared by the tokenizers: validation, lossy decoding with the replacement rule of Rust's
// String::from_utf8_lossy (the one HF tokenizers' decoders use), and code point encoding.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace mambascope::utf8 {

inline constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Byte offset of the first invalid UTF-8 sequence in `s`, or npos when `s` is valid.
size_t first_invalid(std::string_view s);
inline bool valid(std::string_view s) { return first_invalid(s) == std::string_view::npos; }

// `s` with every maximal invalid subsequence replaced by one U+FFFD (Unicode's "maximal subpart" practice,
// as String::from_utf8_lossy does).
std::string lossy(std::string_view s);

// Appends the UTF-8 encoding of code point `cp` (< 0x110000, not a surrogate) to `out`.
void append(std::string& out, char32_t cp);

// Decodes the code point starting at s[i] in valid UTF-8 and advances i past it.
char32_t next(std::string_view s, size_t& i);

}  // namespace mambascope::utf8
