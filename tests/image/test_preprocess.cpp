#include <catch2/catch.hpp>

#include <cmath>

#include "engine/image/preprocess.h"
#include "engine/image/resize.h"
#include "tests/image/image_goldens.h"
#include "tests/support.h"

using namespace mambascope;

namespace {

// The lossless samples (JPEG pixels depend on the decoder, see test_image_load.cpp).
std::vector<std::string> lossless_samples() {
  std::vector<std::string> files;
  for (const auto& e : test::sample_images())
    if (!e["file"].get<std::string>().ends_with(".jpg")) files.push_back(e["file"]);
  return files;
}

// Normalized values derived from pixels within one 8-bit level of the reference's differ by at most
// 1/255/std (std >= 0.224), plus float rounding.
constexpr double kNormTol = 1.0 / 255 / 0.224 + 1e-5;

}  // namespace

TEST_CASE("ML-Mamba preprocessing matches prismatic's resize-naive DINOv2 and SigLIP transforms", "[image]") {
  for (const std::string& file : lossless_samples()) {
    INFO(file);
    const std::string key = "mlmamba." + test::golden_key(file);
    const Image im = load_image(test::asset("assets/images/" + file));
    const Image resized = resize_bicubic(im, kMlMambaImageSize, kMlMambaImageSize);
    const auto d = test::diff_u8(test::sub_pixels(resized, 3, 7), test::golden_values<uint8_t>(key + ".resized_sub"));
    CHECK(d.count == 55 * 55 * 3);
    CHECK(d.max <= 1);
    const MlMambaPixels px = preprocess_mlmamba(im);
    CHECK(px.dino.shape() == Shape{3, 384, 384});
    CHECK(px.siglip.shape() == Shape{3, 384, 384});
    CHECK(test::max_abs_diff(test::sub_chw(px.dino, 3, 7), test::golden_values<float>(key + ".dino_sub")) <= kNormTol);
    CHECK(test::max_abs_diff(test::sub_chw(px.siglip, 3, 7), test::golden_values<float>(key + ".siglip_sub")) <= kNormTol);
  }
  // One image in full: the 960x720 scene, downscaled 2.5x (the antialiased path).
  const Image scene = resize_bicubic(load_image(test::asset("assets/images/scene.png")), 384, 384);
  const auto d = test::diff_u8(scene.rgb, test::golden_image("mlmamba.scene.resized").rgb);
  INFO("max " << d.max << ", differing " << d.off << " of " << d.count);
  CHECK(d.max <= 1);
  CHECK(d.off <= d.count / 1000);
}

TEST_CASE("normalization is ToTensor then Normalize in f32", "[image]") {
  Image im = Image::blank(2, 1);
  im.pixel(0, 0)[0] = 255, im.pixel(1, 0)[1] = 128;
  const Tensor t = to_normalized_chw(im, kImageNetNorm);
  CHECK(t.shape() == Shape{3, 1, 2});
  const float* p = t.data_as<float>();
  CHECK(p[0] == (1.0f - 0.485f) / 0.229f);
  CHECK(p[1] == (0.0f - 0.485f) / 0.229f);
  CHECK(p[3] == (128.0f / 255.0f - 0.456f) / 0.224f);
  const Tensor s = to_normalized_chw(im, kSigLipNorm);
  CHECK(s.data_as<float>()[0] == 1.0f);
  CHECK(s.data_as<float>()[1] == -1.0f);
}

