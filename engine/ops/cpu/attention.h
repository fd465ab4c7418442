#pragma once
// CPU reference attention (the specification of kernels/flash_attention*.cu and attention_decode.cu):
// per query row, scores against keys in tiles of 64 with an online softmax (running max and sum, the
// accumulator rescaled when the max grows), all in f32. Dense row-major arrays:
//   q [batch, len_q, heads_q, head_dim], k/v [batch, len_kv, heads_kv, head_dim], o like q.
// Query head h reads kv head h / (heads_q / heads_kv). With `causal`, query i sees keys j <= i + len_kv - len_q;
// a query with no visible key gets zeros.
#include <cstdint>

namespace mambascope::cpu {

struct AttentionDims {
  int batch = 1, heads_q = 1, heads_kv = 1, head_dim = 1;
  int64_t len_q = 1, len_kv = 1;
};

// Computes the query rows i with i % row_step == 0 and the last row (row_step > 1 samples long sequences
// for tests); rows not computed are left as they are.
void attention(const AttentionDims& d, const float* q, const float* k, const float* v, float* o, float scale,
               bool causal, int64_t row_step = 1);

}  // namespace mambascope::cpu
