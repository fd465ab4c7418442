#include "engine/image/preprocess.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <tuple>

#include "engine/core/error.h"
#include "engine/image/resize.h"

namespace mambascope {

Tensor to_normalized_chw(const Image& image, const NormalizeSpec& norm) {
  const int64_t hw = static_cast<int64_t>(image.width) * image.height;
  Tensor t = Tensor::empty({3, image.height, image.width}, DType::F32);
  float* out = t.data_as<float>();
  for (int c = 0; c < 3; ++c) {
    const float mean = norm.mean[c], stdv = norm.std[c];
    for (int64_t i = 0; i < hw; ++i) {
      const float v = static_cast<float>(image.rgb[static_cast<size_t>(i) * 3 + c]) / 255.0f;  // ToTensor
      out[c * hw + i] = (v - mean) / stdv;                                                    // Normalize
    }
  }
  return t;
}

Tensor patchify(const Tensor& images, int patch) {
  if (images.device() != Device::Cpu || images.dtype() != DType::F32 || !images.is_contiguous())
    throw Error("patchify needs a contiguous host f32 tensor, got " + images.describe(), {}, "images");
  if (images.rank() != 3 && images.rank() != 4)
    throw Error("patchify needs [C, H, W] or [N, C, H, W], got " + shape_str(images.shape()), {}, "images");
  if (patch <= 0) throw Error("patch size must be positive", {}, "patch");
  const bool batched = images.rank() == 4;
  const int64_t n = batched ? images.dim(0) : 1, c = images.dim(-3), h = images.dim(-2), w = images.dim(-1);
  const int64_t gh = h / patch, gw = w / patch, p2 = static_cast<int64_t>(patch) * patch;
  if (gh == 0 || gw == 0)
    throw Error("a " + std::to_string(h) + "×" + std::to_string(w) + " image has no whole " + std::to_string(patch) +
                    "-pixel patch", {}, "images");
  Tensor out = Tensor::empty(batched ? Shape{n, gh * gw, c * p2} : Shape{gh * gw, c * p2}, DType::F32);
  const float* src = images.data_as<float>();
  float* dst = out.data_as<float>();
  for (int64_t b = 0; b < n; ++b)
    for (int64_t gy = 0; gy < gh; ++gy)
      for (int64_t gx = 0; gx < gw; ++gx)
        for (int64_t ch = 0; ch < c; ++ch)
          for (int64_t ky = 0; ky < patch; ++ky) {
            const float* row = src + ((b * c + ch) * h + gy * patch + ky) * w + gx * patch;
            float* o = dst + ((b * gh * gw + gy * gw + gx) * c + ch) * p2 + ky * patch;
            std::copy(row, row + patch, o);
          }
  return out;
}

MlMambaPixels preprocess_mlmamba(const Image& image, int size) {
  const Image resized = resize_bicubic(image, size, size);
  return {to_normalized_chw(resized, kImageNetNorm), to_normalized_chw(resized, kSigLipNorm)};
}

Tensor stack_mlmamba_pixels(const MlMambaPixels& px) {
  std::vector<float> v = px.dino.contiguous().to_f32_vector();
  const std::vector<float> s = px.siglip.contiguous().to_f32_vector();
  v.insert(v.end(), s.begin(), s.end());
  return Tensor::from_f32(v, {2, px.dino.dim(0), px.dino.dim(1), px.dino.dim(2)});
}

std::pair<int, int> hovle_tile_grid(int width, int height, int max_tiles, int min_tiles, int tile) {
  if (width <= 0 || height <= 0) throw Error("cannot tile an empty image", {}, "image");
  if (min_tiles < 1 || max_tiles < min_tiles)
    throw Error("tile counts must satisfy 1 <= min <= max, got " + std::to_string(min_tiles) + " and " + std::to_string(max_tiles),
                {}, "max_tiles");
  // dynamic_preprocess: candidates sorted by i*j. Python sorts a set, so equal products come in hash order;
  // no two grids of equal tile count can tie for the closest ratio, so any order among them gives its result.
  std::vector<std::pair<int, int>> grids;
  for (int n = min_tiles; n <= max_tiles; ++n)
    for (int i = 1; i <= n; ++i)
      if (n % i == 0) grids.emplace_back(i, n / i);
  const double aspect = static_cast<double>(width) / height;
  const double area = static_cast<double>(width) * height;
  double best_diff = std::numeric_limits<double>::infinity();
  std::pair<int, int> best{1, 1};
  for (const auto& [i, j] : grids) {
    const double diff = std::abs(aspect - static_cast<double>(i) / j);
    if (diff < best_diff) {
      best_diff = diff;
      best = {i, j};
    } else if (diff == best_diff && area > 0.5 * tile * tile * i * j) {
      best = {i, j};
    }
  }
  return best;
}

std::vector<Image> hovle_tiles(const Image& image, int max_tiles, int tile) {
  const auto [cols, rows] = hovle_tile_grid(image.width, image.height, max_tiles, 1, tile);
  const Image resized = resize_bicubic(image, cols * tile, rows * tile);
  std::vector<Image> tiles;
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c) tiles.push_back(crop(resized, c * tile, r * tile, tile, tile));
  if (tiles.size() != 1) tiles.push_back(resize_bicubic(image, tile, tile));
  return tiles;
}

HoVLEPixels preprocess_hovle(const Image& image, int max_tiles, int tile) {
  HoVLEPixels out;
  std::tie(out.cols, out.rows) = hovle_tile_grid(image.width, image.height, max_tiles, 1, tile);
  const std::vector<Image> tiles = hovle_tiles(image, max_tiles, tile);
  out.thumbnail = tiles.size() > 1;
  out.pixels = Tensor::empty({static_cast<int64_t>(tiles.size()), 3, tile, tile}, DType::F32);
  const size_t per = static_cast<size_t>(3) * tile * tile;
  for (size_t k = 0; k < tiles.size(); ++k) {
    const Tensor t = to_normalized_chw(tiles[k], kImageNetNorm);
    std::copy(t.data_as<float>(), t.data_as<float>() + per, out.pixels.data_as<float>() + k * per);
  }
  return out;
}

}  // namespace mambascope
