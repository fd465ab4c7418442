#pragma once
// Element types and the bf16/f16 <-> f32 conversions (round to nearest, ties to even).
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace mambascope {

enum class DType : uint8_t { F32, BF16, F16, I32, I64, U8 };

size_t dtype_size(DType t);
const char* dtype_name(DType t);  // "f32", "bf16", ...
// Parses our names ("f32", "bf16", "f16", "i32", "i64", "u8"); throws Error naming `what` otherwise.
DType parse_dtype(std::string_view s, const std::string& what = "dtype");
bool is_float(DType t);

inline uint32_t f32_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}
inline float f32_from_bits(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

// bf16 is the upper half of an f32. NaN stays NaN (quiet), sign kept.
inline uint16_t f32_to_bf16(float f) {
  uint32_t u = f32_bits(f);
  if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((u >> 16) | 0x0040u);
  u += 0x7fffu + ((u >> 16) & 1u);
  return static_cast<uint16_t>(u >> 16);
}
inline float bf16_to_f32(uint16_t h) { return f32_from_bits(static_cast<uint32_t>(h) << 16); }

uint16_t f32_to_f16(float f);
float f16_to_f32(uint16_t h);

// Rounds through the type (what a value becomes after a store to it and a load back).
inline float round_bf16(float f) { return bf16_to_f32(f32_to_bf16(f)); }

}  // namespace mambascope
