#pragma once
// Resizing as the encoders' preprocessing does it: Pillow's Image.resize(size, Image.BICUBIC) on 8-bit RGB,
// reproduced bit for bit (torchvision's Resize on a PIL image calls it):
//  - cubic convolution with a = -0.5, its support (2) widened by the downscale factor, so downscaling is
//    antialiased; weights normalized to sum 1, then rounded to 22-bit fixed point;
//  - a horizontal pass, rounded and clamped to 8 bits, then a vertical pass over that 8-bit intermediate;
//  - the same size returns a copy (Pillow short-circuits it).
#include "engine/image/image.h"

namespace mambascope {

Image resize_bicubic(const Image& in, int width, int height);

// The pixels [x, x + width) × [y, y + height) of `in`, which must lie inside it.
Image crop(const Image& in, int x, int y, int width, int height);

}  // namespace mambascope
