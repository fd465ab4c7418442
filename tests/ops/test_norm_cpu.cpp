// CPU twins of RMSNorm / LayerNorm and the fused pre-norm residual step against the formulas in double.
#include <catch2/catch.hpp>

#include <cmath>

#include "engine/ops/norm.h"
#include "tests/support.h"

using namespace mambascope;

namespace {
std::vector<double> naive_norm(bool layer, const std::vector<float>& x, int64_t D, const std::vector<float>& w,
                               const std::vector<float>* b, double eps) {
  std::vector<double> y(x.size());
  for (size_t r = 0; r < x.size() / D; ++r) {
    double mean = 0, var = 0;
    if (layer) {
      for (int64_t c = 0; c < D; ++c) mean += x[r * D + c];
      mean /= D;
    }
    for (int64_t c = 0; c < D; ++c) var += (x[r * D + c] - mean) * (x[r * D + c] - mean);
    var /= D;
    for (int64_t c = 0; c < D; ++c) y[r * D + c] = (x[r * D + c] - mean) / std::sqrt(var + eps) * w[c] + (b ? (*b)[c] : 0.0);
  }
  return y;
}
// The double-precision reference rounded to f32 (1e-7 relative: far inside the tolerances below).
std::vector<float> to_f32(const std::vector<double>& v) { return std::vector<float>(v.begin(), v.end()); }
}  // namespace

TEST_CASE("cpu rms norm and layer norm match the formulas", "[ops][norm]") {
  for (int64_t D : {1, 7, 64, 2048}) {
    INFO("D=" << D);
    const auto xv = test::random_floats(size_t(3 * D), 1, -3.f, 3.f), wv = test::random_floats(size_t(D), 2), bv = test::random_floats(size_t(D), 3);
    const Tensor x = Tensor::from_f32(xv, {3, D}), w = Tensor::from_f32(wv, {D}), b = Tensor::from_f32(bv, {D});
    Tensor y = Tensor::zeros({3, D}, DType::F32);
    ops::rms_norm(x, w, y, 1e-5f);
    // f32 sums of up to 2048 terms: relative error ~1e-6 of values of order 1..10.
    CHECK(test::max_abs_diff(y.to_f32_vector(), to_f32(naive_norm(false, xv, D, wv, nullptr, 1e-5))) < 1e-4);
    ops::layer_norm(x, w, b, y, 1e-6f);
    CHECK(test::max_abs_diff(y.to_f32_vector(), to_f32(naive_norm(true, xv, D, wv, &bv, 1e-6))) < 1e-4);
    ops::layer_norm(x, w, Tensor(), y, 1e-6f);
    CHECK(test::max_abs_diff(y.to_f32_vector(), to_f32(naive_norm(true, xv, D, wv, nullptr, 1e-6))) < 1e-4);
  }
}

TEST_CASE("cpu add rms norm updates the residual stream and normalises it", "[ops][norm]") {
  const int64_t D = 40;
  const auto xv = test::random_floats(2 * D, 4), rv = test::random_floats(2 * D, 5, -4.f, 4.f), wv = test::random_floats(D, 6);
  const Tensor x = Tensor::from_f32(xv, {2, D}, DType::BF16), w = Tensor::from_f32(wv, {D});
  const std::vector<float> xb = x.to_f32_vector();
  for (DType rdt : {DType::F32, DType::BF16}) {
    INFO("residual " << dtype_name(rdt));
    Tensor r = Tensor::from_f32(rv, {2, D}, rdt);
    const std::vector<float> r0 = r.to_f32_vector();
    Tensor y = Tensor::zeros({2, D}, DType::F32);
    ops::add_rms_norm(x, r, w, y, 1e-6f);
    std::vector<float> want(r0.size());
    for (size_t i = 0; i < want.size(); ++i) want[i] = rdt == DType::BF16 ? round_bf16(r0[i] + xb[i]) : r0[i] + xb[i];
    CHECK(r.to_f32_vector() == want);  // stored rounded to the residual's dtype
    CHECK(test::max_abs_diff(y.to_f32_vector(), to_f32(naive_norm(false, want, D, wv, nullptr, 1e-6))) < 1e-5);
    // first block: the residual is overwritten with x.
    ops::add_rms_norm(x, r, w, y, 1e-6f, true);
    CHECK(r.to_f32_vector() == xb);
    CHECK(test::max_abs_diff(y.to_f32_vector(), to_f32(naive_norm(false, xb, D, wv, nullptr, 1e-6))) < 1e-5);
  }
}

TEST_CASE("norm ops reject a mismatched weight or a non-positive eps", "[ops][norm]") {
  Tensor x = Tensor::zeros({2, 8}, DType::F32), w = Tensor::zeros({7}, DType::F32), y = Tensor::zeros({2, 8}, DType::F32);
  REQUIRE_ERROR_MENTIONS(ops::rms_norm(x, w, y, 1e-5f), "rms_norm", "weight");
  Tensor w8 = Tensor::zeros({8}, DType::F32);
  REQUIRE_ERROR_MENTIONS(ops::layer_norm(x, w8, Tensor(), y, 0.f), "eps");
}
