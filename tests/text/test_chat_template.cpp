#include <catch2/catch.hpp>

#include "engine/text/chat_template.h"
#include "tests/support.h"
#include "tests/text/goldens.h"

using namespace mambascope;

namespace {

std::vector<ChatTurn> turns_of(const nlohmann::json& j) {
  std::vector<ChatTurn> turns;
  for (const auto& t : j) {
    ChatTurn turn{t[0].get<std::string>(), std::nullopt};
    if (!t[1].is_null()) turn.assistant = t[1].get<std::string>();
    turns.push_back(turn);
  }
  return turns;
}

std::string repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

}  // namespace

TEST_CASE("ML-Mamba prompts are Zephyr turns without BOS", "[text]") {
  CHECK(render_chat(ChatFormat::MlMamba, {{"How many circles?", std::nullopt}}) ==
        "<|user|>\nHow many circles?<|endoftext|>\n<|assistant|>\n");
  // Messages are stripped and lose "<image>"; an empty past answer becomes one space.
  CHECK(render_chat(ChatFormat::MlMamba, {{"<image>\n How many circles? ", " Three. "}, {"And squares?", ""}, {"Colours?", std::nullopt}}) ==
        "<|user|>\nHow many circles?<|endoftext|>\n<|assistant|>\nThree.<|endoftext|>"
        "\n<|user|>\nAnd squares?<|endoftext|>\n<|assistant|>\n <|endoftext|>"
        "\n<|user|>\nColours?<|endoftext|>\n<|assistant|>\n");
  REQUIRE_ERROR_MENTIONS(render_chat(ChatFormat::MlMamba, {{"q", std::nullopt}}, {0, std::string("sys")}), "no system message");
}

TEST_CASE("InternLM2 prompts follow HoVLE's internlm2-chat template", "[text]") {
  const std::string sys = std::string("<|im_start|>system\n") + kHoVLESystemMessage + "<|im_end|>";
  CHECK(render_chat(ChatFormat::InternLM2, {{"How many circles?", std::nullopt}}) ==
        sys + "<|im_start|>user\nHow many circles?<|im_end|><|im_start|>assistant\n");
  ChatOptions image;
  image.image_embeddings = 3;
  CHECK(render_chat(ChatFormat::InternLM2, {{"How many circles?", "Three."}, {"And squares?", std::nullopt}}, image) ==
        sys + "<|im_start|>user\n<img>" + repeat("<IMG_CONTEXT>", 3) +
            "</img>\nHow many circles?<|im_end|><|im_start|>assistant\nThree.<|im_end|>"
            "<|im_start|>user\nAnd squares?<|im_end|><|im_start|>assistant\n");
  // A question that places "<image>" itself keeps it there; a custom system message replaces HoVLE's.
  ChatOptions custom = image;
  custom.system_message = "Be brief.";
  CHECK(render_chat(ChatFormat::InternLM2, {{"Look: <image> count", std::nullopt}}, custom) ==
        "<|im_start|>system\nBe brief.<|im_end|><|im_start|>user\nLook: <img>" + repeat("<IMG_CONTEXT>", 3) +
            "</img> count<|im_end|><|im_start|>assistant\n");
  CHECK(hovle_image_tokens(1) == 256);
  CHECK(hovle_image_tokens(7) == 1792);
}

TEST_CASE("chat prompts need turns whose answers are given except the last", "[text]") {
  REQUIRE_ERROR_MENTIONS(render_chat(ChatFormat::MlMamba, {}), "at least one turn");
  REQUIRE_ERROR_MENTIONS(render_chat(ChatFormat::InternLM2, {{"a", std::nullopt}, {"b", std::nullopt}}), "turn 0 has no answer");
  REQUIRE_ERROR_MENTIONS(parse_chat_format("llama"), "unknown chat format", "mlmamba");
}

TEST_CASE("tokenized chat prompts match the reference ids and say where image embeddings go",
          "[text][pcre2][utf8proc][sentencepiece]") {
  const auto bpe = load_tokenizer(test::asset(test::kTinyNeox));
  const auto sp = load_tokenizer(test::asset(test::kTinyInternLM2));
  const auto golden = test::load_json_asset("assets/golden/tokenizer/templates.json");
  REQUIRE(golden["prompts"].size() == 6);
  for (const auto& g : golden["prompts"]) {
    const ChatFormat format = parse_chat_format(g["format"]);
    const Tokenizer& tok = format == ChatFormat::MlMamba ? *bpe : *sp;
    ChatOptions opt;
    opt.image_embeddings = g["image_embeddings"];
    const auto turns = turns_of(g["turns"]);
    const ChatPrompt p = build_chat_prompt(tok, format, turns, opt);
    INFO("prompt: " << g["text"].get<std::string>().substr(0, 200));
    CHECK(p.text == g["text"].get<std::string>());
    CHECK(render_chat(format, turns, opt) == p.text);
    CHECK(p.ids == g["ids"].get<std::vector<int32_t>>());
    if (opt.image_embeddings == 0) {
      CHECK(p.images.empty());
      continue;
    }
    REQUIRE(p.images.size() == 1);
    CHECK(p.images[0].begin == g["image_begin"].get<int64_t>());
    CHECK(p.images[0].count == opt.image_embeddings);
    for (int64_t i = p.images[0].begin; i < p.images[0].begin + p.images[0].count; ++i)
      REQUIRE(p.ids[static_cast<size_t>(i)] == p.image_token_id);
    if (format == ChatFormat::MlMamba) {
      CHECK(p.image_token_id == -1);
      CHECK(p.stop_ids == std::vector<int32_t>{bpe->require_token("<|endoftext|>", "test")});
    } else {
      // Splicing the image run in gives what tokenizing the whole string gives.
      CHECK(tok.encode(p.text) == p.ids);
      CHECK(p.image_token_id == sp->require_token("<IMG_CONTEXT>", "test"));
      CHECK(p.stop_ids.front() == sp->require_token("<|im_end|>", "test"));
    }
  }
}

TEST_CASE("a tokenizer without a format's tokens is refused by name", "[text][pcre2][utf8proc]") {
  const auto bpe = load_tokenizer(test::asset(test::kTinyNeox));
  ChatOptions image;
  image.image_embeddings = 4;
  REQUIRE_ERROR_MENTIONS(build_chat_prompt(*bpe, ChatFormat::InternLM2, {{"q", std::nullopt}}, image), "<|im_end|>",
                         "tiny-neox/tokenizer.json");
}
