#include <catch2/catch.hpp>

#include <cmath>

#include "engine/image/image.h"
#include "engine/image/preprocess.h"
#include "engine/model/connector_trace.h"
#include "engine/model/model.h"
#include "engine/model/weights.h"
#include "engine/scan/contribution.h"
#include "tests/support.h"

using namespace mambascope;

namespace {

// The tiny ML-Mamba (4x4 patch grid, 2 connector layers, 2 heads of 64, chunk 8) with random weights and the
// given scan set, and the sample scene preprocessed for it.
struct TinyConnector {
  std::unique_ptr<Model> model;
  Tensor pixels;
  explicit TinyConnector(const std::string& scan) {
    ModelConfig c = preset_config("tiny-ml-mamba");
    c.mlm.scan = scan;
    WeightStore w = WeightStore::random(c, 7, Device::Cpu, DType::F32);
    // The init's in_proj bound (1/sqrt(d_model)) leaves x, B and C so small that the SSM part of y is ~1e-8 of
    // D x; scaled up, x, B and C are of order one and the attention part is the bulk of y.
    for (int64_t l = 0; l < c.mlm.connector_layers; ++l) {
      const std::string name = "bidirectional_mamba.layers." + std::to_string(l) + ".mixer.in_proj.weight";
      std::vector<float> v = w.get(name).to_f32_vector();
      for (float& x : v) x *= 100.f;
      w.put(name, Tensor::from_f32(v, w.get(name).shape()));
    }
    model = make_model(c, std::move(w));
    pixels = stack_mlmamba_pixels(preprocess_mlmamba(load_image("assets/images/scene.png"), static_cast<int>(c.mlm.dino.image_size)));
  }
};

// The scan's output without its skip term: y_t - D x_t (what the materialised attention must reproduce; the
// skip term is compared on its own nowhere: with random weights D x_t is the larger part of y_t).
std::vector<float> without_skip(const Mamba2SsdInputs& in, const std::vector<float>& y) {
  const int64_t HP = in.H * in.P;
  std::vector<float> out(y.size());
  for (int64_t t = 0; t < in.L; ++t)
    for (int64_t c = 0; c < HP; ++c)
      out[static_cast<size_t>(t * HP + c)] = y[static_cast<size_t>(t * HP + c)] - in.D[static_cast<size_t>(c / in.P)] * in.x[static_cast<size_t>(t * HP + c)];
  return out;
}

// sum_s alpha[t,s] x_s for every token and channel of one direction, from the materialised rows.
std::vector<float> apply_attention(const Mamba2SsdInputs& in) {
  const int64_t HP = in.H * in.P;
  std::vector<float> y(static_cast<size_t>(in.L * HP), 0.f);
  for (int64_t h = 0; h < in.H; ++h)
    for (int64_t t = 0; t < in.L; ++t) {
      const std::vector<float> a = ssd_attention_row(in, t, h);
      for (int64_t p = 0; p < in.P; ++p) {
        const int64_t ch = h * in.P + p;
        double acc = 0;
        for (int64_t s = 0; s <= t; ++s) acc += static_cast<double>(a[static_cast<size_t>(s)]) * in.x[static_cast<size_t>(s * HP + ch)];
        y[static_cast<size_t>(t * HP + ch)] = static_cast<float>(acc);
      }
    }
  return y;
}

}  // namespace

TEST_CASE("implicit SSM attention reproduces the connector mixer's scan output in every direction", "[scan][contribution]") {
  for (const char* scan : {"bidirectional", "cross"}) {
    TinyConnector tc(scan);
    for (int64_t layer : {0, 1}) {
      const ConnectorTrace tr = trace_connector(*tc.model, tc.pixels, layer);
      REQUIRE(tr.rows == 4);
      REQUIRE(tr.directions.size() == (std::string(scan) == "cross" ? 4u : 2u));
      for (const ConnectorDirection& d : tr.directions) {
        INFO(scan << " layer " << layer << " direction " << d.order);
        REQUIRE(d.ssd.L == 16);
        REQUIRE(d.y.size() == d.ssd.x.size());
        // y = (the attention part) + D x: the attention part is compared on its own, relative to its own size.
        const std::vector<float> ssm = without_skip(d.ssd, d.y);
        double norm = 0;
        for (float v : ssm) norm += static_cast<double>(v) * v;
        INFO("rms of the attention part " << std::sqrt(norm / static_cast<double>(ssm.size())));
        REQUIRE(std::sqrt(norm / static_cast<double>(ssm.size())) > 1e-2);  // not trivially small
        // f32 everywhere; the mixer's chunked scan (chunk 8, 2 chunks over 16 tokens) sums in another order than
        // the materialised rows, and y - D x cancels part of y's leading digits: 1e-4 of the part's size.
        CHECK(test::rel_l2(apply_attention(d.ssd), ssm) < 1e-4);
      }
    }
  }
}

