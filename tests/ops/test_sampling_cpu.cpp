// CPU twin of the sampler: greedy, determinism for a seed, top-k / top-p support, the sampled distribution,
// the repetition penalty, and the accuracy of the shared deterministic exp/log.
#include <catch2/catch.hpp>

#include <cmath>
#include <set>

#include "engine/ops/cpu/sampling.h"
#include "kernels/sampling_math.h"
#include "tests/support.h"

using namespace mambascope;

TEST_CASE("greedy sampling is the argmax with the lowest index on ties", "[ops][sampling]") {
  const std::vector<float> l = {0.1f, 3.f, -1.f, 3.f, 2.9f};
  cpu::SamplingConfig c;
  CHECK(cpu::sample_row(l.data(), 5, nullptr, 0, c, 0, 0) == 1);
  c.temperature = 0.8f;
  c.top_k = 1;  // top-k 1 with any temperature is greedy too (ties kept, lowest index... either 1 or 3)
  const int32_t t = cpu::sample_row(l.data(), 5, nullptr, 0, c, 7, 0);
  CHECK((t == 1 || t == 3));
}

TEST_CASE("sampling is deterministic for a seed and step and varies across steps", "[ops][sampling]") {
  const auto l = test::random_floats(1000, 3, -4.f, 4.f);
  cpu::SamplingConfig c;
  c.temperature = 1.f;
  c.seed = 42;
  std::set<int32_t> seen;
  for (uint64_t step = 0; step < 50; ++step) {
    const int32_t a = cpu::sample_row(l.data(), 1000, nullptr, 0, c, step, 0);
    CHECK(a == cpu::sample_row(l.data(), 1000, nullptr, 0, c, step, 0));
    seen.insert(a);
  }
  CHECK(seen.size() > 10);
  c.seed = 43;
  int differ = 0;
  for (uint64_t step = 0; step < 50; ++step) {
    cpu::SamplingConfig c42 = c;
    c42.seed = 42;
    differ += cpu::sample_row(l.data(), 1000, nullptr, 0, c, step, 0) != cpu::sample_row(l.data(), 1000, nullptr, 0, c42, step, 0);
  }
  CHECK(differ > 25);
}

TEST_CASE("sampled frequencies follow softmax of logits over temperature", "[ops][sampling]") {
  const std::vector<double> p = {0.5, 0.3, 0.15, 0.05};
  const double T = 0.7;
  std::vector<float> l;
  for (double x : p) l.push_back(static_cast<float>(std::log(x) * T));  // softmax(l / T) = p
  cpu::SamplingConfig c;
  c.temperature = static_cast<float>(T);
  c.seed = 5;
  std::vector<int> n(4, 0);
  const int draws = 20000;
  for (int s = 0; s < draws; ++s) ++n[cpu::sample_row(l.data(), 4, nullptr, 0, c, static_cast<uint64_t>(s), 0)];
  // Binomial standard deviation <= sqrt(0.25 / 20000) = 0.0035; 0.015 is over 4 sigma.
  for (int i = 0; i < 4; ++i) CHECK(std::fabs(n[i] / double(draws) - p[i]) < 0.015);
}

TEST_CASE("top-k and top-p restrict the support to the expected tokens", "[ops][sampling]") {
  const std::vector<double> p = {0.05, 0.5, 0.15, 0.3};
  std::vector<float> l;
  for (double x : p) l.push_back(static_cast<float>(std::log(x)));
  cpu::SamplingConfig c;
  c.temperature = 1.f;
  c.seed = 9;
  c.top_k = 2;
  std::set<int32_t> k_seen, p_seen;
  for (uint64_t s = 0; s < 3000; ++s) k_seen.insert(cpu::sample_row(l.data(), 4, nullptr, 0, c, s, 0));
  CHECK(k_seen == std::set<int32_t>{1, 3});
  c.top_k = 0;
  c.top_p = 0.85f;  // mass above token 2 is 0.8 < 0.85 (kept); above token 0 it is 0.95 (dropped)
  for (uint64_t s = 0; s < 3000; ++s) p_seen.insert(cpu::sample_row(l.data(), 4, nullptr, 0, c, s, 0));
  CHECK(p_seen == std::set<int32_t>{1, 2, 3});
  c.top_p = 0.01f;  // only the top token
  for (uint64_t s = 0; s < 100; ++s) CHECK(cpu::sample_row(l.data(), 4, nullptr, 0, c, s, 0) == 1);
}

TEST_CASE("the repetition penalty lowers tokens already generated", "[ops][sampling]") {
  cpu::SamplingConfig c;
  c.repetition_penalty = 1.3f;
  const std::vector<float> pos = {2.f, 1.9f};
  const std::vector<int32_t> prev = {0, -1, 0};  // duplicates and empty slots are fine
  CHECK(cpu::sample_row(pos.data(), 2, nullptr, 0, c, 0, 0) == 0);
  CHECK(cpu::sample_row(pos.data(), 2, prev.data(), 3, c, 0, 0) == 1);  // 2 / 1.3 < 1.9
  const std::vector<float> neg = {-1.f, -1.2f};
  c.repetition_penalty = 1.5f;
  CHECK(cpu::sample_row(neg.data(), 2, prev.data(), 3, c, 0, 0) == 1);  // -1 * 1.5 < -1.2
}

TEST_CASE("the deterministic exp and log are accurate to a few ulp", "[ops][sampling]") {
  namespace sm = sampling_math;
  // x log2(e) is rounded to f32 first, so the relative error grows with |x| (~6e-8 |x|): irrelevant next to the
  // 2^-32 fixed point the weights are summed in.
  for (float x = -80.f; x <= 0.f; x += 0.0137f)
    CHECK(sm::det_exp(x) == Approx(std::exp(double(x))).epsilon(5e-7 * (1 - x)));
  CHECK(sm::det_exp(-100.f) == 0.f);
  for (float x = 1e-7f; x < 100.f; x *= 1.37f) CHECK(sm::det_log(x) == Approx(std::log(double(x))).epsilon(2e-6).margin(1e-7));
  for (uint64_t i = 0; i < 1000; ++i) {
    const float u = sm::uniform01(1, 2, 3, i);
    CHECK(u > 0.f);
    CHECK(u < 1.f);
  }
}
