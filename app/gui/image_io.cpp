#include "app/gui/image_io.h"

#include <algorithm>
#include <cstring>

#include "engine/core/error.h"

// The stb implementations live in this one file, private to it (STB_*_STATIC), so they cannot clash with
// libstb (which Debian's libimgui links) or with an engine/image loader that defines its own.
#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#include <stb/stb_image.h>
#include <stb/stb_image_write.h>
#pragma GCC diagnostic pop

namespace mambascope::gui {

RgbaImage load_image_rgba(const std::string& path) {
  int w = 0, h = 0, channels = 0;
  stbi_uc* data = stbi_load(path.c_str(), &w, &h, &channels, 4);
  if (!data)
    throw Error(std::string("cannot read the image: ") + (stbi_failure_reason() ? stbi_failure_reason() : "unknown reason"),
                path, "", "give a PNG, JPEG or BMP file that exists and is readable");
  RgbaImage img;
  img.width = w;
  img.height = h;
  img.pixels.assign(data, data + static_cast<size_t>(w) * h * 4);
  stbi_image_free(data);
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
