#include "engine/image/resize.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "engine/core/error.h"

namespace mambascope {
namespace {

constexpr int kPrecisionBits = 32 - 8 - 2;  // Pillow's PRECISION_BITS for 8-bit images

// Pillow's bicubic_filter (a = -0.5), term by term.
double bicubic(double x) {
  constexpr double a = -0.5;
  if (x < 0.0) x = -x;
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
  if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
  return 0.0;
}

// Pillow's precompute_coeffs for the box [0, in_size) -> out_size samples, then normalize_coeffs_8bpc:
// for each output sample, the first input index, the tap count, and ksize fixed-point weights.
struct Coeffs {
  int ksize = 0;
  std::vector<int> first, count;
  std::vector<int32_t> k;  // out_size × ksize
};

Coeffs precompute(int in_size, int out_size) {
  constexpr double support_1 = 2.0;
  double scale = static_cast<double>(static_cast<float>(in_size) - 0.0f) / out_size;
  double filterscale = scale < 1.0 ? 1.0 : scale;
  const double support = support_1 * filterscale;
  Coeffs c;
  c.ksize = static_cast<int>(std::ceil(support)) * 2 + 1;
  c.first.resize(out_size);
  c.count.resize(out_size);
  c.k.assign(static_cast<size_t>(out_size) * c.ksize, 0);
  std::vector<double> w(c.ksize);
  for (int xx = 0; xx < out_size; ++xx) {
    const double center = 0.0 + (xx + 0.5) * scale;
    double ww = 0.0;
    const double ss = 1.0 / filterscale;
    int xmin = static_cast<int>(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    int xmax = static_cast<int>(center + support + 0.5);
    if (xmax > in_size) xmax = in_size;
    xmax -= xmin;
    for (int x = 0; x < xmax; ++x) {
      w[x] = bicubic((x + xmin - center + 0.5) * ss);
      ww += w[x];
    }
    for (int x = 0; x < xmax; ++x) {
      if (ww != 0.0) w[x] /= ww;
      const double v = w[x] * (1 << kPrecisionBits);
      c.k[static_cast<size_t>(xx) * c.ksize + x] = static_cast<int32_t>(v < 0 ? -0.5 + v : 0.5 + v);
    }
    c.first[xx] = xmin;
    c.count[xx] = xmax;
  }
  return c;
}

uint8_t clip8(int32_t v) { return static_cast<uint8_t>(std::clamp(v >> kPrecisionBits, 0, 255)); }

}  // namespace

Image resize_bicubic(const Image& in, int width, int height) {
  if (width <= 0 || height <= 0) throw Error("resize to " + std::to_string(width) + "×" + std::to_string(height) + " pixels", {}, "size", "pass a positive size");
  if (in.width <= 0 || in.height <= 0) throw Error("cannot resize an empty image", {}, "image");
  if (width == in.width && height == in.height) return in;
  const Coeffs ch = precompute(in.width, width);
  const Coeffs cv = precompute(in.height, height);
  const bool need_h = width != in.width;
  const bool need_v = height != in.height;
  // Rows the vertical pass reads: only those are resampled horizontally.
  const int y_first = cv.first.front();
  const int y_last = cv.first.back() + cv.count.back();

  Image tmp;
  const Image* src = &in;
  int row0 = 0;  // row of `src` that holds input row y_first
  if (need_h) {
    tmp = Image::blank(width, y_last - y_first);
    for (int y = 0; y < tmp.height; ++y) {
      const uint8_t* row = in.pixel(0, y + y_first);
      for (int xx = 0; xx < width; ++xx) {
        const int32_t* k = &ch.k[static_cast<size_t>(xx) * ch.ksize];
        const int xmin = ch.first[xx];
        int32_t s0 = 1 << (kPrecisionBits - 1), s1 = s0, s2 = s0;
        for (int x = 0; x < ch.count[xx]; ++x) {
          const uint8_t* p = row + (x + xmin) * 3;
          s0 += p[0] * k[x];
          s1 += p[1] * k[x];
          s2 += p[2] * k[x];
        }
        uint8_t* o = tmp.pixel(xx, y);
        o[0] = clip8(s0), o[1] = clip8(s1), o[2] = clip8(s2);
      }
    }
    src = &tmp;
    row0 = y_first;
  }
  if (!need_v) return tmp;

  Image out = Image::blank(src->width, height);
  for (int yy = 0; yy < height; ++yy) {
    const int32_t* k = &cv.k[static_cast<size_t>(yy) * cv.ksize];
    const int ymin = cv.first[yy] - row0;
    for (int xx = 0; xx < src->width; ++xx) {
      int32_t s0 = 1 << (kPrecisionBits - 1), s1 = s0, s2 = s0;
      for (int y = 0; y < cv.count[yy]; ++y) {
        const uint8_t* p = src->pixel(xx, y + ymin);
        s0 += p[0] * k[y];
        s1 += p[1] * k[y];
        s2 += p[2] * k[y];
      }
      uint8_t* o = out.pixel(xx, yy);
      o[0] = clip8(s0), o[1] = clip8(s1), o[2] = clip8(s2);
    }
  }
  return out;
}

Image crop(const Image& in, int x, int y, int width, int height) {
  if (x < 0 || y < 0 || width <= 0 || height <= 0 || x + width > in.width || y + height > in.height)
    throw Error("crop " + std::to_string(width) + "×" + std::to_string(height) + "+" + std::to_string(x) + "+" +
                    std::to_string(y) + " outside the " + std::to_string(in.width) + "×" + std::to_string(in.height) + " image",
                {}, "box");
  Image out = Image::blank(width, height);
  for (int r = 0; r < height; ++r) std::memcpy(out.pixel(0, r), in.pixel(x, y + r), static_cast<size_t>(width) * 3);
  return out;
}

}  // namespace mambascope
