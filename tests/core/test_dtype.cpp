#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

#include "engine/core/dtype.h"
#include "tests/support.h"

using namespace mambascope;

TEST_CASE("bf16 conversion rounds to nearest even on known bit patterns", "[core][dtype]") {
  CHECK(f32_to_bf16(1.0f) == 0x3F80);
  CHECK(f32_to_bf16(-2.0f) == 0xC000);
  CHECK(f32_to_bf16(3.14159265f) == 0x4049);              // 0x40490FDB: below half, truncates
  CHECK(f32_to_bf16(f32_from_bits(0x3F808000u)) == 0x3F80);  // tie, even stays
  CHECK(f32_to_bf16(f32_from_bits(0x3F818000u)) == 0x3F82);  // tie, odd rounds up to even
  CHECK(f32_to_bf16(f32_from_bits(0x3F808001u)) == 0x3F81);  // above half rounds up
  CHECK(f32_to_bf16(f32_from_bits(0x3F807FFFu)) == 0x3F80);  // below half rounds down
  CHECK(f32_to_bf16(std::numeric_limits<float>::infinity()) == 0x7F80);
  CHECK(f32_to_bf16(-std::numeric_limits<float>::infinity()) == 0xFF80);
  CHECK(f32_to_bf16(f32_from_bits(0x7F7FFFFFu)) == 0x7F80);  // FLT_MAX rounds to inf, as torch does
  CHECK(f32_to_bf16(-0.0f) == 0x8000);
  const uint16_t qnan = f32_to_bf16(std::numeric_limits<float>::quiet_NaN());
  CHECK(std::isnan(bf16_to_f32(qnan)));
  // A signalling NaN whose payload sits only in the low 16 bits must not become infinity.
  CHECK(std::isnan(bf16_to_f32(f32_to_bf16(f32_from_bits(0x7F800001u)))));
  CHECK(bf16_to_f32(0x3F80) == 1.0f);
  CHECK(bf16_to_f32(0x4049) == f32_from_bits(0x40490000u));
}

TEST_CASE("every bf16 value survives a round trip through f32", "[core][dtype]") {
  for (uint32_t h = 0; h < 0x10000u; ++h) {
    const float f = bf16_to_f32(static_cast<uint16_t>(h));
    if (std::isnan(f)) {
      REQUIRE(std::isnan(bf16_to_f32(f32_to_bf16(f))));
    } else {
      REQUIRE(f32_to_bf16(f) == h);
    }
  }
}

TEST_CASE("f16 conversion handles normals, subnormals, overflow and ties", "[core][dtype]") {
  CHECK(f32_to_f16(1.0f) == 0x3C00);
  CHECK(f32_to_f16(-2.0f) == 0xC000);
  CHECK(f32_to_f16(0.1f) == 0x2E66);
  CHECK(f32_to_f16(1.0f / 3.0f) == 0x3555);
  CHECK(f32_to_f16(65504.0f) == 0x7BFF);   // largest finite
  CHECK(f32_to_f16(65519.0f) == 0x7BFF);   // below the halfway point to 65536
  CHECK(f32_to_f16(65520.0f) == 0x7C00);   // the tie rounds to even: infinity
  CHECK(f32_to_f16(1e10f) == 0x7C00);
  CHECK(f32_to_f16(std::ldexp(1.0f, -14)) == 0x0400);  // smallest normal
  CHECK(f32_to_f16(std::ldexp(1.0f, -24)) == 0x0001);  // smallest subnormal
  CHECK(f32_to_f16(std::ldexp(1.0f, -25)) == 0x0000);  // tie between 0 and 2^-24: even (0)
  CHECK(f32_to_f16(std::ldexp(1.5f, -25)) == 0x0001);
  CHECK(f32_to_f16(std::ldexp(3.0f, -25)) == 0x0002);  // tie between 1 and 2 ulps: even (2)
  CHECK(f32_to_f16(-0.0f) == 0x8000);
  CHECK(std::isnan(f16_to_f32(f32_to_f16(std::numeric_limits<float>::quiet_NaN()))));
  CHECK(f16_to_f32(0x0001) == std::ldexp(1.0f, -24));
  CHECK(f16_to_f32(0x03FF) == std::ldexp(1023.0f, -24));
  CHECK(f16_to_f32(0x7C00) == std::numeric_limits<float>::infinity());
}

TEST_CASE("every f16 value survives a round trip through f32", "[core][dtype]") {
  for (uint32_t h = 0; h < 0x10000u; ++h) {
    const float f = f16_to_f32(static_cast<uint16_t>(h));
    if (std::isnan(f)) {
      REQUIRE(std::isnan(f16_to_f32(f32_to_f16(f))));
    } else {
      REQUIRE(f32_to_f16(f) == h);
    }
  }
}

TEST_CASE("f32 to f16 picks the nearest representable value, ties to even", "[core][dtype]") {
  // Property check against a brute-force neighbour search over random floats across the f16 range.
  auto vals = test::random_floats(200000, 7, -70000.f, 70000.f);
  auto small = test::random_floats(200000, 8, -1e-3f, 1e-3f);
  vals.insert(vals.end(), small.begin(), small.end());
  for (float f : vals) {
    const uint16_t h = f32_to_f16(f);
    const double err = std::fabs(static_cast<double>(f16_to_f32(h)) - f);
    if (std::isinf(f16_to_f32(h))) {
      REQUIRE(std::fabs(f) >= 65520.0f);
      continue;
    }
    for (int d : {-1, 1}) {
      const uint16_t nb = static_cast<uint16_t>(h + d);
      const float fn = f16_to_f32(nb);
      if (std::isnan(fn) || std::isinf(fn) || ((nb ^ h) & 0x8000)) continue;
      const double en = std::fabs(static_cast<double>(fn) - f);
      REQUIRE(err <= en);
      if (err == en) REQUIRE((h & 1) == 0);
    }
  }
}

TEST_CASE("dtype names parse and unknown names are refused", "[core][dtype]") {
  CHECK(parse_dtype("bf16") == DType::BF16);
  CHECK(dtype_size(DType::I64) == 8);
  REQUIRE_ERROR_MENTIONS(parse_dtype("fp8", "--dtype"), "unknown dtype 'fp8'", "--dtype", "use one of");
}
