#pragma once
// The stb_image configuration shared by its implementation and its users: the four formats mambascope reads,
// decoding from memory only.
#define STBI_ONLY_PNG
#define STBI_ONLY_JPEG
#define STBI_ONLY_BMP
#define STBI_ONLY_GIF
#define STBI_NO_STDIO
