// Chat on the tiny presets on the CPU: streaming, multi-turn prefix reuse, image splicing, stopping, errors.
#include <catch2/catch.hpp>

#include <thread>

#include "engine/session/chat.h"
#include "tests/support.h"
#include "tests/text/goldens.h"

using namespace mambascope;

namespace {

ResolvedModel tiny(const std::string& name, uint64_t seed = 3) {
  ModelRequest r;
  r.model = name;
  r.seed = seed;
  return resolve_model(r);
}

AskOptions greedy(int64_t n) {
  AskOptions o;
  o.max_new_tokens = n;
  return o;
}

const char* kTinyPresets[] = {"tiny-ml-mamba", "tiny-mmmamba-linear", "tiny-mmmamba-hybrid", "tiny-transformer"};

}  // namespace

TEST_CASE("streamed pieces concatenate to the answer on every tiny preset", "[chat]") {
  for (const char* name : kTinyPresets) {
    INFO(name);
    Chat chat(tiny(name), 512);
    chat.set_image(test::asset("assets/images/circles.png"));
    std::string streamed;
    int pieces = 0;
    const ChatAnswer a = chat.ask("How many circles are there?", [&](const std::string& p) { streamed += p, ++pieces; }, nullptr, greedy(24));
    CHECK(streamed == a.text);
    CHECK(a.text == chat.tokenizer().decode(a.tokens, /*skip_special=*/true));
    CHECK(a.stats.generated_tokens == static_cast<int64_t>(a.tokens.size()));
    CHECK(a.stats.prefill_tokens == a.stats.prompt_tokens);
    CHECK(a.stats.memory.cur(MemCategory::Weights) > 0);
    REQUIRE(chat.turns().size() == 1);
    CHECK(chat.turns()[0].assistant == a.text);
  }
}

TEST_CASE("a fixed seed gives the same tokens every time", "[chat]") {
  AskOptions o = greedy(16);
  o.sampling.temperature = 0.9f;
  o.sampling.top_k = 50;
  o.sampling.seed = 7;
  std::vector<int32_t> first;
  for (int run = 0; run < 2; ++run) {
    Chat chat(tiny("tiny-mmmamba-hybrid"), 256);
    // The trained checkpoint: a question it answers at length (a caption). Asked "Describe the colours." with
    // no image, it now ends at once with the stop token, which compares nothing.
    chat.set_image(test::asset("assets/images/shapes.jpg"));
    const ChatAnswer a = chat.ask("What is in the image?", {}, nullptr, o);
    REQUIRE(a.tokens.size() >= 3);
    if (run == 0) first = a.tokens;
    else CHECK(a.tokens == first);
  }
}

TEST_CASE("multi-turn answers are the same with and without prefix reuse", "[chat]") {
  for (const char* name : kTinyPresets) {
    INFO(name);
    Chat inc(tiny(name), 512), full(tiny(name), 512);
    full.set_reuse_prefix(false);
    for (Chat* c : {&inc, &full}) c->set_image(test::asset("assets/images/shapes.jpg"));
    const char* questions[] = {"What shapes are there?", "And which colour is the largest one?", "Count them."};
    for (const char* q : questions) {
      // A few tokens: short answers re-tokenize to themselves more often, so the prefix path is taken.
      const ChatAnswer a = inc.ask(q, {}, nullptr, greedy(3));
      const ChatAnswer b = full.ask(q, {}, nullptr, greedy(3));
      CHECK(b.stats.reused_tokens == 0);
      CHECK(a.stats.prompt_tokens == b.stats.prompt_tokens);
      CHECK(a.stats.reused_tokens + a.stats.prefill_tokens == a.stats.prompt_tokens);
      // f32 on the CPU, the same tokens through the chunked scan in two splits: ~1e-6 relative.
      CHECK(test::rel_l2(inc.prefill_logits(), full.prefill_logits()) < 1e-4);
      CHECK(a.tokens == b.tokens);
    }
    // Random weights answer gibberish that rarely re-tokenizes to itself, so reuse is exercised by the next test.
  }
}

TEST_CASE("a follow-up question prefills only what the conversation adds", "[chat]") {
  // An empty first answer (stopped before its first token) re-renders exactly as the session holds it, so the
  // second prompt extends the first: InternLM2's template puts nothing between "assistant\n" and the next
  // "<|im_start|>". (ML-Mamba's renders an empty answer as " ", which re-tokenizes differently.)
  for (const char* name : {"tiny-mmmamba-linear", "tiny-mmmamba-hybrid", "tiny-transformer"}) {
    INFO(name);
    Chat inc(tiny(name), 512), full(tiny(name), 512);
    full.set_reuse_prefix(false);
    for (Chat* c : {&inc, &full}) c->set_image(test::asset("assets/images/shapes.jpg"));
    std::atomic<bool> stopped{true};
    const ChatAnswer first = inc.ask("What shapes are there?", {}, &stopped, greedy(4));
    full.ask("What shapes are there?", {}, &stopped, greedy(4));
    REQUIRE(first.text.empty());
    const ChatAnswer a = inc.ask("Which colour is the largest one?", {}, nullptr, greedy(6));
    const ChatAnswer b = full.ask("Which colour is the largest one?", {}, nullptr, greedy(6));
    CHECK(a.stats.reused_tokens == first.stats.prompt_tokens);
    CHECK(a.stats.prefill_tokens == a.stats.prompt_tokens - first.stats.prompt_tokens);
    CHECK(b.stats.prefill_tokens == b.stats.prompt_tokens);
    // f32 on the CPU; the same tokens through the chunked scan / attention in two splits: ~1e-6 relative.
    CHECK(test::rel_l2(inc.prefill_logits(), full.prefill_logits()) < 1e-4);
    CHECK(a.tokens == b.tokens);
    CHECK(inc.held_tokens() == full.held_tokens());
  }
}

