#include "engine/image/image.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <memory>

#include "engine/core/error.h"
#include "engine/core/file.h"
#include "engine/image/stb_alloc.h"
#include "engine/image/stb_config.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include <stb/stb_image.h>
#pragma GCC diagnostic pop

namespace mambascope {

Image Image::blank(int width, int height) {
  Image im;
  im.width = width;
  im.height = height;
  im.rgb.assign(static_cast<size_t>(width) * height * 3, 0);
  return im;
}

namespace {

// stb_image (Debian 12's 2.27 and earlier) fills a 257-entry table from a JPEG Huffman table's code counts
// without checking that they sum to at most 256 (the JPEG limit): a crafted DHT segment writes past the
// table (found by fuzz_image). So every DHT segment, before and between scans, is checked here first.
// Returns the number of codes of the first table over the limit, or 0 when all are fine.
int jpeg_oversized_huffman_table(const uint8_t* d, size_t n) {
  // SOI as stb's marker reader takes it: 0xFF, any number of 0xFF fill bytes, then 0xD8 (fuzz_image found
  // "FF FF D8 ..." getting past a check of the first two bytes only).
  if (n < 4 || d[0] != 0xFF) return 0;
  size_t p = 1;
  while (p < n && d[p] == 0xFF) ++p;
  if (p >= n || d[p] != 0xD8) return 0;
  ++p;
  while (p + 4 <= n) {
    if (d[p] != 0xFF) {  // entropy-coded data after a scan: skip to the next marker (not a stuffed 00 or RSTn)
      ++p;
      continue;
    }
    const uint8_t m = d[p + 1];
    if (m == 0xFF || m == 0x00 || (m >= 0xD0 && m <= 0xD8) || m == 0x01) {
      p += m == 0xFF ? 1 : 2;
      continue;
    }
    if (m == 0xD9) return 0;
    const size_t seg = static_cast<size_t>(d[p + 2]) << 8 | d[p + 3];
    const size_t end = std::min(n, p + 2 + seg);
    if (m == 0xC4)  // as stb reads it: 17 bytes per table while the segment has any left, past its end if need be
      for (size_t q = p + 4; q < end;) {
        int codes = 0;
        for (size_t i = q + 1; i <= q + 16 && i < n; ++i) codes += d[i];
        if (codes > 256) return codes;
        q += 17 + static_cast<size_t>(codes);
      }
    p = p + 2 + std::max<size_t>(seg, 2);
  }
  return 0;
}

}  // namespace

Image load_image(const std::string& path, const ImageLoadOptions& options) {
  const auto file = MappedFile::open(path);
  return decode_image(std::span<const uint8_t>(file->data(), file->size()), path, options);
}

Image decode_image(std::span<const uint8_t> bytes, const std::string& name, const ImageLoadOptions& options) {
  detail::stbi_largest = 0;
  if (bytes.empty()) throw Error("empty file", name, {}, "pass a PNG, JPEG, BMP or GIF image");
  if (bytes.size() > static_cast<size_t>(INT32_MAX))
    throw Error("file too large for the image decoder (" + std::to_string(bytes.size()) + " bytes)", name);
  const auto* data = reinterpret_cast<const stbi_uc*>(bytes.data());
  const int len = static_cast<int>(bytes.size());

  // Before stb_image reads even the header: its header reader already builds the tables before SOF.
  if (const int codes = jpeg_oversized_huffman_table(data, bytes.size()))
    throw Error("corrupt JPEG: a Huffman table with " + std::to_string(codes) + " codes (at most 256)", name, "DHT",
                "the file is corrupt; export it again");

  // The header alone first: nothing is decoded for an image that would be refused.
  const detail::StbHeader hdr = detail::stbi_header(data, len);
  if (!hdr.format)
    throw Error("not a PNG, JPEG, BMP or GIF image (unknown signature)", name, {}, "convert the image to PNG or JPEG");
  if (!hdr.ok) {
    if (hdr.failure.find("0-pixel") != std::string::npos)
      throw Error("the image is empty (0×0 pixels)", name, {}, "pass an image with pixels");
    throw Error(std::string("cannot read the ") + hdr.format + " header (stb_image: " + hdr.failure + ")", name, {},
                "the file is truncated or corrupt; export it again");
  }
  const int w = hdr.width, h = hdr.height;
  if (w <= 0 || h <= 0)
    throw Error("the image is empty (" + std::to_string(w) + "×" + std::to_string(h) + " pixels)", name, {},
                "pass an image with pixels");
  const int64_t pixels = static_cast<int64_t>(w) * h;
  if (pixels > options.max_pixels)
    throw Error("the image is " + std::to_string(w) + "×" + std::to_string(h) + " = " + std::to_string(pixels) +
                    " pixels, over the limit of " + std::to_string(options.max_pixels) + " (kMaxImagePixels)",
                name, {}, "downscale the image first, or raise ImageLoadOptions::max_pixels");

  // Every allocation of the decoder is capped well above what a legitimate image of this size needs
  // (16-bit RGBA plus the compressed stream), so a lying header cannot make it allocate more.
  detail::stbi_cap = static_cast<size_t>(pixels) * 16 + bytes.size() * 4 + (size_t{64} << 20);
  int cw = 0, ch = 0, cc = 0;
  std::unique_ptr<stbi_uc, decltype(&stbi_image_free)> px(stbi_load_from_memory(data, len, &cw, &ch, &cc, 3),
                                                          &stbi_image_free);
  detail::stbi_cap = 0;
  if (!px) {
    const std::string why = stbi_failure_reason() ? stbi_failure_reason() : "unknown";
    throw Error("cannot decode the image (stb_image: " + why + ")", name, {},
                "the file is truncated or corrupt; export it again as PNG or JPEG");
  }
  if (cw != w || ch != h)
    throw Error("the decoded size " + std::to_string(cw) + "×" + std::to_string(ch) + " differs from the header's", name);
  Image im;
  im.width = cw;
  im.height = ch;
  im.rgb.resize(static_cast<size_t>(cw) * ch * 3);
  std::memcpy(im.rgb.data(), px.get(), im.rgb.size());
  return im;
}

size_t last_image_decode_largest_allocation() { return detail::stbi_largest; }

}  // namespace mambascope
