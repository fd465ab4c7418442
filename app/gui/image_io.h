#pragma once
// Images in the GUI: the Scan panel's picture (read by engine/image's loader, the one the models use) and
// screenshots and plot exports written as PNG.
#include <cstdint>
#include <string>
#include <vector>

namespace mambascope::gui {

struct RgbaImage {
  int width = 0, height = 0;
  std::vector<uint8_t> pixels;  // row-major, top row first, 4 bytes per pixel
};

// PNG, JPEG, BMP or GIF through engine/image (load_image), as opaque RGBA8. Throws its Error naming the path.
RgbaImage load_image_rgba(const std::string& path);
// Throws Error naming the path when it cannot be written.
void write_png(const std::string& path, const RgbaImage& img);
// Rows bottom-first (OpenGL's glReadPixels) to top-first, in place.
void flip_rows(RgbaImage& img);

}  // namespace mambascope::gui
