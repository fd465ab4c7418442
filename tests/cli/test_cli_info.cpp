#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/support.h"

using namespace mambascope;

TEST_CASE("mambascope info prints the version and the CUDA state", "[cli]") {
  std::string out;
  REQUIRE(test::run_cli("info", out) == 0);
  CHECK(out.find("mambascope 0.1.0") != std::string::npos);
  CHECK(out.find("CUDA:") != std::string::npos);
  if (!test::have_cuda_device()) CHECK(out.find("CPU backend") != std::string::npos);
}

TEST_CASE("mambascope info --json is machine readable", "[cli]") {
  std::string out;
  REQUIRE(test::run_cli("info --json", out) == 0);
  const auto j = nlohmann::json::parse(out);
  CHECK(j["version"] == "0.1.0");
  CHECK(j["devices"].is_array());
  CHECK(j["cuda"]["status"].is_string());
}

TEST_CASE("mambascope info --ceilings without a GPU says so and fails cleanly", "[cli]") {
  if (test::have_cuda_device()) return;  // the [gpu] test below covers the device case
  std::string out;
  CHECK(test::run_cli("info --ceilings", out) == 1);
  CHECK(out.find("error:") != std::string::npos);
  CHECK(out.find("CUDA") != std::string::npos);
  CHECK(out.find("fix:") != std::string::npos);
}

TEST_CASE("unknown subcommands and options are usage errors", "[cli]") {
  std::string out;
  CHECK(test::run_cli("frobnicate", out) != 0);
  CHECK(test::run_cli("info --no-such-flag", out) != 0);
  CHECK(out.find("no-such-flag") != std::string::npos);
}

TEST_CASE("mambascope compare prints a profile and lines up two profiles by model and length", "[cli]") {
  std::string out;
  REQUIRE(test::run_cli("compare profiles/h100/2026-11-23-bench.json", out) == 0);
  CHECK(out.find("| mmmamba-linear | mambascope | mambascope | 103424 |") != std::string::npos);
  REQUIRE(test::run_cli("compare profiles/paper/mmmamba-fig1.json profiles/h100/2026-11-23-bench.json", out) == 0);
  CHECK(out.find("| transformer | 103424 |") != std::string::npos);
  CHECK(out.find("rows compared") != std::string::npos);
  // the paper's transformer ran on an RTX 4090: the cross-model ratios say they mix two GPUs
  CHECK(out.find("(two GPUs: A ran on NVIDIA GeForce RTX 4090, B on NVIDIA H100 80GB HBM3;") != std::string::npos);
  // Mamba rows against another engine's transformer: the HF peer, recorded under the paper's protocol.
  REQUIRE(test::run_cli("compare profiles/h100/2026-11-23-hf-transformers.json profiles/h100/2026-11-23-protocol-paper.json", out) == 0);
  CHECK(out.find("| mmmamba-linear | mambascope, paper | 103424 | 3.551 | hf-transformers, paper | 81.330 | 22.90x |") != std::string::npos);
  CHECK(out.find("two GPUs") == std::string::npos);  // both on the same H100
  // A `mambascope profile` file prints its kernel summaries.
  REQUIRE(test::run_cli("compare profiles/h100/traces/transformer-101k.profile.json", out) == 0);
  CHECK(out.find("| attention.attention_decode |") != std::string::npos);
  CHECK(test::run_cli("compare no-such-file.json", out) == 1);
  CHECK(out.find("no-such-file.json") != std::string::npos);
}
