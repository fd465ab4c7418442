#pragma once
// The encoders' image preprocessing, as their reference pipelines compute it on PIL images:
//  - ML-Mamba (prismatic "dinosiglip-vit-so-384px", image_resize_strategy "resize-naive" in its released
//    config): Resize((384, 384), BICUBIC) then ToTensor + Normalize, once with DINOv2's ImageNet mean/std and
//    once with SigLIP's 0.5/0.5 (timm's data configs of vit_large_patch14_reg4_dinov2 and
//    vit_so400m_patch14_siglip_384); both ViTs use 14-pixel patches, so 27×27 = 729 patches (the last 6
//    pixels of each row and column fall outside every patch, as in the patch-embedding convolution).
//  - HoVLE / mmMamba (load_image + dynamic_preprocess of their model cards): the grid of 448-pixel tiles
//    whose aspect ratio is closest to the image's (at most max_tiles tiles), the image resized bicubically
//    to that grid and cut into tiles, plus a 448×448 thumbnail of the whole image when there is more than
//    one tile; ImageNet mean/std.
// Normalized values are f32 (pixel / 255 - mean) / std, rounded at each step as torchvision computes them.
#include <array>
#include <vector>

#include "engine/core/tensor.h"
#include "engine/image/image.h"

namespace mambascope {

struct NormalizeSpec {
  std::array<float, 3> mean, std;
};
inline constexpr NormalizeSpec kImageNetNorm{{0.485f, 0.456f, 0.406f}, {0.229f, 0.224f, 0.225f}};  // DINOv2, HoVLE
inline constexpr NormalizeSpec kSigLipNorm{{0.5f, 0.5f, 0.5f}, {0.5f, 0.5f, 0.5f}};

inline constexpr int kMlMambaImageSize = 384;
inline constexpr int kVitPatch = 14;  // DINOv2, SigLIP and HoVLE's patch embedding
inline constexpr int kHoVLETileSize = 448;
inline constexpr int kHoVLEMaxTiles = 12;  // the model cards' load_image(max_num=12)

// f32 [3, height, width] in CHW order (ToTensor + Normalize).
Tensor to_normalized_chw(const Image& image, const NormalizeSpec& norm);

// Patches in the order the ViT patch-embedding Conv2d(C, D, kernel=p, stride=p) consumes them, so that
// patches @ weight.view(D, C*p*p)^T equals the convolution:
//   [C, H, W] -> [gh*gw, C*p*p];  [N, C, H, W] -> [N, gh*gw, C*p*p]
// patch index gy*gw + gx (row-major over the grid), element c*p*p + ky*p + kx; gh = H / p, gw = W / p
// (remainder pixels dropped, as the strided convolution drops them).
Tensor patchify(const Tensor& images, int patch);

struct MlMambaPixels {
  Tensor dino;    // f32 [3, size, size], ImageNet mean/std
  Tensor siglip;  // f32 [3, size, size], 0.5/0.5
};
MlMambaPixels preprocess_mlmamba(const Image& image, int size = kMlMambaImageSize);
// Both views stacked as ML-Mamba's embed_image takes them: f32 [2, 3, size, size] (DINOv2 view first).
Tensor stack_mlmamba_pixels(const MlMambaPixels& px);

// HoVLE's tile grid (columns, rows) for a width×height image: the (i, j) with min_tiles <= i*j <= max_tiles
// whose ratio i/j is closest to width/height; on a tie the larger grid wins when the image has more than half
// its pixels. Candidates are visited by tile count, then as CPython's set iteration orders them.
std::pair<int, int> hovle_tile_grid(int width, int height, int max_tiles = kHoVLEMaxTiles, int min_tiles = 1,
                                    int tile = kHoVLETileSize);

// The 8-bit tiles, row-major over the grid, then the thumbnail when there is more than one tile.
std::vector<Image> hovle_tiles(const Image& image, int max_tiles = kHoVLEMaxTiles, int tile = kHoVLETileSize);

struct HoVLEPixels {
  Tensor pixels;  // f32 [n, 3, tile, tile], ImageNet mean/std
  int cols = 1, rows = 1;
  bool thumbnail = false;  // the last tile is the whole-image thumbnail
};
HoVLEPixels preprocess_hovle(const Image& image, int max_tiles = kHoVLEMaxTiles, int tile = kHoVLETileSize);

}  // namespace mambascope
