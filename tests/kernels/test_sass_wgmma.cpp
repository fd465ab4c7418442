// A CPU-side guard on the sm_90a SASS of the wgmma kernels (no GPU needed, so CI runs it): ptxas (CUDA 13.0)
// once miscompiled the SSD kernel's bf16x2 decays by deleting three of its ten G wgmma groups -- it leaves a
// placeholder HGMMA.64x8x16 RZ where a group was -- and reading other units' registers instead: y came out wrong
// with a correct PTX (profiles/h100/mamba2-notes.md, version 7). This test reads the cubins nvcc embedded in
// the kernels library, counts each kernel's HGMMA instructions from their encodings and fails on a placeholder
// or on an SSD kernel with fewer wgmmas than its source issues.
#if defined(MAMBASCOPE_KERNELS_LIB)
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace {

struct KernelSass {
  std::string name;
  int ss = 0, rs = 0, placeholder = 0;  // HGMMA with both operands from descriptors / A from registers / deleted group
};

template <typename T>
T rd(const std::vector<char>& d, size_t off) {
  T v{};
  if (off + sizeof(T) <= d.size()) std::memcpy(&v, d.data() + off, sizeof(T));
  return v;
}

// Every CUDA ELF (e_machine 190) embedded in `d`: its .text.<kernel> sections' HGMMA census. The first 64-bit
// word of a 128-bit sm_90 instruction: low 16 bits 0x79f0 = HGMMA with A from a descriptor, 0x7df0 = A from
// registers; 0x000000003fff79f0 = HGMMA.64x8x16.F16 RZ, gdesc[URZ], RZ, !UPT (the placeholder).
std::vector<KernelSass> census(const std::vector<char>& d) {
  std::vector<KernelSass> out;
  for (size_t base = 0; base + 64 <= d.size(); ++base) {
    if (std::memcmp(d.data() + base, "\x7f" "ELF", 4) != 0 || rd<uint16_t>(d, base + 18) != 190) continue;
    const auto shoff = rd<uint64_t>(d, base + 0x28);
    const auto shentsize = rd<uint16_t>(d, base + 0x3a), shnum = rd<uint16_t>(d, base + 0x3c), shstrndx = rd<uint16_t>(d, base + 0x3e);
    if (shentsize < 64 || shstrndx >= shnum) continue;
    auto sec = [&](int i, int field) { return rd<uint64_t>(d, base + shoff + size_t(i) * shentsize + 24 + 8 * size_t(field)); };  // 0 off, 1 size
    const size_t strtab = base + sec(shstrndx, 0);
    for (int i = 0; i < shnum; ++i) {
      const size_t name_off = strtab + rd<uint32_t>(d, base + shoff + size_t(i) * shentsize);
      if (name_off >= d.size()) continue;
      const std::string name(d.data() + name_off, strnlen(d.data() + name_off, d.size() - name_off));
      if (name.rfind(".text.", 0) != 0) continue;
      KernelSass k{name.substr(6)};
      const size_t off = base + sec(i, 0), size = sec(i, 1);
      for (size_t p = off; p + 16 <= off + size && p + 16 <= d.size(); p += 16) {
        const auto w = rd<uint64_t>(d, p);
        if (w == 0x000000003fff79f0ull) ++k.placeholder;
        else if ((w & 0xffff) == 0x79f0) ++k.ss;
        else if ((w & 0xffff) == 0x7df0) ++k.rs;
      }
      if (k.ss + k.rs + k.placeholder > 0) out.push_back(k);
    }
  }
  return out;
}

}  // namespace

TEST_CASE("the wgmma kernels' SASS keeps every wgmma group ptxas was given", "[kernels][sass]") {
  std::ifstream f(MAMBASCOPE_KERNELS_LIB, std::ios::binary);
  REQUIRE(f.good());
  const std::vector<char> lib((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  const auto kernels = census(lib);
  // None found means the encodings above no longer match this toolchain's: the check would pass vacuously.
  if (kernels.empty()) FAIL(MAMBASCOPE_KERNELS_LIB << ": no HGMMA recognised; update the encodings in " << __FILE__);
  bool ssd = false, flash = false;
  for (const KernelSass& k : kernels) {
    INFO(k.name << ": HGMMA ss " << k.ss << " rs " << k.rs << " placeholders " << k.placeholder);
    CHECK(k.placeholder == 0);
    if (k.name.find("ssd_chunk_scan_sm90") != std::string::npos) {
      // Code, not runs (the head loop is not unrolled; both consumer warpgroups run one code path): G = 5 units
      // x 8 k-steps and per head 2 tiles x 8 of C S_prev^T, descriptors only (7 x 8); the decayed G blocks (6
      // units of code x 2 halves x 2) and the producer's s_c (2 x 16) take A from registers.
      ssd = true;
      CHECK(k.ss == 56);
      CHECK(k.rs == 56);
    }
    if (k.name.find("flash_attention_sm90") != std::string::npos) flash = true;
  }
  CHECK(ssd);
  CHECK(flash);
}
#endif
