#pragma once
// Images in the GUI: loading the Scan panel's picture and writing screenshots and plot exports as PNG.
// Loading goes through stb_image here until engine/image's loader lands; swap `load_image_rgba` for it then.
#include <cstdint>
#include <string>
#include <vector>

namespace mambascope::gui {

struct RgbaImage {
  int width = 0, height = 0;
  std::vector<uint8_t> pixels;  // row-major, top row first, 4 bytes per pixel
};

// Any format stb_image reads (PNG, JPEG, BMP, ...), converted to RGBA8. Throws Error naming the path.
RgbaImage load_image_rgba(const std::string& path);
// Throws Error naming the path when it cannot be written.
void write_png(const std::string& path, const RgbaImage& img);
// Rows bottom-first (OpenGL's glReadPixels) to top-first, in place.
void flip_rows(RgbaImage& img);

}  // namespace mambascope::gui
