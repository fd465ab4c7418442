#include "app/gui/image_io.h"

#include <algorithm>
#include <cstring>

#include "engine/core/error.h"
#include "engine/image/image.h"

// stb_image_write's implementation lives in this one file, private to it (STB_IMAGE_WRITE_STATIC), so it
// cannot clash with libstb, which Debian's libimgui links.
#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#include <stb/stb_image_write.h>
#pragma GCC diagnostic pop

namespace mambascope::gui {

RgbaImage load_image_rgba(const std::string& path) {
  const Image rgb = load_image(path);
  RgbaImage img;
  img.width = rgb.width;
  img.height = rgb.height;
  img.pixels.resize(static_cast<size_t>(rgb.width) * rgb.height * 4);
  for (size_t i = 0, n = static_cast<size_t>(rgb.width) * rgb.height; i < n; ++i) {
    std::memcpy(&img.pixels[i * 4], &rgb.rgb[i * 3], 3);
    img.pixels[i * 4 + 3] = 255;
  }
  return img;
}

void write_png(const std::string& path, const RgbaImage& img) {
  if (img.width <= 0 || img.height <= 0 || img.pixels.size() != static_cast<size_t>(img.width) * img.height * 4)
    throw Error("no image to write (empty or inconsistent size)", path);
  if (!stbi_write_png(path.c_str(), img.width, img.height, 4, img.pixels.data(), img.width * 4))
    throw Error("cannot write the PNG", path, "", "check that the directory exists and is writable");
}

void flip_rows(RgbaImage& img) {
  const size_t stride = static_cast<size_t>(img.width) * 4;
  std::vector<uint8_t> tmp(stride);
  for (int y = 0; y < img.height / 2; ++y) {
    uint8_t* a = img.pixels.data() + y * stride;
    uint8_t* b = img.pixels.data() + (img.height - 1 - y) * stride;
    std::memcpy(tmp.data(), a, stride);
    std::memcpy(a, b, stride);
    std::memcpy(b, tmp.data(), stride);
  }
}

}  // namespace mambascope::gui
