#include <catch2/catch.hpp>

#include "engine/text/tokenizer.h"
#include "tests/support.h"
#include "tests/text/goldens.h"

using namespace mambascope;

TEST_CASE("mambascope tokenize prints ids and decodes them back", "[cli][text][pcre2][utf8proc]") {
  const std::string tok = test::asset(test::kTinyNeox);
  const auto expected = load_tokenizer(tok)->encode("How many circles?");
  std::string ids;
  for (size_t i = 0; i < expected.size(); ++i) ids += (i ? " " : "") + std::to_string(expected[i]);

  std::string out;
  REQUIRE(test::run_cli("tokenize --tokenizer " + tok + " 'How many circles?'", out) == 0);
  CHECK(out == ids + "\n");
  REQUIRE(test::run_cli("tokenize --tokenizer " + tok + " --decode '" + ids + "'", out) == 0);
  CHECK(out == "How many circles?\n");
  REQUIRE(test::run_cli("tokenize --tokenizer " + tok + " --tokens 'How'", out) == 0);
  CHECK(out.find("\tHow\n") != std::string::npos);
}

TEST_CASE("mambascope tokenize reports bad input as errors", "[cli][text][pcre2][utf8proc]") {
  std::string out;
  CHECK(test::run_cli("tokenize --tokenizer /no/such/tokenizer.json hi", out) == 1);
  CHECK(out.find("/no/such/tokenizer.json") != std::string::npos);
  CHECK(test::run_cli("tokenize --tokenizer " + test::asset(test::kTinyNeox) + " --decode 12 x3", out) == 1);
  CHECK(out.find("not a token id") != std::string::npos);
  CHECK(test::run_cli("tokenize hi", out) != 0);  // --tokenizer is required
}
