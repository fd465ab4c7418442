#pragma once
// Attention: flash-attention prefill and split-K decode against a contiguous KV cache.
//   prefill: q [B, Lq, Hq, D], k/v [B, Lk, Hkv, D], o [B, Lq, Hq, D]; Hq a multiple of Hkv (GQA);
//            causal masks bottom-right aligned (query i sees keys j <= i + Lk - Lq), so Lq < Lk serves a chunk
//            of new tokens after a cached prefix; non-causal serves ViT encoders.
//   decode:  q [B, Hq, D] (one token), caches [B, capacity, Hkv, D] holding kv_len valid rows, o [B, Hq, D].
// CPU: any float dtypes (f32 math, cpu/attention.h is the specification). CUDA: bf16; last dim dense, other
// strides free (q/k/v may be views into a fused QKV projection). Head dims: prefill 64, 72, 128 (others up to
// 128 that are multiples of 8 through the padded mma kernel); decode 64 and 128.
#include "engine/core/arena.h"
#include "engine/core/tensor.h"

namespace mambascope::ops {

// Auto: the wgmma kernel for head_dim 128 on Hopper, else the mma.sync kernel; the others force one (tests, bench).
enum class AttentionKernel { Auto, Mma, Wgmma };

struct AttentionOptions {
  bool causal = true;
  float scale = 0.f;  // 0: 1/sqrt(head_dim)
  AttentionKernel kernel = AttentionKernel::Auto;
};

void attention_prefill(const Tensor& q, const Tensor& k, const Tensor& v, Tensor& o, const AttentionOptions& opt = {});

struct DecodeOptions {
  float scale = 0.f;   // 0: 1/sqrt(head_dim)
  int num_splits = 0;  // 0: chosen from the cache capacity and the GPU's SM count (fixed per capture)
  Arena* arena = nullptr;  // scratch for the split partials (required inside CUDA-graph capture)
};

// kv_len: valid cache rows. kv_len_dev (an i32 scalar on the device), when given, is read at run time instead
// (one captured CUDA graph serves every decode step); its value must stay within [1, capacity].
void attention_decode(const Tensor& q, const Tensor& k_cache, const Tensor& v_cache, Tensor& o, int64_t kv_len,
                      const DecodeOptions& opt = {}, const Tensor& kv_len_dev = {});

}  // namespace mambascope::ops