TEST_CASE("HoVLE tiling matches its dynamic_preprocess grid and tiles", "[image]") {
  const auto table = test::golden_values<int32_t>("hovle.ratio_table");
  REQUIRE(table.size() % 5 == 0);
  REQUIRE(table.size() >= 5 * 1000);
  for (size_t r = 0; r < table.size(); r += 5) {
    const auto [cols, rows] = hovle_tile_grid(table[r], table[r + 1], table[r + 2]);
    INFO(table[r] << "x" << table[r + 1] << " max " << table[r + 2]);
    REQUIRE(cols == table[r + 3]);
    REQUIRE(rows == table[r + 4]);
  }
  const int max_tiles = std::stoi(test::image_goldens().metadata().at("hovle_max_num"));
  for (const std::string& file : lossless_samples()) {
    INFO(file);
    const std::string key = "hovle." + test::golden_key(file);
    const Image im = load_image(test::asset("assets/images/" + file));
    const HoVLEPixels px = preprocess_hovle(im, max_tiles);
    CHECK(std::vector<int32_t>{px.cols, px.rows} == test::golden_values<int32_t>(key + ".grid"));
    const int64_t n = px.cols * px.rows + (px.thumbnail ? 1 : 0);
    CHECK(px.thumbnail == (px.cols * px.rows > 1));
    REQUIRE(px.pixels.shape() == Shape{n, 3, 448, 448});
    const auto tiles = hovle_tiles(im, max_tiles);
    REQUIRE(static_cast<int64_t>(tiles.size()) == n);
    std::vector<uint8_t> tile_sub;
    std::vector<float> pixel_sub;
    for (int64_t k = 0; k < n; ++k) {
      const auto s = test::sub_pixels(tiles[static_cast<size_t>(k)], 3, 14);
      tile_sub.insert(tile_sub.end(), s.begin(), s.end());
      const auto f = test::sub_chw(px.pixels.select(0, k), 3, 14);
      pixel_sub.insert(pixel_sub.end(), f.begin(), f.end());
    }
    const auto d = test::diff_u8(tile_sub, test::golden_values<uint8_t>(key + ".tiles_sub"));
    CHECK(d.count > 0);
    CHECK(d.max <= 1);
    CHECK(test::max_abs_diff(pixel_sub, test::golden_values<float>(key + ".pixels_sub")) <= kNormTol);
  }
}

TEST_CASE("patchify lays patches out as the ViT patch-embedding convolution reads them", "[image]") {
  // Against torch: a random Conv2d(3, 8, 14, stride 14) on the DINO tensor of circles.png equals
  // patches @ weight.view(8, 588)^T.
  const MlMambaPixels px = preprocess_mlmamba(load_image(test::asset("assets/images/circles.png")));
  const Tensor patches = patchify(px.dino, kVitPatch);
  REQUIRE(patches.shape() == Shape{729, 588});
  const auto w = test::golden_values<float>("patchify.weight");
  const auto conv = test::golden_values<float>("patchify.conv");
  REQUIRE(w.size() == 8 * 588);
  std::vector<float> got(729 * 8);
  const float* p = patches.data_as<float>();
  for (int i = 0; i < 729; ++i)
    for (int o = 0; o < 8; ++o) {
      double s = 0;
      for (int k = 0; k < 588; ++k) s += double(p[i * 588 + k]) * w[o * 588 + k];
      got[i * 8 + o] = static_cast<float>(s);
    }
  // f32 products of ~600 terms of magnitude <= ~10: a different summation order moves results by ~1e-4.
  CHECK(test::max_abs_diff(got, conv) <= 2e-3);

  // The layout itself, on values that encode their position: element (c, y, x) = c*10000 + y*100 + x.
  Tensor t = Tensor::empty({2, 3, 5, 7}, DType::F32);
  float* v = t.data_as<float>();
  for (int b = 0; b < 2; ++b)
    for (int c = 0; c < 3; ++c)
      for (int y = 0; y < 5; ++y)
        for (int x = 0; x < 7; ++x) v[((b * 3 + c) * 5 + y) * 7 + x] = b * 1e6f + c * 1e4f + y * 100 + x;
  const Tensor q = patchify(t, 2);  // 2x3 grid of 2x2 patches; row 4 and column 6 fall outside
  REQUIRE(q.shape() == Shape{2, 6, 12});
  const float* r = q.data_as<float>();
  // batch 1, patch (gy=1, gx=2) = index 5, channel 2, ky=1, kx=0 -> y = 3, x = 4
  CHECK(r[(1 * 6 + 5) * 12 + 2 * 4 + 1 * 2 + 0] == 1e6f + 2e4f + 300 + 4);
  CHECK(r[0] == 0.0f);
  REQUIRE_ERROR_MENTIONS(patchify(t, 8), "no whole");
}
