#pragma once
// The few OpenGL calls the GUI makes itself (ImGui's backend does the rest): textures for images and reading
// back the rendered frame for screenshots and plot exports.
#include "app/gui/image_io.h"

namespace mambascope::gui {

struct GlTexture {
  unsigned id = 0;
  int width = 0, height = 0;
};

// Creates or replaces `tex` with the image's pixels (linear filtering).
void upload_texture(GlTexture& tex, const RgbaImage& img);
void free_texture(GlTexture& tex);

// Reads a rectangle of the current back buffer (framebuffer pixels, origin top-left) as RGBA, top row first,
// fully opaque. The rectangle is clipped to the framebuffer.
RgbaImage read_framebuffer(int x, int y, int w, int h, int fb_width, int fb_height);

}  // namespace mambascope::gui
