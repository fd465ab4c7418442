#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>

#include "engine/text/bpe_tokenizer.h"
#include "tests/support.h"
#include "tests/text/goldens.h"
#include "tests/text/stream_check.h"

using namespace mambascope;

namespace {

std::vector<int32_t> ids_of(const nlohmann::json& j) { return j.get<std::vector<int32_t>>(); }

// Every case of a golden file written by baselines/torch/tokenizer_goldens.py from HF tokenizers: ids with and
// without special tokens, decode with and without skipping them, and streaming decode of the ids.
void check_hf_parity(const Tokenizer& tok, const nlohmann::json& golden) {
  REQUIRE(golden["cases"].size() >= 30);
  for (const auto& c : golden["cases"]) {
    const std::string text = c["text"];
    INFO("text: " << text);
    const std::vector<int32_t> ids = ids_of(c["ids"]);
    CHECK(tok.encode(text) == ids);
    CHECK(tok.encode(text, /*add_special=*/false) == ids_of(c["ids_no_special"]));
    CHECK(tok.decode(ids) == c["decoded"].get<std::string>());
    CHECK(tok.decode(ids, /*skip_special=*/true) == c["decoded_skip_special"].get<std::string>());
    StreamDecoder stream(tok, /*skip_special=*/false);
    std::string streamed;
    for (int32_t id : ids) streamed += stream.push(id);
    streamed += stream.flush();
    CHECK(streamed == c["decoded"].get<std::string>());
  }
}

std::unique_ptr<BpeTokenizer> tiny() { return BpeTokenizer::load(test::asset(test::kTinyNeox)); }

std::string tiny_json() { return read_text_file(test::asset(test::kTinyNeox)); }

}  // namespace

TEST_CASE("the tiny NeoX tokenizer matches HF tokenizers on the parity corpus", "[text][pcre2][utf8proc]") {
  const auto tok = tiny();
  CHECK(tok->kind() == "bpe");
  check_hf_parity(*tok, test::load_json_asset("assets/golden/tokenizer/bpe.json"));
}

TEST_CASE("the GPT-NeoX-20B tokenizer.json matches HF tokenizers on the parity corpus", "[text][pcre2][utf8proc][neox20b]") {
  const char* path = std::getenv("MAMBASCOPE_NEOX20B_TOKENIZER");
  INFO("set MAMBASCOPE_NEOX20B_TOKENIZER to a copy of GPT-NeoX-20B's tokenizer.json");
  REQUIRE(path != nullptr);
  const auto tok = load_tokenizer(path);
  CHECK(tok->vocab_size() == 50277);
  check_hf_parity(*tok, test::load_json_asset("assets/golden/tokenizer/neox20b.json"));
}

TEST_CASE("byte-level decoding gives the text back for NFC text", "[text][pcre2][utf8proc]") {
  const auto tok = tiny();
  for (const std::string text : {"Hello world!", "  two  spaces\tand\ttabs\n", "中文 🤖 👩‍💻 café", "x = [1, 2, 3]\n"})
    CHECK(tok->decode(tok->encode(text)) == text);
  // Decomposed é (e + U+0301) comes back composed: the NFC normalizer ran before the model.
  CHECK(tok->decode(tok->encode("cafe\xCC\x81")) == "caf\xC3\xA9");
}

TEST_CASE("the BPE stream decoder never emits part of a UTF-8 character", "[text][pcre2][utf8proc]") {
  const auto tok = tiny();
  const auto golden = test::load_json_asset("assets/golden/tokenizer/bpe.json");
  for (const auto& c : golden["cases"])
    test::check_byte_stream(*tok, c["text"].get<std::string>(), [&](uint8_t b) {
      const auto id = tok->byte_token_id(b);
      REQUIRE(id);
      return *id;
    });
}

