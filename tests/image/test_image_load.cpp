#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <utility>

#include "engine/image/image.h"
#include "tests/image/image_goldens.h"
#include "tests/support.h"

using namespace mambascope;

namespace {

void put_be32(std::string& s, uint32_t v) {
  for (int k = 3; k >= 0; --k) s += static_cast<char>((v >> (8 * k)) & 0xFF);
}
void put_le(std::string& s, uint32_t v, int bytes) {
  for (int k = 0; k < bytes; ++k) s += static_cast<char>((v >> (8 * k)) & 0xFF);
}

// A PNG signature and IHDR chunk (8-bit RGB) and nothing else: enough for the header to be read.
std::string png_header(uint32_t w, uint32_t h) {
  std::string s("\x89PNG\r\n\x1a\n", 8);
  put_be32(s, 13);
  s += "IHDR";
  put_be32(s, w);
  put_be32(s, h);
  s += std::string("\x08\x02\x00\x00\x00", 5);
  put_be32(s, 0);  // CRC (stb_image does not check it)
  return s;
}

std::string gif_header(uint16_t w, uint16_t h) {
  std::string s = "GIF89a";
  put_le(s, w, 2);
  put_le(s, h, 2);
  s += std::string("\x00\x00\x00", 3);
  return s;
}

std::string bmp_header(int32_t w, int32_t h) {
  std::string s = "BM";
  put_le(s, 54, 4);  // file size (not checked)
  put_le(s, 0, 4);
  put_le(s, 54, 4);  // pixel data offset
  put_le(s, 40, 4);  // BITMAPINFOHEADER
  put_le(s, static_cast<uint32_t>(w), 4);
  put_le(s, static_cast<uint32_t>(h), 4);
  put_le(s, 1, 2);
  put_le(s, 24, 2);
  for (int k = 0; k < 6; ++k) put_le(s, 0, 4);
  return s;
}

Image decode(const std::string& bytes, const std::string& name) {
  return decode_image(test::byte_span(bytes), name);
}

}  // namespace

TEST_CASE("every sample image loads as RGB of its manifest size in each format and mode", "[image]") {
  const auto images = test::sample_images();
  REQUIRE(images.size() >= 8);
  std::set<std::string> exts, modes;
  for (const auto& e : images) {
    const std::string file = e["file"];
    INFO(file);
    const Image im = load_image(test::asset("assets/images/" + file));
    CHECK(im.width == e["size"][0].get<int>());
    CHECK(im.height == e["size"][1].get<int>());
    CHECK(im.rgb.size() == static_cast<size_t>(im.width) * im.height * 3);
    exts.insert(file.substr(file.rfind('.')));
    modes.insert(e["mode"].get<std::string>());
  }
  CHECK(exts == std::set<std::string>{".png", ".jpg", ".bmp", ".gif"});
  CHECK(modes == std::set<std::string>{"RGB", "L", "LA", "RGBA", "P"});
}

TEST_CASE("lossless sample images decode to exactly PIL's convert RGB pixels", "[image]") {
  for (const auto& e : test::sample_images()) {
    const std::string file = e["file"];
    if (file.ends_with(".jpg")) continue;
    INFO(file);
    const Image im = load_image(test::asset("assets/images/" + file));
    const std::string key = test::golden_key(file);
    CHECK(test::pixel_checks(im) == test::golden_values<int64_t>("decode." + key + ".checks"));
    const auto d = test::diff_u8(test::sub_pixels(im, 0, 4), test::golden_values<uint8_t>("decode." + key + ".sub"));
    CHECK(d.count > 0);
    CHECK(d.max == 0);
  }
}

TEST_CASE("JPEG decoding stays within a few levels of libjpeg's", "[image]") {
  // stb_image and libjpeg-turbo (PIL) differ in IDCT rounding and chroma upsampling, so a JPEG's pixels may
  // differ by a few levels near edges; flat regions agree. The bound is what was measured with margin.
  const Image im = load_image(test::asset("assets/images/shapes.jpg"));
  const auto d = test::diff_u8(test::sub_pixels(im, 0, 4), test::golden_values<uint8_t>("decode.shapes.sub"));
  REQUIRE(d.count > 0);
  INFO("max " << d.max << ", mean " << d.mean << ", differing " << d.off << " of " << d.count);
  CHECK(d.max <= 8);     // measured: 3 against Pillow 12.3 (libjpeg-turbo) and Pillow 9.4 (Debian's libjpeg)
  CHECK(d.mean <= 0.05);  // measured: 0.002
}

