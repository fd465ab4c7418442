// Which operands the Hopper SSD scan accepts (host code, no GPU needed): it reads x, B and C with bulk tensor
// copies, which need 16-byte aligned bases, row strides that are a multiple of 16 bytes and 32-bit row
// coordinates; everything else must go to the mma.sync kernel (ssd_chunk_scan's Auto) instead of failing.
#if defined(MAMBASCOPE_KERNELS_LIB)
#include <catch2/catch.hpp>

#include <cstdint>

#include "kernels/ssd_chunk_scan_sm90.h"

using mambascope::kernels::SsdScanArgs;
using mambascope::kernels::ssd_chunk_scan_sm90_supported;

TEST_CASE("the Hopper SSD scan takes only operands its bulk copies can read", "[kernels][mamba2]") {
  alignas(16) static unsigned char buf[64];
  SsdScanArgs a;
  a.L = 103424, a.H = 80, a.P = 64, a.G = 1, a.N = 128;
  // The 2.7b layout: x, B and C are column blocks of the conv output's rows (5376 channels).
  a.x = buf, a.ldx = 5376;
  a.B = buf + 16, a.ldb = 5376;
  a.C = buf + 32, a.ldc = 5376;
  CHECK(ssd_chunk_scan_sm90_supported(a));

  SsdScanArgs b = a;
  b.ldx = 5380;  // 10,760 bytes: not a multiple of 16
  CHECK_FALSE(ssd_chunk_scan_sm90_supported(b));
  b = a;
  b.B = buf + 2;  // B starting one element into a 16-byte unit
  CHECK_FALSE(ssd_chunk_scan_sm90_supported(b));
  b = a;
  b.ldc = 0;
  CHECK_FALSE(ssd_chunk_scan_sm90_supported(b));
  b = a;
  b.N = 64;  // the kernel is built for headdim 64 and d_state 128 only
  CHECK_FALSE(ssd_chunk_scan_sm90_supported(b));
  b = a;
  b.L = int64_t{1} << 31;  // row coordinates of the copies are 32-bit
  CHECK_FALSE(ssd_chunk_scan_sm90_supported(b));
  b.L = (int64_t{1} << 31) - 1;
  CHECK(ssd_chunk_scan_sm90_supported(b));
}
#endif
