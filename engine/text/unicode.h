#pragma once
// Unicode normalization (the NFC/NFKC/... normalizers of tokenizer.json files) and character classes,
// through utf8proc when the build has it (MAMBASCOPE_HAVE_UTF8PROC).
#include <string>
#include <string_view>

namespace mambascope {

enum class UnicodeForm { NFC, NFD, NFKC, NFKD };

// `text` (valid UTF-8) in normalization form `form`. ASCII text is returned unchanged without utf8proc;
// other text throws Error naming `file` when the build has no utf8proc.
std::string unicode_normalize(std::string_view text, UnicodeForm form, const std::string& file);

// Letter or number (Rust's char::is_alphanumeric, approximated by the L* and N* categories); ASCII only when
// the build has no utf8proc.
bool is_alphanumeric(char32_t cp);

}  // namespace mambascope
