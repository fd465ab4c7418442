#include <catch2/catch.hpp>

#include "engine/bench/bench.h"
#include "engine/model/model.h"
#include "engine/model/weight_specs.h"
#include "tests/support.h"

using namespace mambascope;

TEST_CASE("decode bytes per token count weights state and the KV cache so far", "[bench]") {
  // HoVLE: 32 attention layers x (K and V) x 8 kv heads x 128 x bf16 = 131072 bytes per token of context.
  const StepCost t = step_cost("transformer", 1000, 5'000'000'000, 0);
  CHECK(t.decode_bytes == Approx(5e9 + 131072.0 * 1000));
  // mmMamba-linear: no KV, state read and written.
  const StepCost l = step_cost("mmmamba-linear", 1000, 5'000'000'000, 1'000'000);
  CHECK(l.decode_bytes == Approx(5e9 + 2e6));
  CHECK(l.prefill_flops < t.prefill_flops * 1.1);  // no attention-score FLOPs, more projection FLOPs
}

TEST_CASE("decode weight bytes leave out the vision side and all but one row of an untied embedding table", "[bench]") {
  // Counted here the other way round from decode_weight_bytes: from the checkpoint's tensor list, everything
  // that is not the language model's decoder stack (f32 on the CPU: 4 bytes a value).
  for (const char* name : {"tiny-transformer", "tiny-mmmamba-hybrid", "tiny-ml-mamba"}) {
    INFO(name);
    const auto m = load_model(name, Device::Cpu, DType::F32, 1);
    const bool mlmamba = m->config().family == ModelFamily::MLMamba;
    size_t unread = 0, row = 0;
    for (const WeightSpec& w : weight_specs(m->config())) {
      const bool decoder = mlmamba ? w.name.rfind("llm_backbone.", 0) == 0
                                   : w.name.rfind("language_model.", 0) == 0 || w.name.rfind("embedding_model.encoder.", 0) == 0;
      if (w.name == "embedding_model.llm_text_embeddings.weight") row = static_cast<size_t>(w.shape[1]) * 4;
      if (!decoder) unread += static_cast<size_t>(shape_numel(w.shape)) * 4;
    }
    CHECK(row == (mlmamba ? 0u : static_cast<size_t>(m->hidden()) * 4));  // ML-Mamba's table is its LM head
    CHECK(decode_weight_bytes(*m) == m->resident_bytes() - unread + row);
    CHECK(decode_weight_bytes(*m) < m->resident_bytes());
  }
}

TEST_CASE("the bench table compares each model with the transformer at the same length", "[bench]") {
  Profile p;
  p.machine.gpu = "GPU";
  auto row = [](const std::string& m, double dec, uint64_t peak) {
    ProfileRow r;
    r.model = m;
    r.length = 4096;
    r.prefill_ms = 10;
    r.decode_ms_per_token = dec;
    r.peak_bytes = peak;
    return r;
  };
  p.rows = {row("transformer", 8.0, 20'000'000'000), row("mmmamba-linear", 2.0, 5'000'000'000)};
  ProfileRow oom;
  oom.model = "transformer";
  oom.length = 1 << 20;
  oom.oom_predicted = 3ull << 36;
  p.rows.push_back(oom);
  const std::string t = bench_table(p);
  CHECK(t.find("| mmmamba-linear | mambascope | mambascope | 4096 |") != std::string::npos);
  CHECK(t.find("4.00x") != std::string::npos);
  CHECK(t.find("75.0%") != std::string::npos);
  CHECK(t.find("OOM: needs 192.00 GiB") != std::string::npos);
  // Rows of another protocol are set against that protocol's transformer, not against ours.
  ProfileRow pt = row("transformer", 9.0, 20'000'000'000), pl = row("mmmamba-linear", 3.0, 5'000'000'000);
  pt.protocol = pl.protocol = protocol_label(BenchProtocol::Paper);
  p.rows.push_back(pt);
  p.rows.push_back(pl);
  const std::string both = bench_table(p);
  CHECK(both.find("| mmmamba-linear | mambascope | paper | 4096 |") != std::string::npos);
  CHECK(both.find("| 3.00x | 75.0% |") != std::string::npos);  // 9 / 3 (not 8 / 3)
  CHECK(both.find("| 4.00x | 75.0% |") != std::string::npos);
}

TEST_CASE("bench protocols are named ours or paper", "[bench]") {
  CHECK(parse_protocol("ours") == BenchProtocol::Ours);
  CHECK(parse_protocol("paper") == BenchProtocol::Paper);
  CHECK(std::string(protocol_label(BenchProtocol::Ours)) == "mambascope");
  REQUIRE_ERROR_MENTIONS(parse_protocol("fast"), "--protocol", "ours or paper");
}

TEST_CASE("a CPU sweep of tiny models gives a profile with every row measured", "[bench]") {
  BenchOptions b;
  b.models = {"tiny-transformer", "tiny-mmmamba-linear"};
  b.lengths = {16, 48};
  b.decode = 4;
  b.repeats = 1;
  b.device = Device::Cpu;
  int calls = 0;
  const Profile p = run_bench(b, [&](const std::string&, int, int) { ++calls; });
  REQUIRE(p.rows.size() == 4);
  CHECK(calls >= 4);
  for (const ProfileRow& r : p.rows) {
    CHECK(r.prefill_ms.value_or(0) > 0);
    CHECK(r.decode_ms_per_token.value_or(0) > 0);
    CHECK(r.peak_bytes.value_or(0) > 0);
  }
  CHECK(p.models.size() == 2);
  CHECK(bench_table(p).find("| mmmamba-linear | mambascope | mambascope | 48 |") != std::string::npos);
  CHECK(parse_profile(profile_to_json(p), "sweep").rows.size() == 4);
}
