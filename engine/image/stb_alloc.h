#pragma once
// What stb_image_impl.cpp adds to stb_image: an allocation hook (each request above `stbi_cap` (0: no cap)
// fails, the largest request is recorded in `stbi_largest`; both per thread), and a header reader that says
// which format it saw and why it failed (stbi_info tries every format and keeps only the last one's reason).
#include <cstddef>
#include <string>

namespace mambascope::detail {

struct StbHeader {
  const char* format = nullptr;  // "PNG", "JPEG", "BMP", "GIF", or nullptr for none of them
  bool ok = false;
  int width = 0, height = 0, channels = 0;
  std::string failure;  // stb_image's reason when !ok
};
StbHeader stbi_header(const unsigned char* data, int len);

extern thread_local size_t stbi_cap;
extern thread_local size_t stbi_largest;
void* stbi_malloc(size_t n);
void* stbi_realloc(void* p, size_t n);
void stbi_free(void* p);
}  // namespace mambascope::detail
