// CPU twin of attention (prefill and decode) against the textbook formula: the full score matrix with an
// explicit additive mask, softmax in double.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "engine/ops/attention.h"
#include "engine/ops/cpu/attention.h"
#include "tests/support.h"

using namespace mambascope;

namespace {

// o = softmax(scale * Q K^T + M) V per (batch, head), M[i][j] = 0 if visible else -inf, in double.
std::vector<float> naive_attention(const cpu::AttentionDims& d, const std::vector<float>& q, const std::vector<float>& k,
                                   const std::vector<float>& v, double scale, bool causal) {
  std::vector<float> o(q.size(), 0.f);
  const int64_t D = d.head_dim, g = d.heads_q / d.heads_kv;
  for (int b = 0; b < d.batch; ++b)
    for (int h = 0; h < d.heads_q; ++h) {
      std::vector<std::vector<double>> mask(d.len_q, std::vector<double>(d.len_kv, 0.0));
      for (int64_t i = 0; i < d.len_q; ++i)
        for (int64_t j = 0; j < d.len_kv; ++j)
          if (causal && j > i + (d.len_kv - d.len_q)) mask[i][j] = -std::numeric_limits<double>::infinity();
      for (int64_t i = 0; i < d.len_q; ++i) {
        std::vector<double> s(d.len_kv);
        double mx = -std::numeric_limits<double>::infinity();
        for (int64_t j = 0; j < d.len_kv; ++j) {
          double dot = 0;
          for (int64_t c = 0; c < D; ++c)
            dot += double(q[((b * d.len_q + i) * d.heads_q + h) * D + c]) * k[((b * d.len_kv + j) * d.heads_kv + h / g) * D + c];
          s[j] = scale * dot + mask[i][j];
          mx = std::max(mx, s[j]);
        }
        if (mx == -std::numeric_limits<double>::infinity()) continue;  // no visible key: zeros
        double z = 0;
        for (double& x : s) z += (x = std::exp(x - mx));
        for (int64_t c = 0; c < D; ++c) {
          double acc = 0;
          for (int64_t j = 0; j < d.len_kv; ++j) acc += s[j] * v[((b * d.len_kv + j) * d.heads_kv + h / g) * D + c];
          o[((b * d.len_q + i) * d.heads_q + h) * D + c] = static_cast<float>(acc / z);
        }
      }
    }
  return o;
}

}  // namespace

TEST_CASE("cpu attention matches full softmax attention with an explicit mask", "[ops][attention]") {
  struct Case { int b, hq, hkv, d; int64_t lq, lk; bool causal; };
  for (const Case c : {Case{1, 2, 2, 8, 1, 1, true}, Case{2, 4, 2, 16, 63, 63, true}, Case{1, 4, 1, 8, 65, 65, false},
                       Case{1, 2, 1, 72, 130, 130, true}, Case{1, 2, 2, 8, 5, 200, true}, Case{1, 2, 2, 8, 100, 70, true},
                       Case{1, 2, 2, 8, 64, 129, false}}) {
    INFO("b=" << c.b << " hq=" << c.hq << " hkv=" << c.hkv << " d=" << c.d << " lq=" << c.lq << " lk=" << c.lk << " causal=" << c.causal);
    const cpu::AttentionDims d{c.b, c.hq, c.hkv, c.d, c.lq, c.lk};
    const auto q = test::random_floats(size_t(c.b * c.lq * c.hq * c.d), 1, -2.f, 2.f);
    const auto k = test::random_floats(size_t(c.b * c.lk * c.hkv * c.d), 2);
    const auto v = test::random_floats(size_t(c.b * c.lk * c.hkv * c.d), 3);
    std::vector<float> o(q.size(), 7.f);
    const float scale = 1.f / std::sqrt(float(c.d));
    cpu::attention(d, q.data(), k.data(), v.data(), o.data(), scale, c.causal);
    const auto ref = naive_attention(d, q, k, v, scale, c.causal);
    // Both f32-exact up to summation order (tiles of 64 with rescaling vs one pass in double): ~1e-6.
    CHECK(test::max_abs_diff(o, ref) < 2e-5);
    if (c.causal && c.lq > c.lk) {
      // Queries before the first key see nothing and get zeros.
      for (int64_t t = 0; t < c.d; ++t) CHECK(o[t] == 0.f);
    }
  }
}