TEST_CASE("special and added tokens of tokenizer.json are single tokens", "[text][pcre2][utf8proc]") {
  const auto tok = tiny();
  const int32_t eot = tok->require_token("<|endoftext|>", "this test");
  CHECK(tok->is_special(eot));
  CHECK(tok->eos_id() == eot);
  CHECK(tok->encode("<|endoftext|>") == std::vector<int32_t>{eot});
  const auto ids = tok->encode("a<|endoftext|>b");
  REQUIRE(ids.size() == 3);
  CHECK(ids[1] == eot);
  // GPT-NeoX's runs of spaces are added tokens, matched after normalization and not special.
  const int32_t two = tok->require_token("  ", "this test");
  CHECK_FALSE(tok->is_special(two));
  const auto spaced = tok->encode("a  b");
  CHECK(std::find(spaced.begin(), spaced.end(), two) != spaced.end());
  CHECK(tok->decode(spaced) == "a  b");
  CHECK(tok->decode(std::vector<int32_t>{eot, two}, /*skip_special=*/true) == "  ");
  CHECK(tok->token(eot) == "<|endoftext|>");
  REQUIRE_ERROR_MENTIONS(tok->token(1 << 30), "not in the vocabulary", "tokenizer.json");
  CHECK(tok->decode(std::vector<int32_t>{1 << 30}).empty());  // unknown ids are dropped, as HF does
  REQUIRE_ERROR_MENTIONS(tok->require_token("<IMG_CONTEXT>", "the image prompt"), "<IMG_CONTEXT>", "the image prompt",
                         "tokenizer.json");
}

TEST_CASE("tokenizer.json text must be valid UTF-8", "[text][pcre2][utf8proc]") {
  REQUIRE_ERROR_MENTIONS(tiny()->encode("ok \xFF bad"), "not valid UTF-8", "byte 3");
}

TEST_CASE("damaged tokenizer.json files are refused with the file and the field named", "[text][pcre2][utf8proc]") {
  test::TempDir dir("bpe");
  const std::string good = tiny_json();
  const std::string path = dir.file("tokenizer.json");

  test::write_bytes(path, good.substr(0, good.size() / 2));  // truncated: invalid JSON
  REQUIRE_ERROR_MENTIONS(load_tokenizer(path), path, "not valid JSON");

  auto j = nlohmann::json::parse(good);
  auto write = [&](const nlohmann::json& v) { test::write_bytes(path, v.dump()); };
  auto without = [&](const std::string& a, const std::string& b = {}) {
    auto v = j;
    if (b.empty()) v.erase(a);
    else v[a].erase(b);
    return v;
  };
  write(without("model"));
  REQUIRE_ERROR_MENTIONS(load_tokenizer(path), path, "model", "missing");
  write(without("model", "merges"));
  REQUIRE_ERROR_MENTIONS(load_tokenizer(path), path, "model.merges", "missing");
  write(without("model", "vocab"));
  REQUIRE_ERROR_MENTIONS(load_tokenizer(path), path, "model.vocab");

  auto v = j;
  v["model"]["merges"].push_back(nlohmann::json::array({"zzz_not_a_token", "q"}));
  write(v);
  REQUIRE_ERROR_MENTIONS(load_tokenizer(path), path, "model.merges[", "zzz_not_a_token", "not in model.vocab");

  v = j;
  v["pre_tokenizer"] = {{"type", "Whitespace"}};
  write(v);
  REQUIRE_ERROR_MENTIONS(load_tokenizer(path), path, "pre_tokenizer", "unsupported");

  v = j;
  v["model"]["type"] = "WordPiece";
  write(v);
  REQUIRE_ERROR_MENTIONS(load_tokenizer(path), path, "model.type", "WordPiece");

  v = j;
  v["model"]["dropout"] = 0.1;
  write(v);
  REQUIRE_ERROR_MENTIONS(load_tokenizer(path), path, "model.dropout");

  test::write_bytes(path, "[1, 2, 3]");
  REQUIRE_ERROR_MENTIONS(load_tokenizer(path), path, "not a JSON object");
  REQUIRE_ERROR_MENTIONS(load_tokenizer(dir.file("missing.json")), "missing.json", "no such file");
}

TEST_CASE("merges in the pre-0.20 string form load like the pair form", "[text][pcre2][utf8proc]") {
  auto j = nlohmann::json::parse(tiny_json());
  auto& merges = j["model"]["merges"];
  for (auto& m : merges)
    if (m.is_array()) m = m[0].get<std::string>() + " " + m[1].get<std::string>();
  const auto legacy = BpeTokenizer::parse(j.dump(), "legacy.json");
  const auto tok = tiny();
  for (const std::string text : {"How many circles are there?", "def area(r):\n    return r * r\n", "中文 🤖"})
    CHECK(legacy->encode(text) == tok->encode(text));
}

TEST_CASE("load_tokenizer finds the tokenizer file in a model directory", "[text][pcre2][utf8proc]") {
  const auto tok = load_tokenizer(test::asset("assets/tokenizers/tiny-neox"));
  CHECK(tok->kind() == "bpe");
  test::TempDir empty("tokdir");
  REQUIRE_ERROR_MENTIONS(load_tokenizer(empty.path().string()), "no tokenizer.json or tokenizer.model");
}
