// CPU twins of the MLP activations and the embedding lookup against their formulas.
#include <catch2/catch.hpp>

#include <cmath>

#include "engine/ops/activation.h"
#include "engine/ops/embedding.h"
#include "engine/ops/linear.h"
#include "tests/support.h"

using namespace mambascope;

TEST_CASE("cpu activations match silu and both gelu forms", "[ops][activation]") {
  const std::vector<float> xs = {-6.f, -1.5f, -0.1f, 0.f, 0.3f, 2.f, 8.f};
  const Tensor x = Tensor::from_f32(xs, {7});
  Tensor y = Tensor::zeros({7}, DType::F32);
  ops::activation(x, y, ops::Activation::Silu);
  for (size_t i = 0; i < xs.size(); ++i) CHECK(y.to_f32_vector()[i] == Approx(xs[i] / (1 + std::exp(-double(xs[i])))).margin(1e-6));
  ops::activation(x, y, ops::Activation::GeluErf);
  for (size_t i = 0; i < xs.size(); ++i)
    CHECK(y.to_f32_vector()[i] == Approx(0.5 * xs[i] * (1 + std::erf(xs[i] / std::sqrt(2.0)))).margin(1e-6));
  ops::activation(x, y, ops::Activation::GeluTanh);
  // The tanh form differs from the exact one by up to ~5e-4 around |x| ~ 2; it must match its own formula.
  for (size_t i = 0; i < xs.size(); ++i) {
    const double v = xs[i];
    CHECK(y.to_f32_vector()[i] == Approx(0.5 * v * (1 + std::tanh(std::sqrt(2 / M_PI) * (v + 0.044715 * v * v * v)))).margin(1e-6));
  }
  // Bias is added before the activation.
  const Tensor b = Tensor::from_f32({1.f, 1.f, 1.f, 1.f, 1.f, 1.f, 1.f}, {7});
  ops::activation(x, y, ops::Activation::GeluErf, b);
  CHECK(y.to_f32_vector()[3] == Approx(0.5 * (1 + std::erf(1 / std::sqrt(2.0)))).margin(1e-6));
}

TEST_CASE("cpu gated activation is act of gate times up on column slices", "[ops][activation]") {
  const Tensor gu = test::random_tensor({3, 10}, DType::F32, 1, -3.f, 3.f);  // [gate | up] fused
  const Tensor g = gu.slice(1, 0, 5), u = gu.slice(1, 5, 10);
  Tensor y = Tensor::zeros({3, 5}, DType::F32);
  ops::gated_activation(g, u, y, ops::Activation::Silu);
  const auto gv = g.contiguous().to_f32_vector(), uv = u.contiguous().to_f32_vector(), yv = y.to_f32_vector();
  for (size_t i = 0; i < yv.size(); ++i) CHECK(yv[i] == Approx(gv[i] / (1 + std::exp(-double(gv[i]))) * uv[i]).margin(1e-6));
  Tensor bad = Tensor::zeros({3, 4}, DType::F32);
  REQUIRE_ERROR_MENTIONS(ops::gated_activation(g, u, bad), "gated_activation", "y");
}

TEST_CASE("cpu embedding copies rows and zeroes ids outside the vocabulary", "[ops][embedding]") {
  const Tensor table = test::random_tensor({5, 3}, DType::F32, 2);
  const Tensor ids = Tensor::from_i32({4, 0, -1, 5, 2}, {5});
  Tensor y = Tensor::zeros({5, 3}, DType::F32);
  y.fill_f32(9.f);
  ops::embedding(ids, table, y);
  const auto t = table.to_f32_vector(), v = y.to_f32_vector();
  for (int c = 0; c < 3; ++c) {
    CHECK(v[0 * 3 + c] == t[4 * 3 + c]);
    CHECK(v[1 * 3 + c] == t[0 * 3 + c]);
    CHECK(v[2 * 3 + c] == 0.f);
    CHECK(v[3 * 3 + c] == 0.f);
    CHECK(v[4 * 3 + c] == t[2 * 3 + c]);
  }
}

TEST_CASE("linear with an exact gelu or silu equals linear then the activation", "[ops][activation][linear]") {
  const Tensor x = test::random_tensor({4, 16}, DType::F32, 11), w = test::random_tensor({8, 16}, DType::F32, 12);
  const Tensor b = test::random_tensor({8}, DType::F32, 13);
  for (auto [la, a] : {std::pair{ops::LinearAct::GeluErf, ops::Activation::GeluErf}, std::pair{ops::LinearAct::Silu, ops::Activation::Silu},
                       std::pair{ops::LinearAct::GeluTanh, ops::Activation::GeluTanh}}) {
    Tensor y = Tensor::zeros({4, 8}, DType::F32), z = Tensor::zeros({4, 8}, DType::F32);
    ops::linear(x, w, b, y, 0.f, la);
    ops::linear(x, w, b, z);
    ops::activation(z, z, a);
    CHECK(y.to_f32_vector() == z.to_f32_vector());
  }
}
