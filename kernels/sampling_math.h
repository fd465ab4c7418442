#pragma once
// Arithmetic that the sampler's CUDA kernel and its CPU twin share bit for bit, so that a seed picks the
// same token on either device: a counter-based RNG (splitmix64 of seed, step, row and token index) and
// exp/log built only from correctly rounded operations (explicit fma, IEEE multiply/divide, frexp/ldexp),
// which CUDA and the host's libm evaluate identically. Accuracy ~2 ulp, plenty for sampling.
#include <cmath>
#include <cstdint>
#include <cstring>

#if defined(__CUDACC__)
#define MS_HD __host__ __device__ __forceinline__
#else
#define MS_HD inline
#endif

namespace mambascope::sampling_math {

#if defined(__CUDA_ARCH__)
MS_HD float fma_(float a, float b, float c) { return __fmaf_rn(a, b, c); }
MS_HD float mul_(float a, float b) { return __fmul_rn(a, b); }
MS_HD float add_(float a, float b) { return __fadd_rn(a, b); }
MS_HD float sub_(float a, float b) { return __fsub_rn(a, b); }
MS_HD float div_(float a, float b) { return __fdiv_rn(a, b); }
MS_HD float rint_(float a) { return rintf(a); }
MS_HD float ldexp_(float a, int e) { return ldexpf(a, e); }
MS_HD float frexp_(float a, int* e) { return frexpf(a, e); }
#else
MS_HD float fma_(float a, float b, float c) { return std::fma(a, b, c); }
MS_HD float mul_(float a, float b) { return a * b; }
MS_HD float add_(float a, float b) { return a + b; }
MS_HD float sub_(float a, float b) { return a - b; }
MS_HD float div_(float a, float b) { return a / b; }
MS_HD float rint_(float a) { return std::rint(a); }
MS_HD float ldexp_(float a, int e) { return std::ldexp(a, e); }
MS_HD float frexp_(float a, int* e) { return std::frexp(a, e); }
#endif

// e^x for x <= 0 (0 below -87): x log2(e) = n + f, |f| <= 1/2, 2^f by a degree-7 polynomial in f ln 2.
MS_HD float det_exp(float x) {
  if (!(x > -87.f)) return 0.f;
  const float t = mul_(x, 1.44269504088896341f);
  const float n = rint_(t);
  const float r = mul_(sub_(t, n), 0.693147180559945309f);
  float p = 1.f / 5040.f;
  p = fma_(p, r, 1.f / 720.f);
  p = fma_(p, r, 1.f / 120.f);
  p = fma_(p, r, 1.f / 24.f);
  p = fma_(p, r, 1.f / 6.f);
  p = fma_(p, r, 0.5f);
  p = fma_(p, r, 1.f);
  p = fma_(p, r, 1.f);
  return ldexp_(p, static_cast<int>(n));
}

// ln(x) for x > 0: x = m 2^e with m in [sqrt(1/2), sqrt(2)), ln m = 2 atanh(s), s = (m - 1) / (m + 1).
MS_HD float det_log(float x) {
  int e = 0;
  float m = frexp_(x, &e);  // m in [1/2, 1)
  if (m < 0.70710678118654752f) {
    m = mul_(m, 2.f);
    e -= 1;
  }
  const float s = div_(sub_(m, 1.f), add_(m, 1.f));
  const float s2 = mul_(s, s);
  float p = 1.f / 11.f;
  p = fma_(p, s2, 1.f / 9.f);
  p = fma_(p, s2, 1.f / 7.f);
  p = fma_(p, s2, 1.f / 5.f);
  p = fma_(p, s2, 1.f / 3.f);
  p = fma_(p, s2, 1.f);
  const float lnm = mul_(mul_(2.f, s), p);
  return fma_(static_cast<float>(e), 0.693147180559945309f, lnm);
}

MS_HD uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// Uniform in (0, 1), never 0 or 1: 24 random bits, centred in their cell.
MS_HD float uniform01(uint64_t seed, uint64_t step, uint64_t row, uint64_t index) {
  uint64_t z = mix64(seed + 0x9e3779b97f4a7c15ull * (step + 1));
  z = mix64(z ^ (0xd1b54a32d192ed03ull * (row + 1)));
  z = mix64(z + 0x9e3779b97f4a7c15ull * (index + 1));
  return (static_cast<float>(z >> 40) + 0.5f) * (1.0f / 16777216.0f);
}

// Gumbel(0, 1) noise: -ln(-ln u).
MS_HD float gumbel(uint64_t seed, uint64_t step, uint64_t row, uint64_t index) {
  const float u = uniform01(seed, step, row, index);
  return -det_log(-det_log(u));
}

// Fixed-point probability weight of a value `d` = logit - max (<= 0): floor(e^d 2^32), summed exactly in u64.
MS_HD uint64_t fixed_weight(float d) { return static_cast<uint64_t>(static_cast<double>(det_exp(d)) * 4294967296.0); }

// Repetition penalty as in HF's RepetitionPenaltyLogitsProcessor: shrink positive logits, grow negative ones.
MS_HD float penalize(float v, float penalty) { return v < 0.f ? mul_(v, penalty) : div_(v, penalty); }

// Orderable key of a float: larger float -> larger unsigned key (NaN excluded by the callers).
MS_HD uint32_t order_key(float v) {
#if defined(__CUDA_ARCH__)
  const uint32_t u = __float_as_uint(v);
#else
  uint32_t u;
  std::memcpy(&u, &v, 4);
#endif
  return (u & 0x80000000u) ? ~u : (u | 0x80000000u);
}

}  // namespace mambascope::sampling_math

#undef MS_HD
