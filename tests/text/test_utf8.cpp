#include <catch2/catch.hpp>

#include "engine/text/utf8.h"

using namespace mambascope;

TEST_CASE("lossy UTF-8 decoding replaces maximal invalid subparts as Rust and Python do", "[text]") {
  const std::string r(utf8::kReplacement);
  // Unicode's example of the maximal-subpart practice (expected strings from Python's bytes.decode("replace")).
  CHECK(utf8::lossy("\x61\xF1\x80\x80\xE1\x80\xC2\x62\x80\x63\x80\xBF\x64") == "a" + r + r + r + "b" + r + "c" + r + r + "d");
  CHECK(utf8::lossy("\xE0") == r);
  CHECK(utf8::lossy("\xE0\xA0") == r);               // a truncated sequence is one replacement
  CHECK(utf8::lossy("\xED\xA0\x80") == r + r + r);    // surrogates are invalid byte by byte
  CHECK(utf8::lossy("\xC0\xAF") == r + r);            // overlong
  CHECK(utf8::lossy("\xF4\x90\x80\x80") == r + r + r + r);  // above U+10FFFF
  CHECK(utf8::lossy("\xF0\x90\x80\x80") == "\xF0\x90\x80\x80");
  CHECK(utf8::lossy("\xF0\x9F\x98") == r);
  CHECK(utf8::lossy("plain ascii") == "plain ascii");
}

TEST_CASE("first_invalid finds the first bad byte and npos for valid text", "[text]") {
  CHECK(utf8::first_invalid("héllo 中文 🤖") == std::string_view::npos);
  CHECK(utf8::first_invalid("ab\xFF") == 2);
  CHECK(utf8::first_invalid("a\xE4\xB8") == 1);
  CHECK(utf8::valid(""));
}

TEST_CASE("code points round trip through append and next", "[text]") {
  for (char32_t cp : {U'a', U'é', U'中', U'🤖', char32_t(0x10FFFF), char32_t(0x7F), char32_t(0x80), char32_t(0x7FF),
                      char32_t(0x800), char32_t(0xFFFF), char32_t(0x10000)}) {
    std::string s;
    utf8::append(s, cp);
    size_t i = 0;
    CHECK(utf8::next(s, i) == cp);
    CHECK(i == s.size());
    CHECK(utf8::valid(s));
  }
}
