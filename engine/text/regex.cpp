#include "engine/text/regex.h"

#include "engine/core/error.h"

#if MAMBASCOPE_HAVE_PCRE2
#include <pcre2.h>
#endif

namespace mambascope {

#if MAMBASCOPE_HAVE_PCRE2

struct UnicodeRegex::Impl {
  pcre2_code* code = nullptr;
  ~Impl() {
    if (code) pcre2_code_free(code);
  }
};

UnicodeRegex::UnicodeRegex(const std::string& pattern, const std::string& where) : impl_(std::make_unique<Impl>()) {
  int err = 0;
  PCRE2_SIZE offset = 0;
  impl_->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), PCRE2_UTF | PCRE2_UCP,
                              &err, &offset, nullptr);
  if (!impl_->code) {
    PCRE2_UCHAR msg[256];
    pcre2_get_error_message(err, msg, sizeof(msg));
    throw Error("cannot compile the regular expression at offset " + std::to_string(offset) + ": " +
                    reinterpret_cast<const char*>(msg),
                where, pattern, "the pattern must be PCRE2-compatible");
  }
  pcre2_jit_compile(impl_->code, PCRE2_JIT_COMPLETE);  // optional: matching falls back to the interpreter
}

UnicodeRegex::~UnicodeRegex() = default;

std::vector<std::pair<size_t, size_t>> UnicodeRegex::find_all(std::string_view text) const {
  std::vector<std::pair<size_t, size_t>> out;
  std::unique_ptr<pcre2_match_data, decltype(&pcre2_match_data_free)> md(
      pcre2_match_data_create_from_pattern(impl_->code, nullptr), &pcre2_match_data_free);
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  size_t pos = 0;
  while (pos <= text.size()) {
    const int rc = pcre2_match(impl_->code, subject, text.size(), pos, PCRE2_NO_UTF_CHECK, md.get(), nullptr);
    if (rc == PCRE2_ERROR_NOMATCH) break;
    if (rc < 0) {
      PCRE2_UCHAR msg[256];
      pcre2_get_error_message(rc, msg, sizeof(msg));
      throw Error(std::string("regular expression match failed: ") + reinterpret_cast<const char*>(msg));
    }
    const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md.get());
    const size_t b = ov[0], e = ov[1];
    if (e > b) {
      out.emplace_back(b, e);
      pos = e;
    } else {  // empty match: step over one code point
      pos = b + 1;
      while (pos < text.size() && (static_cast<unsigned char>(text[pos]) & 0xC0) == 0x80) ++pos;
    }
  }
  return out;
}

#else

struct UnicodeRegex::Impl {};

UnicodeRegex::UnicodeRegex(const std::string& pattern, const std::string& where) {
  throw Error("this build has no PCRE2, which the byte-level BPE pre-tokenizer needs", where, "pre_tokenizer",
              "install libpcre2-dev (Debian) and rebuild; on a GPU host carry it with "
              "../shared/scripts/gather-deps libpcre2-dev");
}

UnicodeRegex::~UnicodeRegex() = default;

std::vector<std::pair<size_t, size_t>> UnicodeRegex::find_all(std::string_view) const { return {}; }

#endif

}  // namespace mambascope
