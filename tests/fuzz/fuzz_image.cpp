// libFuzzer target: any bytes given to the image loader decode to RGB within the pixel limit or are refused
// with an Error naming them, never crash or allocate without bound. Decoded images go
// through the HoVLE preprocessing (tiles, resize, normalise) as `mambascope chat` would send them.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "engine/core/error.h"
#include "engine/image/image.h"
#include "engine/image/preprocess.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mambascope;
  ImageLoadOptions opt;
  opt.max_pixels = 1 << 18;  // the sample images fit; small enough for fast executions; the check is the same
  try {
    const Image img = decode_image(std::span<const uint8_t>(data, size), "fuzz.img", opt);
    if (img.width <= 0 || img.height <= 0 || static_cast<int64_t>(img.width) * img.height > opt.max_pixels ||
        img.rgb.size() != static_cast<size_t>(img.width) * img.height * 3)
      std::abort();
    const HoVLEPixels px = preprocess_hovle(img, 2, 28);
    if (px.pixels.dim(1) != 3) std::abort();
  } catch (const Error& e) {
    // (Big allocations: stb_image's requests over the loader's cap fail inside the hook, and libFuzzer's
    // -malloc_limit_mb, the -rss_limit_mb of scripts/fuzz, stops any single larger malloc as a crash.)
    if (e.file() != "fuzz.img") std::abort();
  }
  return 0;
}
