#pragma once
// Images in memory (8-bit RGB) and the loader: PNG, JPEG, BMP and GIF (first frame) through stb_image.
// The header is read first: an image over the pixel limit, or with no pixels, is refused before anything is
// decoded or allocated. Grayscale and alpha are converted to RGB as PIL's Image.convert("RGB") does (gray
// replicated, alpha dropped).
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace mambascope {

struct Image {
  int width = 0, height = 0;
  std::vector<uint8_t> rgb;  // row-major, 3 bytes per pixel

  uint8_t* pixel(int x, int y) { return rgb.data() + (static_cast<size_t>(y) * width + x) * 3; }
  const uint8_t* pixel(int x, int y) const { return rgb.data() + (static_cast<size_t>(y) * width + x) * 3; }
  static Image blank(int width, int height);  // black
};

// The default pixel limit: PIL's Image.MAX_IMAGE_PIXELS (its decompression-bomb threshold).
inline constexpr int64_t kMaxImagePixels = 89'478'485;

struct ImageLoadOptions {
  int64_t max_pixels = kMaxImagePixels;
};

// Errors name the file: unreadable, not an image stb_image can decode, empty (0×0), over the pixel limit.
Image load_image(const std::string& path, const ImageLoadOptions& options = {});
// The same for bytes in memory; `name` is what errors call them.
Image decode_image(std::span<const uint8_t> bytes, const std::string& name, const ImageLoadOptions& options = {});

// The largest single allocation stb_image asked for during the last load on this thread (0 when none): lets
// tests check that a refused header cost no big allocation.
size_t last_image_decode_largest_allocation();

}  // namespace mambascope
