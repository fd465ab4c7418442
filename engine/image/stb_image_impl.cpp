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

}  // namespace mambascope::detail
