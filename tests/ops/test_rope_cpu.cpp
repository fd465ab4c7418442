// CPU twin of RoPE against the rotation written as complex multiplication in double, and its scaling types.
#include <catch2/catch.hpp>

#include <cmath>
#include <complex>

#include "engine/ops/rope.h"
#include "tests/support.h"

using namespace mambascope;

namespace {
// HF rotate_half: pair i is (x[i], x[i + d/2]) = the complex number x[i] + i x[i + d/2], times e^(i t theta_i).
std::vector<double> naive_rope(const std::vector<float>& x, int64_t L, int H, int D, double base, double pos0, double pos_div) {
  std::vector<double> y(x.begin(), x.end());
  for (int64_t l = 0; l < L; ++l)
    for (int h = 0; h < H; ++h)
      for (int i = 0; i < D / 2; ++i) {
        const double theta = std::pow(base, -2.0 * i / D), t = (pos0 + l) / pos_div;
        const size_t o = size_t((l * H + h) * D);
        const std::complex<double> z(x[o + i], x[o + i + D / 2]), r = z * std::polar(1.0, t * theta);
        y[o + i] = r.real();
        y[o + i + D / 2] = r.imag();
      }
  return y;
}
// The double-precision reference rounded to f32 (1e-7 relative: far inside the tolerances below).
std::vector<float> to_f32(const std::vector<double>& v) { return std::vector<float>(v.begin(), v.end()); }
}  // namespace

TEST_CASE("cpu rope rotates pairs half a head apart by position times frequency", "[ops][rope]") {
  const int64_t L = 9;
  const int H = 3, D = 16;
  const auto qv = test::random_floats(size_t(L * H * D), 1);
  Tensor q = Tensor::from_f32(qv, {1, L, H, D});
  Tensor none;
  ops::RopeConfig c;
  c.theta = 10000.f;
  ops::rope(q, none, c, 5);
  // Positions 5..13 with f32 angles: |angle error| <= ~1e-6 rad.
  CHECK(test::max_abs_diff(q.to_f32_vector(), to_f32(naive_rope(qv, L, H, D, 10000.0, 5, 1))) < 1e-5);

  Tensor q2 = Tensor::from_f32(qv, {1, L, H, D});
  c.scaling = ops::RopeScaling::Linear;
  c.factor = 4.f;
  ops::rope(q2, none, c, 5);
  CHECK(test::max_abs_diff(q2.to_f32_vector(), to_f32(naive_rope(qv, L, H, D, 10000.0, 5, 4))) < 1e-5);
}

TEST_CASE("cpu rope on the last token with an offset equals rope of the whole sequence", "[ops][rope]") {
  const int64_t L = 33;
  const int Hq = 4, Hk = 2, D = 64;
  Tensor q = test::random_tensor({1, L, Hq, D}, DType::F32, 2), k = test::random_tensor({1, L, Hk, D}, DType::F32, 3);
  Tensor ql = q.select(1, L - 1).unsqueeze(1).clone(), kl = k.select(1, L - 1).unsqueeze(1).clone();
  ops::RopeConfig c;
  c.theta = 1000000.f;
  ops::rope(q, k, c, 0);
  ops::rope(ql, kl, c, L - 1);
  CHECK(ql.to_f32_vector() == q.select(1, L - 1).contiguous().to_f32_vector());
  CHECK(kl.to_f32_vector() == k.select(1, L - 1).contiguous().to_f32_vector());
}

TEST_CASE("dynamic ntk rope changes the base only beyond max_position_embeddings", "[ops][rope]") {
  ops::RopeConfig c;
  c.theta = 1000000.f;
  c.scaling = ops::RopeScaling::DynamicNtk;
  c.factor = 2.f;
  c.max_positions = 32768;
  CHECK(cpu::rope_base(c, 128, 32768) == 1000000.0);
  // InternLM2 at 103,424 tokens: base * (2 * 103424 / 32768 - 1)^(128 / 126).
  const double want = 1e6 * std::pow(2.0 * 103424 / 32768 - 1.0, 128.0 / 126.0);
  CHECK(cpu::rope_base(c, 128, 103424) == Approx(want).epsilon(1e-12));
  // Applied: a sequence past the threshold rotates with the larger base.
  const int64_t L = 4;
  const auto qv = test::random_floats(size_t(L * 2 * 8), 4);
  Tensor q = Tensor::from_f32(qv, {1, L, 2, 8}), none;
  c.max_positions = 2;
  ops::rope(q, none, c, 0);
  const double base = 1e6 * std::pow(2.0 * 4 / 2 - 1.0, 8.0 / 6.0);
  CHECK(test::max_abs_diff(q.to_f32_vector(), to_f32(naive_rope(qv, L, 2, 8, base, 0, 1))) < 1e-5);
  REQUIRE_ERROR_MENTIONS(ops::parse_rope_scaling("yarn"), "rope_scaling.type", "dynamic");
  CHECK(ops::parse_rope_scaling("dynamic") == ops::RopeScaling::DynamicNtk);
}