TEST_CASE("the image embeddings are spliced into the prompt", "[chat]") {
  for (const char* name : kTinyPresets) {
    INFO(name);
    Chat chat(tiny(name), 512);
    chat.set_image(test::asset("assets/images/circles.png"));
    chat.ask("What is this?", {}, nullptr, greedy(1));
    const std::vector<float> circles = chat.prefill_logits();
    chat.set_image(test::asset("assets/images/stripes.gif"));
    CHECK(chat.turns().empty());  // a new image starts a new conversation
    chat.ask("What is this?", {}, nullptr, greedy(1));
    const std::vector<float> stripes = chat.prefill_logits();
    REQUIRE(circles.size() == stripes.size());
    chat.set_image(test::asset("assets/images/circles.png"));
    chat.ask("What is this?", {}, nullptr, greedy(1));
    // The same image again gives the same logits (the same arithmetic in the same order: bit-identical);
    // another image moves them (tiny random models: by ~5e-4 relative for ML-Mamba, more for the others).
    CHECK(test::rel_l2(chat.prefill_logits(), circles) < 1e-7);
    CHECK(test::rel_l2(stripes, circles) > 1e-4);
  }
}

TEST_CASE("the stop flag ends the answer within one token", "[chat]") {
  Chat chat(tiny("tiny-mmmamba-linear"), 512);
  std::atomic<bool> stop{false};
  int pieces_after_stop = 0;
  AskOptions o = greedy(200);
  o.sampling.temperature = 1.0f;  // sampled: no early stop token in practice on random weights
  o.sampling.seed = 1;
  // The callback raises the flag after the first piece, as the Stop button or Ctrl-C would from elsewhere.
  const ChatAnswer a = chat.ask("Tell me a long story.", [&](const std::string&) {
    if (stop) ++pieces_after_stop;
    else stop = true;
  }, &stop, o);
  // Deterministic (seeded weights and sampling): this answer would run on to 200 tokens.
  CHECK(a.stats.stop_reason == "stopped");
  CHECK(pieces_after_stop <= 1);         // at most the flush of a held-back UTF-8 piece
  CHECK(a.stats.generated_tokens <= 8);  // the token that raised the flag, and byte tokens held back before it
  // Stopped before the first token: an empty answer.
  Chat again(tiny("tiny-mmmamba-linear"), 512);
  std::atomic<bool> set{true};
  const ChatAnswer b = again.ask("Tell me a long story.", {}, &set, o);
  CHECK(b.stats.generated_tokens == 0);
  CHECK(b.text.empty());
  CHECK(b.stats.stop_reason == "stopped");
}

TEST_CASE("chat errors name the problem and the fix", "[chat]") {
  Chat chat(tiny("tiny-ml-mamba"), 64);
  REQUIRE_ERROR_MENTIONS(chat.ask("  \n", {}, nullptr, greedy(4)), "prompt is empty");
  REQUIRE_ERROR_MENTIONS(chat.set_image("/nonexistent/cat.png"), "cat.png");
  REQUIRE_ERROR_MENTIONS(chat.set_image(test::asset("assets/tokenizers/README.md")), "README.md");
  std::string long_question;
  for (int i = 0; i < 100; ++i) long_question += "circles and squares ";
  REQUIRE_ERROR_MENTIONS(chat.ask(long_question, {}, nullptr, greedy(4)), "tokens", "holds 64", "--max-length");
  ModelRequest real;
  real.model = "mmmamba-linear";
  REQUIRE_ERROR_MENTIONS(resolve_model(real), "mmmamba-linear", "--tokenizer");
  ModelRequest unknown;
  unknown.model = "no-such-model";
  REQUIRE_ERROR_MENTIONS(resolve_model(unknown), "no-such-model", "tiny-ml-mamba");
  test::TempDir dir("chat");
  ModelRequest empty_dir;
  empty_dir.model = dir.path().string();
  REQUIRE_ERROR_MENTIONS(resolve_model(empty_dir), "config.json");
}

TEST_CASE("models resolve from directories and the assets folder with their tokenizers", "[chat]") {
  // A checkpoint directory as `mambascope init` writes it, plus a tokenizer: both picked up from the directory.
  test::TempDir dir("chatmodel");
  std::string out;
  REQUIRE(test::run_cli("init --model tiny-mmmamba-linear --out " + dir.path().string() + " --seed 5", out) == 0);
  ModelRequest r;
  r.model = dir.path().string();
  REQUIRE_ERROR_MENTIONS(resolve_model(r), "no tokenizer", "--tokenizer");
  r.tokenizer = test::asset("assets/tokenizers/tiny-internlm2");
  ResolvedModel m = resolve_model(r);
  CHECK(m.warning.empty());
  CHECK(m.weights_from == dir.path().string());
  CHECK(m.format == ChatFormat::InternLM2);
  CHECK(m.model->config().kind() == "mmmamba-linear");
  // The tiny presets bring the tokenizer with the special tokens their format needs.
  const ResolvedModel ml = tiny("tiny-ml-mamba");
  CHECK(ml.format == ChatFormat::MlMamba);
  CHECK(ml.tokenizer->token_id("<|endoftext|>").has_value());
  CHECK(ml.warning.find("gibberish") != std::string::npos);
  const ResolvedModel hv = tiny("tiny-transformer");
  CHECK(hv.tokenizer->token_id("<IMG_CONTEXT>").has_value());
  CHECK(hv.tokenizer->token_id("<|im_end|>").has_value());
  const std::vector<std::string> offered = available_models();
  for (const std::string& p : preset_names()) CHECK(std::count(offered.begin(), offered.end(), p) == 1);
}
