#pragma once
// Checks a StreamDecoder on a text fed one byte token at a time: after every byte, exactly the complete
// characters so far have been emitted (never part of one), and the pieces add up to the text.
#include <catch2/catch.hpp>

#include <functional>
#include <string>

#include "engine/text/tokenizer.h"
#include "engine/text/utf8.h"

namespace mambascope::test {

inline void check_byte_stream(const Tokenizer& tok, const std::string& text,
                              const std::function<int32_t(uint8_t)>& byte_id) {
  INFO("text: " << text);
  REQUIRE(utf8::valid(text));
  StreamDecoder stream(tok, /*skip_special=*/false);
  std::string emitted;
  size_t char_end = 0;  // end of the last complete character among the bytes fed so far
  for (size_t k = 0; k < text.size(); ++k) {
    const std::string piece = stream.push(byte_id(static_cast<uint8_t>(text[k])));
    REQUIRE(utf8::valid(piece));
    emitted += piece;
    size_t i = char_end;
    while (i < text.size()) {  // advance over the characters whose last byte has been fed
      size_t j = i;
      utf8::next(text, j);
      if (j > k + 1) break;
      i = j;
    }
    char_end = i;
    INFO("after byte " << k);
    REQUIRE(emitted == text.substr(0, char_end));
  }
  emitted += stream.flush();
  CHECK(emitted == text);
}

}  // namespace mambascope::test
