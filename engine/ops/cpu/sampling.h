#pragma once
// CPU reference of the sampler (the specification of kernels/sampling.cu), one row of logits at a time:
//   1. repetition penalty on every distinct token in `prev` (negative entries ignored), HF's rule;
//   2. temperature <= 0: greedy argmax (lowest index wins ties); else y = logit / temperature;
//   3. top-k (k > 0): keep y >= the k-th largest y (ties at the threshold all kept, as HF);
//   4. top-p (< 1): weights w = floor(e^(y - max) 2^32) (exact u64 sums); keep the largest values while the
//      weight strictly above them is < max(floor(top_p * W), 1), W the kept total (ties kept together);
//   5. return argmax over kept tokens of y + Gumbel(seed, step, row, token) (lowest index wins ties).
// All float steps use kernels/sampling_math.h, so the CUDA kernel returns the same token for the same seed.
#include <cstdint>

namespace mambascope::cpu {

struct SamplingConfig {
  float temperature = 0.f;  // <= 0: greedy
  int top_k = 0;            // 0: off
  float top_p = 1.f;        // >= 1: off
  float repetition_penalty = 1.f;
  uint64_t seed = 0;
};

int32_t sample_row(const float* logits, int64_t vocab, const int32_t* prev, int64_t n_prev, const SamplingConfig& c,
                   uint64_t step, uint64_t row);

}  // namespace mambascope::cpu
