#include <catch2/catch.hpp>

#include <algorithm>

#include "engine/image/resize.h"
#include "tests/image/image_goldens.h"
#include "tests/support.h"

using namespace mambascope;

// Pillow computes the bicubic weights in double, rounds them to 22-bit fixed point and rounds the horizontal
// pass to 8 bits; resize_bicubic does the same operations in the same order, so the results are expected to be
// identical. The tolerance admits one 8-bit level (1/255 before normalization) on a few values: a weight that
// lands within an ulp of a rounding boundary can round the other way under a different compiler or Pillow
// version, and one level is the most such a flip can change. A real error (wrong support, no antialiasing,
// wrong pass order) moves many values by several levels.
TEST_CASE("bicubic resize matches Pillow on down up and one-axis resizes", "[image]") {
  int cases = 0;
  for (int k = 0;; ++k) {
    const std::string key = "resize." + std::to_string(k);
    if (!test::image_goldens().find(key + ".src")) break;
    const Image src = test::golden_image(key + ".src");
    const Image want = test::golden_image(key + ".out");
    INFO(key << ": " << src.width << "x" << src.height << " -> " << want.width << "x" << want.height);
    const Image got = resize_bicubic(src, want.width, want.height);
    REQUIRE(got.width == want.width);
    REQUIRE(got.height == want.height);
    const auto d = test::diff_u8(got.rgb, want.rgb);
    INFO("max " << d.max << ", differing " << d.off << " of " << d.count);
    CHECK(d.max <= 1);
    CHECK(d.off <= d.count / 1000);
    ++cases;
  }
  CHECK(cases >= 8);
}

TEST_CASE("resizing to the same size copies and crop checks its box", "[image]") {
  const Image src = test::golden_image("resize.0.src");
  const Image same = resize_bicubic(src, src.width, src.height);
  CHECK(same.rgb == src.rgb);
  const Image c = crop(src, 10, 5, 4, 3);
  CHECK(c.width == 4);
  CHECK(c.height == 3);
  CHECK(std::equal(c.pixel(0, 0), c.pixel(0, 0) + 3, src.pixel(10, 5)));
  CHECK(std::equal(c.pixel(3, 2), c.pixel(3, 2) + 3, src.pixel(13, 7)));
  REQUIRE_ERROR_MENTIONS(crop(src, 60, 0, 10, 10), "outside");
  REQUIRE_ERROR_MENTIONS(resize_bicubic(src, 0, 5), "positive size");
}