TEST_CASE("cpu attention with row sampling computes only the sampled rows", "[ops][attention]") {
  const cpu::AttentionDims d{1, 2, 1, 8, 50, 50};
  const auto q = test::random_floats(50 * 2 * 8, 4), k = test::random_floats(50 * 8, 5), v = test::random_floats(50 * 8, 6);
  std::vector<float> full(q.size(), 0.f), sampled(q.size(), -9.f);
  cpu::attention(d, q.data(), k.data(), v.data(), full.data(), 0.3f, true);
  cpu::attention(d, q.data(), k.data(), v.data(), sampled.data(), 0.3f, true, 7);
  for (int64_t i = 0; i < 50; ++i)
    for (int64_t c = 0; c < 16; ++c) {
      const float got = sampled[i * 16 + c];
      if (i % 7 == 0 || i == 49) CHECK(got == full[i * 16 + c]);
      else CHECK(got == -9.f);
    }
}

TEST_CASE("cpu decode attention equals the last row of causal prefill", "[ops][attention]") {
  const int64_t L = 77, cap = 100, Hq = 4, Hkv = 2, D = 16;
  Tensor q = test::random_tensor({1, L, Hq, D}, DType::F32, 7, -2.f, 2.f);
  Tensor kc = test::random_tensor({1, cap, Hkv, D}, DType::F32, 8);
  Tensor vc = test::random_tensor({1, cap, Hkv, D}, DType::F32, 9);
  Tensor o = Tensor::zeros({1, L, Hq, D}, DType::F32);
  ops::attention_prefill(q, kc.slice(1, 0, L), vc.slice(1, 0, L), o, {});
  Tensor od = Tensor::zeros({1, Hq, D}, DType::F32);
  ops::attention_decode(q.select(1, L - 1), kc, vc, od, L);
  CHECK(test::max_abs_diff(od.to_f32_vector(), o.select(1, L - 1).contiguous().to_f32_vector()) < 1e-6);
  // The device-length form reads the length from a tensor.
  Tensor len = Tensor::from_i32({static_cast<int32_t>(L)}, {1});
  Tensor od2 = Tensor::zeros({1, Hq, D}, DType::F32);
  ops::attention_decode(q.select(1, L - 1), kc, vc, od2, 0, {}, len);
  CHECK(od2.to_f32_vector() == od.to_f32_vector());
}

TEST_CASE("attention ops reject inconsistent shapes with named errors", "[ops][attention]") {
  Tensor q = Tensor::zeros({1, 4, 3, 8}, DType::F32), k = Tensor::zeros({1, 4, 2, 8}, DType::F32);
  Tensor o = Tensor::zeros({1, 4, 3, 8}, DType::F32);
  REQUIRE_ERROR_MENTIONS(ops::attention_prefill(q, k, k, o), "attention_prefill", "multiple of kv heads");
  Tensor q2 = Tensor::zeros({1, 4, 2, 8}, DType::F32), o2 = Tensor::zeros({1, 4, 2, 4}, DType::F32);
  REQUIRE_ERROR_MENTIONS(ops::attention_prefill(q2, k, k, o2), "attention_prefill", "o");
  Tensor qd = Tensor::zeros({1, 2, 8}, DType::F32), od = Tensor::zeros({1, 2, 8}, DType::F32);
  REQUIRE_ERROR_MENTIONS(ops::attention_decode(qd, k, k, od, 5), "kv_len", "capacity");
}
