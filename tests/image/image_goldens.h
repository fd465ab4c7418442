#pragma once
// Access to assets/golden/image/image_goldens.safetensors (written by baselines/torch/image_goldens.py) and
// the comparisons the image tests make against it.
#include <algorithm>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "engine/image/image.h"
#include "engine/model/safetensors.h"
#include "tests/text/goldens.h"

namespace mambascope::test {

inline const SafetensorsFile& image_goldens() {
  static const auto f = SafetensorsFile::open(asset("assets/golden/image/image_goldens.safetensors"));
  return *f;
}

template <class T>
std::vector<T> golden_values(const std::string& name) {
  const Tensor t = image_goldens().tensor(name);
  const T* p = t.data_as<T>();
  return std::vector<T>(p, p + t.numel());
}

// An HxWx3 u8 golden as an Image.
inline Image golden_image(const std::string& name) {
  const Tensor t = image_goldens().tensor(name);
  Image im = Image::blank(static_cast<int>(t.dim(1)), static_cast<int>(t.dim(0)));
  std::copy(t.data_as<uint8_t>(), t.data_as<uint8_t>() + t.numel(), im.rgb.begin());
  return im;
}

// Every `stride`-th pixel from `offset` in both directions, HxWx3 order (numpy's a[o::s, o::s]).
inline std::vector<uint8_t> sub_pixels(const Image& im, int offset, int stride) {
  std::vector<uint8_t> out;
  for (int y = offset; y < im.height; y += stride)
    for (int x = offset; x < im.width; x += stride) out.insert(out.end(), im.pixel(x, y), im.pixel(x, y) + 3);
  return out;
}

// The same for a [C, H, W] f32 tensor, CHW order.
inline std::vector<float> sub_chw(const Tensor& t, int offset, int stride) {
  std::vector<float> out;
  const int64_t c = t.dim(0), h = t.dim(1), w = t.dim(2);
  const float* p = t.data_as<float>();
  for (int64_t k = 0; k < c; ++k)
    for (int64_t y = offset; y < h; y += stride)
      for (int64_t x = offset; x < w; x += stride) out.push_back(p[(k * h + y) * w + x]);
  return out;
}

struct U8Diff {
  int max = 0;          // largest |a - b|
  size_t off = 0;       // values that differ
  size_t count = 0;     // values compared (count == 0: sizes differ)
  double mean = 0;      // mean |a - b|
};

inline U8Diff diff_u8(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) {
  U8Diff d;
  if (a.size() != b.size()) return d;
  d.count = a.size();
  double sum = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const int e = std::abs(int(a[i]) - int(b[i]));
    d.max = std::max(d.max, e);
    d.off += e != 0;
    sum += e;
  }
  d.mean = d.count ? sum / d.count : 0;
  return d;
}

// Per-channel sums and position-weighted sums (weights 1..97 by flat pixel index), as the golden's "checks".
inline std::vector<int64_t> pixel_checks(const Image& im) {
  std::vector<int64_t> s(6, 0);
  const size_t n = static_cast<size_t>(im.width) * im.height;
  for (size_t i = 0; i < n; ++i)
    for (int c = 0; c < 3; ++c) {
      const int64_t v = im.rgb[i * 3 + c];
      s[c] += v;
      s[3 + c] += v * static_cast<int64_t>(i % 97 + 1);
    }
  return s;
}

// The sample images, as assets/images/manifest.json lists them.
inline std::vector<nlohmann::json> sample_images() {
  const auto m = load_json_asset("assets/images/manifest.json");
  return m["images"].get<std::vector<nlohmann::json>>();
}

// The golden key of a sample file: "gray-circles.png" -> "gray_circles".
inline std::string golden_key(const std::string& file) {
  std::string s = file.substr(0, file.rfind('.'));
  std::replace(s.begin(), s.end(), '-', '_');
  return s;
}

}  // namespace mambascope::test
