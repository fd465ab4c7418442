#pragma once
// stb_image's allocation hook (stb_image_impl.cpp): each request above `stbi_cap` (0: no cap) fails, and the
// largest request is recorded in `stbi_largest`. Both are per thread.
#include <cstddef>

namespace mambascope::detail {
extern thread_local size_t stbi_cap;
extern thread_local size_t stbi_largest;
void* stbi_malloc(size_t n);
void* stbi_realloc(void* p, size_t n);
void stbi_free(void* p);
}  // namespace mambascope::detail
