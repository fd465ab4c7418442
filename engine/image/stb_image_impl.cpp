// The one translation unit that compiles stb_image (header-only, from Debian's libstb-dev), with its
// allocations routed through a hook that caps each request and records the largest (image.cpp sets the cap).
#include <cstddef>
#include <cstdlib>

#include "engine/image/stb_alloc.h"

#define STBI_MALLOC(sz) ::mambascope::detail::stbi_malloc(sz)
#define STBI_REALLOC(p, sz) ::mambascope::detail::stbi_realloc(p, sz)
#define STBI_FREE(p) ::mambascope::detail::stbi_free(p)
#define STB_IMAGE_IMPLEMENTATION
#include "engine/image/stb_config.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wall"
#pragma GCC diagnostic ignored "-Wextra"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#include <stb/stb_image.h>
#pragma GCC diagnostic pop

namespace mambascope::detail {

thread_local size_t stbi_cap = 0;
thread_local size_t stbi_largest = 0;

void* stbi_malloc(size_t n) {
  if (n > stbi_largest) stbi_largest = n;
  if (stbi_cap && n > stbi_cap) return nullptr;  // stb_image reports "outofmem"
  return std::malloc(n);
}

void* stbi_realloc(void* p, size_t n) {
  if (n > stbi_largest) stbi_largest = n;
  if (stbi_cap && n > stbi_cap) return nullptr;
  return std::realloc(p, n);
}

void stbi_free(void* p) { std::free(p); }

StbHeader stbi_header(const unsigned char* data, int len) {
  stbi__context s{};
  stbi__start_mem(&s, data, len);
  StbHeader h;
  int (*info)(stbi__context*, int*, int*, int*) = nullptr;
  if (stbi__png_test(&s)) h.format = "PNG", info = stbi__png_info;
  else if (stbi__jpeg_test(&s)) h.format = "JPEG", info = stbi__jpeg_info;
  else if (stbi__bmp_test(&s)) h.format = "BMP", info = stbi__bmp_info;
  else if (stbi__gif_test(&s)) h.format = "GIF", info = stbi__gif_info;
  if (!info) return h;
  stbi__g_failure_reason = nullptr;
  h.ok = info(&s, &h.width, &h.height, &h.channels) != 0;
  if (!h.ok) h.failure = stbi__g_failure_reason ? stbi__g_failure_reason : "unknown";
  return h;
}

}  // namespace mambascope::detail