TEST_CASE("gray and alpha images become RGB as PIL converts them", "[image]") {
  const Image gray = load_image(test::asset("assets/images/gray-circles.png"));
  for (size_t i = 0; i < gray.rgb.size(); i += 3) {
    REQUIRE(gray.rgb[i] == gray.rgb[i + 1]);
    REQUIRE(gray.rgb[i] == gray.rgb[i + 2]);
  }
  // RGBA: alpha is dropped, not composited (the transparent background stays black).
  const Image rgba = load_image(test::asset("assets/images/rgba-triangles.png"));
  const uint8_t* corner = rgba.pixel(0, 0);
  CHECK((corner[0] == 0 && corner[1] == 0 && corner[2] == 0));
}

TEST_CASE("unreadable and corrupt images are refused with the file named", "[image]") {
  REQUIRE_ERROR_MENTIONS(load_image("/no/such/image.png"), "/no/such/image.png");
  REQUIRE_ERROR_MENTIONS(decode("", "empty.png"), "empty.png", "empty file");
  REQUIRE_ERROR_MENTIONS(decode("this is not an image at all", "text.png"), "text.png", "not a PNG, JPEG, BMP or GIF");
  const std::string png = test::read_bytes(test::asset("assets/images/circles.png"));
  REQUIRE(png.size() > 200);
  REQUIRE_ERROR_MENTIONS(decode(png.substr(0, png.size() / 2), "half.png"), "half.png");
  std::string flipped = png;
  for (size_t i = 60; i < flipped.size() - 20; i += 7) flipped[i] = static_cast<char>(flipped[i] ^ 0x5A);
  REQUIRE_ERROR_MENTIONS(decode(flipped, "scrambled.png"), "scrambled.png");
}

TEST_CASE("images with no pixels are refused", "[image]") {
  REQUIRE_ERROR_MENTIONS(decode(png_header(0, 0), "zero.png"), "zero.png", "empty", "0×0");
  REQUIRE_ERROR_MENTIONS(decode(png_header(0, 10), "zero-wide.png"), "zero-wide.png", "empty");
  REQUIRE_ERROR_MENTIONS(decode(gif_header(0, 0), "zero.gif"), "zero.gif");
}

TEST_CASE("a 60000x60000 header is refused before any big allocation", "[image]") {
  for (const auto& [bytes, name] : {std::pair{gif_header(60000, 60000), std::string("huge.gif")},
                                    std::pair{bmp_header(60000, 60000), std::string("huge.bmp")}}) {
    INFO(name);
    REQUIRE_ERROR_MENTIONS(decode(bytes, name), name, "60000×60000", "kMaxImagePixels");
    CHECK(last_image_decode_largest_allocation() < (size_t{1} << 20));
  }
  // stb_image itself refuses a PNG header that size; one just over the limit reaches ours.
  REQUIRE_ERROR_MENTIONS(decode(png_header(60000, 60000), "huge.png"), "huge.png");
  CHECK(last_image_decode_largest_allocation() < (size_t{1} << 20));
  REQUIRE_ERROR_MENTIONS(decode(png_header(9500, 9500), "big.png"), "big.png", "90250000 pixels", "89478485");
  CHECK(last_image_decode_largest_allocation() < (size_t{1} << 20));
}

TEST_CASE("the pixel limit is an option", "[image]") {
  ImageLoadOptions small;
  small.max_pixels = 1000;
  REQUIRE_ERROR_MENTIONS(load_image(test::asset("assets/images/circles.png"), small), "circles.png", "336×252", "1000");
  const Image ok = load_image(test::asset("assets/images/circles.png"));
  CHECK(ok.width == 336);
  CHECK(last_image_decode_largest_allocation() >= size_t{336} * 252 * 3);  // the hook sees real decodes
}
