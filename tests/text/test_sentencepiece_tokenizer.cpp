#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>

#include "engine/text/sentencepiece_tokenizer.h"
#include "tests/support.h"
#include "tests/text/goldens.h"
#include "tests/text/stream_check.h"

using namespace mambascope;

namespace {

std::unique_ptr<Tokenizer> tiny() { return load_tokenizer(test::asset(test::kTinyInternLM2)); }

// A copy of the tiny InternLM2 tokenizer's files in `dir`, with the model bytes replaced by `model`.
std::string copy_with_model(const test::TempDir& dir, const std::string& model) {
  const std::filesystem::path src = std::filesystem::path(test::asset(test::kTinyInternLM2)).parent_path();
  for (const char* side : {"tokenizer_config.json", "added_tokens.json"})
    std::filesystem::copy_file(src / side, dir.path() / side);
  const std::string path = dir.file("tokenizer.model");
  test::write_bytes(path, model);
  return path;
}

}  // namespace

TEST_CASE("the tiny InternLM2 tokenizer matches sentencepiece on the parity corpus", "[text][sentencepiece]") {
  const auto tok = tiny();
  CHECK(tok->kind() == "sentencepiece");
  const auto golden = test::load_json_asset("assets/golden/tokenizer/sentencepiece.json");
  REQUIRE(golden["cases"].size() >= 30);
  for (const auto& c : golden["cases"]) {
    const std::string text = c["text"];
    INFO("text: " << text);
    const auto ids = c["ids"].get<std::vector<int32_t>>();
    CHECK(tok->encode(text) == ids);
    CHECK(tok->encode(text, /*add_special=*/false) == c["ids_no_special"].get<std::vector<int32_t>>());
    CHECK(tok->decode(ids) == c["decoded"].get<std::string>());
    CHECK(tok->decode(ids, /*skip_special=*/true) == c["decoded_skip_special"].get<std::string>());
    StreamDecoder stream(*tok, /*skip_special=*/true);
    std::string streamed;
    for (int32_t id : ids) streamed += stream.push(id);
    streamed += stream.flush();
    CHECK(streamed == c["decoded_skip_special"].get<std::string>());
  }
}

TEST_CASE("the SentencePiece stream decoder never emits part of a UTF-8 character", "[text][sentencepiece]") {
  const auto tok = tiny();
  const auto golden = test::load_json_asset("assets/golden/tokenizer/sentencepiece.json");
  int checked = 0;
  for (const auto& c : golden["cases"]) {
    const std::string text = c["text"];
    // SentencePiece drops a leading space when decoding (its dummy prefix), so such texts do not round trip.
    if (text.empty() || text[0] == ' ' || text[0] == '\n' || text[0] == '\t') continue;
    test::check_byte_stream(*tok, text, [&](uint8_t b) {
      char piece[8];
      std::snprintf(piece, sizeof(piece), "<0x%02X>", b);
      return tok->require_token(piece, "byte fallback");
    });
    ++checked;
  }
  CHECK(checked >= 25);
}

TEST_CASE("InternLM2 special and image tokens are single tokens and <s> comes first", "[text][sentencepiece]") {
  const auto tok = tiny();
  const int32_t bos = tok->require_token("<s>", "this test");
  CHECK(tok->bos_id() == bos);
  const int32_t im_start = tok->require_token("<|im_start|>", "this test");
  const int32_t im_end = tok->require_token("<|im_end|>", "this test");
  const int32_t ctx = tok->require_token("<IMG_CONTEXT>", "this test");
  CHECK(ctx >= tok->require_token("<img>", "this test"));  // image tokens follow the SentencePiece vocabulary
  CHECK(tok->vocab_size() == ctx + 7);                     // <IMG_CONTEXT> is the third of nine image tokens
  for (int32_t id : {bos, im_start, im_end, ctx}) CHECK(tok->is_special(id));
  const auto ids = tok->encode("<|im_start|>user\nhi<|im_end|><IMG_CONTEXT><IMG_CONTEXT>");
  REQUIRE(ids.size() >= 6);
  CHECK(ids.front() == bos);
  CHECK(ids[1] == im_start);
  CHECK(ids[ids.size() - 3] == im_end);
  CHECK(ids[ids.size() - 2] == ctx);
  CHECK(ids.back() == ctx);
  CHECK(tok->encode("hi", /*add_special=*/false).front() != bos);
  CHECK(tok->decode(ids, /*skip_special=*/true) == "user\nhi");
  CHECK(tok->token(ctx) == "<IMG_CONTEXT>");
  REQUIRE_ERROR_MENTIONS(tok->token(tok->vocab_size()), "not in the vocabulary");
}

TEST_CASE("damaged SentencePiece files are refused with the file named", "[text][sentencepiece]") {
  const std::string model = test::read_bytes(test::asset(test::kTinyInternLM2));
  REQUIRE(model.size() > 1000);
  {
    test::TempDir dir("sp");
    const std::string path = copy_with_model(dir, model.substr(0, model.size() / 3));
    REQUIRE_ERROR_MENTIONS(load_tokenizer(path), path, "not a SentencePiece model");
  }
  {
    test::TempDir dir("sp");
    const std::string path = copy_with_model(dir, "");
    REQUIRE_ERROR_MENTIONS(load_tokenizer(path), path, "empty file");
  }
  {
    test::TempDir dir("sp");
    const std::string path = copy_with_model(dir, std::string(4096, '\x7f'));
    REQUIRE_ERROR_MENTIONS(load_tokenizer(path), path, "not a SentencePiece model");
  }
  {
    test::TempDir dir("sp");
    const std::string path = copy_with_model(dir, model);
    test::write_bytes(dir.file("added_tokens.json"), "{\"<img>\": ");
    REQUIRE_ERROR_MENTIONS(load_tokenizer(path), "added_tokens.json", "not valid JSON");
  }
}

TEST_CASE("SentencePiece text must be valid UTF-8", "[text][sentencepiece]") {
  REQUIRE_ERROR_MENTIONS(tiny()->encode("\xC3"), "not valid UTF-8");
}
