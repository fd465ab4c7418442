#include "app/gui/gl_util.h"

#include <algorithm>

#include <GL/gl.h>

namespace mambascope::gui {

void upload_texture(GlTexture& tex, const RgbaImage& img) {
  if (!tex.id) glGenTextures(1, &tex.id);
  glBindTexture(GL_TEXTURE_2D, tex.id);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_LINEAR);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
  glPixelStorei(GL_UNPACK_ROW_LENGTH, 0);
  glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
  glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA, img.width, img.height, 0, GL_RGBA, GL_UNSIGNED_BYTE, img.pixels.data());
  tex.width = img.width;
  tex.height = img.height;
}

void free_texture(GlTexture& tex) {
  if (tex.id) glDeleteTextures(1, &tex.id);
  tex = {};
}

RgbaImage read_framebuffer(int x, int y, int w, int h, int fb_width, int fb_height) {
  x = std::clamp(x, 0, fb_width);
  y = std::clamp(y, 0, fb_height);
  w = std::clamp(w, 0, fb_width - x);
  h = std::clamp(h, 0, fb_height - y);
  RgbaImage img;
  img.width = w;
  img.height = h;
  img.pixels.resize(static_cast<size_t>(w) * h * 4);
  if (w == 0 || h == 0) return img;
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadBuffer(GL_BACK);
  glReadPixels(x, fb_height - y - h, w, h, GL_RGBA, GL_UNSIGNED_BYTE, img.pixels.data());  // GL: origin bottom-left
  flip_rows(img);
  for (size_t i = 3; i < img.pixels.size(); i += 4) img.pixels[i] = 255;
  return img;
}

}  // namespace mambascope::gui