TEST_CASE("implicit SSM attention detects a one percent change in B", "[scan][contribution]") {
  // The identity above is sensitive to the weights: a small change breaks it.
  TinyConnector tc("bidirectional");
  const ConnectorTrace tr = trace_connector(*tc.model, tc.pixels, 0);
  Mamba2SsdInputs wrong = tr.directions[0].ssd;
  for (float& v : wrong.B) v *= 1.01f;
  CHECK(test::rel_l2(apply_attention(wrong), without_skip(tr.directions[0].ssd, tr.directions[0].y)) > 5e-3);
}

TEST_CASE("contribution maps follow each scan order back to the patch grid", "[scan][contribution]") {
  TinyConnector tc("cross");
  const ConnectorTrace tr = trace_connector(*tc.model, tc.pixels, 0);
  const int64_t patch = 5;  // row 1, column 1 of the 4x4 grid
  const Contribution c = patch_contribution(tr, patch);
  REQUIRE(c.directions.size() == 4);
  REQUIRE(c.combined.size() == 16);
  for (const DirectionContribution& d : c.directions) {
    INFO("direction " << d.order);
    const ConnectorDirection& td = tr.directions[static_cast<size_t>(&d - c.directions.data())];
    REQUIRE(td.perm[static_cast<size_t>(d.step)] == patch);
    for (int64_t s = 0; s < 16; ++s) {
      const float v = d.map[static_cast<size_t>(td.perm[static_cast<size_t>(s)])];
      if (s > d.step) CHECK(v == 0.f);  // causal in the scan order: later steps never contribute
      else CHECK(v >= 0.f);             // mean of |alpha|
    }
    // The patch itself: mean over heads of |C_t . B_t dt_t|.
    double self = 0;
    for (int64_t h = 0; h < td.ssd.H; ++h) self += std::fabs(ssd_attention_row(td.ssd, d.step, h)[static_cast<size_t>(d.step)]) / td.ssd.H;
    CHECK(d.map[patch] == Approx(self).epsilon(1e-6));
  }
  // The row order reaches patch 5 after row 0 and patch 4 only; the column order after column 0 and patch 1.
  const DirectionContribution& row = c.directions[0];
  CHECK(row.order == "row");
  CHECK(row.step == 5);
  for (int64_t q = 6; q < 16; ++q) CHECK(row.map[static_cast<size_t>(q)] == 0.f);
  for (int64_t q = 0; q < 16; ++q) {
    double mean = 0;
    for (const DirectionContribution& d : c.directions) mean += d.map[static_cast<size_t>(q)] / 4.0;
    CHECK(c.combined[static_cast<size_t>(q)] == Approx(mean).epsilon(1e-6));
  }
  REQUIRE_ERROR_MENTIONS(patch_contribution(tr, 16), "patch 16", "4x4");
  REQUIRE_ERROR_MENTIONS(patch_contribution(tr, 0, 2), "head 2");
}

TEST_CASE("contribution refuses a model without a scan connector", "[scan][contribution]") {
  const ModelConfig c = preset_config("tiny-transformer");
  const auto m = make_model(c, WeightStore::random(c, 1, Device::Cpu, DType::F32));
  REQUIRE_ERROR_MENTIONS(trace_connector(*m, Tensor(), 0), "not an ML-Mamba");
  TinyConnector tc("bidirectional");
  REQUIRE_ERROR_MENTIONS(trace_connector(*tc.model, tc.pixels, 2), "connector layer 2", "0..1");
}
