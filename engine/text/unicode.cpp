#include "engine/text/unicode.h"

#include <cstdlib>
#include <memory>

#include "engine/core/error.h"

#if MAMBASCOPE_HAVE_UTF8PROC
#include <utf8proc.h>
#endif

namespace mambascope {

std::string unicode_normalize(std::string_view text, UnicodeForm form, const std::string& file) {
  bool ascii = true;
  for (char c : text) ascii = ascii && static_cast<unsigned char>(c) < 0x80;
  if (ascii) return std::string(text);  // every normalization form leaves ASCII as it is
#if MAMBASCOPE_HAVE_UTF8PROC
  int options = UTF8PROC_STABLE;
  switch (form) {
    case UnicodeForm::NFC: options |= UTF8PROC_COMPOSE; break;
    case UnicodeForm::NFD: options |= UTF8PROC_DECOMPOSE; break;
    case UnicodeForm::NFKC: options |= UTF8PROC_COMPOSE | UTF8PROC_COMPAT; break;
    case UnicodeForm::NFKD: options |= UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT; break;
  }
  utf8proc_uint8_t* out = nullptr;
  const utf8proc_ssize_t n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(text.data()),
                                          static_cast<utf8proc_ssize_t>(text.size()), &out,
                                          static_cast<utf8proc_option_t>(options));
  std::unique_ptr<utf8proc_uint8_t, decltype(&std::free)> owned(out, &std::free);
  if (n < 0) throw Error(std::string("cannot normalize text: ") + utf8proc_errmsg(n), file, "normalizer");
  return std::string(reinterpret_cast<const char*>(out), static_cast<size_t>(n));
#else
  (void)form;
  throw Error("this build has no utf8proc, which the tokenizer's Unicode normalizer needs for non-ASCII text", file,
              "normalizer",
              "install libutf8proc-dev (Debian) and rebuild; on a GPU host carry it with "
              "../shared/scripts/gather-deps libutf8proc-dev");
#endif
}

bool is_alphanumeric(char32_t cp) {
  if (cp < 0x80) return (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
#if MAMBASCOPE_HAVE_UTF8PROC
  switch (utf8proc_category(static_cast<utf8proc_int32_t>(cp))) {
    case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT: case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO: case UTF8PROC_CATEGORY_ND: case UTF8PROC_CATEGORY_NL: case UTF8PROC_CATEGORY_NO:
      return true;
    default:
      return false;
  }
#else
  return false;
#endif
}

}  // namespace mambascope
