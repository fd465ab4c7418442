// `mambascope chat` on the tiny presets on the CPU: one answer as JSON, the REPL driven through a pipe.
#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "tests/support.h"
#include "tests/text/goldens.h"

using namespace mambascope;

TEST_CASE("mambascope chat --prompt --json prints one object with the answer and its stats", "[cli][chat]") {
  std::string out;
  const std::string args = "chat --model tiny-ml-mamba --device cpu --image " + test::asset("assets/images/circles.png") +
                           " --prompt 'How many circles?' --max-new-tokens 12 --json";
  REQUIRE(test::run_cli(args, out) == 0);
  INFO(out);
  const auto j = nlohmann::json::parse(out);
  CHECK(j["model"] == "tiny-ml-mamba");
  CHECK(j["device"] == "cpu");
  CHECK(j["image_embeddings"] == 16);  // 56 px / 14 px patches = 4 x 4
  CHECK(j["answer"].is_string());
  CHECK(j["tokens"].is_array());
  CHECK(j["warning"].get<std::string>().find("gibberish") != std::string::npos);
  const auto& s = j["stats"];
  CHECK(s["prefill_tokens"].get<int>() > 16);
  CHECK(s["prefill_ms"].get<double>() > 0);
  CHECK(s["generated_tokens"] == j["tokens"].size());
  CHECK(s["memory_bytes"]["weights"].get<int64_t>() > 0);
  // The same seed again: the same tokens.
  std::string again;
  REQUIRE(test::run_cli(args, again) == 0);
  CHECK(nlohmann::json::parse(again)["tokens"] == j["tokens"]);
}

TEST_CASE("the trained tiny mmMamba-linear counts the circles of circles.png on the CPU", "[cli][chat][eval]") {
  // Issue 10's bar, as a user types it: three circles (red, green, blue) on a 336x252 canvas.
  std::string out;
  REQUIRE(test::run_cli("chat --model tiny-mmmamba-linear --device cpu --image " + test::asset("assets/images/circles.png") +
                            " --prompt 'How many circles?' --json", out) == 0);
  INFO(out);
  const auto j = nlohmann::json::parse(out);
  CHECK(j["answer"] == "3");
  CHECK_FALSE(j.contains("warning"));  // a trained checkpoint, not generated weights
}

TEST_CASE("mambascope chat streams one answer and its stats line", "[cli][chat]") {
  // tiny-transformer has a trained checkpoint under assets/models/ (no warning); tiny-mmmamba-hybrid runs as the
  // preset with generated weights unless a trained one is added, and must then say so.
  for (const std::string model : {"tiny-transformer", "tiny-mmmamba-hybrid"}) {
    std::string out;
    REQUIRE(test::run_cli("chat --model " + model + " --device cpu --prompt 'Hello' --max-new-tokens 5", out) == 0);
    INFO(model << ": " << out);
    const bool trained = std::filesystem::exists(test::asset("assets/models/" + model + "/config.json"));
    CHECK((out.find("generated weights") != std::string::npos) == !trained);
    CHECK(out.find("prefill ") != std::string::npos);
    CHECK(out.find("memory ") != std::string::npos);
  }
}

TEST_CASE("the chat REPL reads commands and questions from a pipe", "[cli][chat]") {
  test::TempDir dir("repl");
  const std::string script = dir.file("in.txt");
  test::write_bytes(script, "/help\nWhat is this?\n/stats\n/image " + test::asset("assets/images/shapes.jpg") +
                                "\nAnd now?\n/reset\n/image /nonexistent/dog.png\n/bogus\nOne more.\n/quit\nnot reached\n");
  std::string out;
  REQUIRE(test::run_cli("chat --model tiny-mmmamba-hybrid --device cpu --max-new-tokens 4 < " + script, out) == 0);
  INFO(out);
  CHECK(out.find("/image FILE") != std::string::npos);                 // /help
  CHECK(out.find("session: ") != std::string::npos);                   // /stats
  CHECK(out.find("last answer: prefill") != std::string::npos);
  CHECK(out.find("shapes.jpg (") != std::string::npos);                // /image
  CHECK(out.find("new conversation about") != std::string::npos);      // /reset
  CHECK(out.find("dog.png") != std::string::npos);                     // the error names the file, the REPL goes on
  CHECK(out.find("unknown command /bogus") != std::string::npos);
  // Three questions answered, each with its stats line; nothing after /quit.
  size_t answers = 0;
  for (size_t at = out.find("[prefill"); at != std::string::npos; at = out.find("[prefill", at + 1)) ++answers;
  CHECK(answers == 3);
}

TEST_CASE("mambascope chat errors name the flag that fixes them", "[cli][chat]") {
  std::string out;
  CHECK(test::run_cli("chat --model ml-mamba --device cpu --prompt hi", out) == 1);
  CHECK(out.find("--tokenizer") != std::string::npos);
  CHECK(test::run_cli("chat --model tiny-ml-mamba --device cpu --image /nonexistent/x.png --prompt hi", out) == 1);
  CHECK(out.find("x.png") != std::string::npos);
  CHECK(test::run_cli("chat --model tiny-ml-mamba --device cpu --max-length 8 --prompt 'How many circles are there?'", out) == 1);
  CHECK(out.find("--max-length") != std::string::npos);
}
