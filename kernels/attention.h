#pragma once
// The attention and transformer op family's launch functions: norms (with the pre-norm residual add),
// RoPE, flash-attention prefill, split-K decode attention, activations, embedding lookup and sampling.
// Plain pointers, element strides and a stream; each returns cudaGetLastError() after its launches.
// bf16 tensors are passed as void* (the engine has no CUDA types). Each op's CPU twin is in
// engine/ops/cpu/.
#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>

namespace mambascope::kernels {

// ---- norm.cu: RMSNorm / LayerNorm over the last dimension, optional residual add ----
// Per row: r = x, or (residual given) r = residual + x stored back into `residual` (rounded to its dtype)
// or r = x stored into `residual` when residual_init (the first block of a pre-norm stack);
// y = (r - mean) * rstd * weight + bias for LayerNorm, y = r * rstd * weight for RMSNorm; f32 math.
enum class NormType : int { Rms = 0, Layer = 1 };
struct NormArgs {
  NormType type = NormType::Rms;
  int64_t rows = 0, dim = 0;
  const void* x = nullptr;  // bf16 [rows, dim], row stride ldx
  int64_t ldx = 0;
  const void* weight = nullptr;  // bf16 [dim]
  const void* bias = nullptr;    // bf16 [dim] or null (LayerNorm only)
  void* y = nullptr;             // bf16 (or f32 when y_f32) [rows, dim], row stride ldy; may alias x
  int64_t ldy = 0;
  bool y_f32 = false;
  void* residual = nullptr;      // f32 or bf16 [rows, dim] or null
  int64_t ldr = 0;
  bool residual_f32 = false, residual_init = false;
  float eps = 1e-6f;
};
cudaError_t norm(const NormArgs& a, cudaStream_t s);

// ---- rope.cu: rotary position embedding, HF rotate_half convention, in place on q and k ----
// For token l at position p = pos_offset + l and pair i < d/2 of a head:
//   (x[i], x[i + d/2]) <- (x[i] cos - x[i + d/2] sin, x[i + d/2] cos + x[i] sin),  angle = t * inv_freq[i]
// inv_freq[i] = base^(-2i/d) (rounded to f32 from double); t = p, or p / factor for Linear scaling.
// DynamicNtk (HF's LlamaDynamicNTKScalingRotaryEmbedding): when the total length n = pos_offset + len
// exceeds max_positions, base <- base * (factor * n / max_positions - (factor - 1))^(d / (d - 2)).
enum class RopeScaling : int { None = 0, Linear = 1, DynamicNtk = 2 };
struct RopeArgs {
  int64_t batch = 0, len = 0;
  int heads_q = 0, heads_k = 0, head_dim = 0;  // head_dim even, <= 256
  void* q = nullptr;                            // bf16, last dim dense
  int64_t q_batch_stride = 0, q_row_stride = 0, q_head_stride = 0;
  void* k = nullptr;                            // bf16 or null
  int64_t k_batch_stride = 0, k_row_stride = 0, k_head_stride = 0;
  float base = 10000.f;
  RopeScaling scaling = RopeScaling::None;
  float factor = 1.f;
  int64_t max_positions = 0;
  int64_t pos_offset = 0;
  const int32_t* pos_offset_dev = nullptr;  // when set, the offset is read here at run time (CUDA graphs)
};
cudaError_t rope(const RopeArgs& a, cudaStream_t s);

// ---- flash_attention.cu (+ flash_attention_sm90.cu): prefill attention ----
// o[b, i, h, :] = sum_j softmax_j(scale * q[b, i, h, :] . k[b, j, h / (Hq/Hkv), :]) v[b, j, h / (Hq/Hkv), :]
// over keys j < len_kv, and with `causal` only j <= i + (len_kv - len_q) (bottom-right aligned, so a chunk of
// queries at the end of a longer cache works). A query with no visible key gets zeros. bf16 in and out,
// f32 accumulation and softmax; the L x L score matrix is never stored.
enum class AttentionKernel : int {
  Auto = 0,      // wgmma for head_dim 128 on sm_90, else the mma.sync kernel
  Mma = 1,       // FlashAttention-2 style mma.sync kernel, head_dim 64, 72 (padded to 80) or 128
  Wgmma = 2,     // Hopper: TMA + wgmma, warp-specialised producer, 2 consumer warpgroups (head_dim 128)
};
struct AttentionArgs {
  int batch = 0, heads_q = 0, heads_kv = 0, head_dim = 0;
  int64_t len_q = 0, len_kv = 0;
  const void* q = nullptr;  // bf16 [batch, len_q, heads_q, head_dim]: strides in elements, last dim dense
  int64_t q_batch_stride = 0, q_row_stride = 0, q_head_stride = 0;
  const void* k = nullptr;  // bf16 [batch, len_kv, heads_kv, head_dim]
  int64_t k_batch_stride = 0, k_row_stride = 0, k_head_stride = 0;
  const void* v = nullptr;  // bf16 [batch, len_kv, heads_kv, head_dim]
  int64_t v_batch_stride = 0, v_row_stride = 0, v_head_stride = 0;
  void* o = nullptr;        // bf16 [batch, len_q, heads_q, head_dim]
  int64_t o_batch_stride = 0, o_row_stride = 0, o_head_stride = 0;
  float scale = 0.f;        // softmax scale (the engine passes 1/sqrt(head_dim) by default)
  bool causal = false;
  AttentionKernel kernel = AttentionKernel::Auto;
};
// True when the kernel can run these arguments (head dims, alignment); Auto always picks one that can.
bool attention_prefill_supported(const AttentionArgs& a, AttentionKernel k);
cudaError_t attention_prefill(const AttentionArgs& a, cudaStream_t s);
cudaError_t attention_prefill_mma(const AttentionArgs& a, cudaStream_t s);
cudaError_t attention_prefill_sm90(const AttentionArgs& a, cudaStream_t s);

// ---- attention_decode.cu: one query token per sequence against a contiguous KV cache ----
// Flash-decoding: the keys [0, kv_len) are cut into `num_splits` equal chunks; one block per (split, kv
// head, batch) computes every query head of its GQA group over its chunk (partial max, sum and weighted V
// in f32 into `partial`), then a combine kernel merges the splits. kv_len is read from kv_len_dev at run
// time when that is set, so one captured CUDA graph serves every step; num_splits stays fixed per capture.
struct DecodeArgs {
  int batch = 0, heads_q = 0, heads_kv = 0, head_dim = 0;  // head_dim 64 or 128
  const void* q = nullptr;  // bf16 [batch, heads_q, head_dim]
  int64_t q_batch_stride = 0, q_head_stride = 0;
  const void* k = nullptr;  // bf16 cache [batch, capacity, heads_kv, head_dim]
  int64_t k_batch_stride = 0, k_row_stride = 0, k_head_stride = 0;
  const void* v = nullptr;
  int64_t v_batch_stride = 0, v_row_stride = 0, v_head_stride = 0;
  void* o = nullptr;        // bf16 [batch, heads_q, head_dim]
  int64_t o_batch_stride = 0, o_head_stride = 0;
  int64_t kv_len = 0;
  const int32_t* kv_len_dev = nullptr;
  int num_splits = 1;
  float* partial = nullptr;  // attention_decode_partial_floats(...) floats
  float scale = 0.f;
};
// Splits that fill the GPU for a cache of `capacity` rows (a function of the capacity only, so a graph
// captured once stays valid as the length grows).
int attention_decode_splits(int batch, int heads_kv, int64_t capacity, int sm_count);
size_t attention_decode_partial_floats(int batch, int heads_q, int head_dim, int num_splits);
cudaError_t attention_decode(const DecodeArgs& a, cudaStream_t s);

// ---- activations.cu: elementwise MLP activations, bf16 rows ----
// activation: y = act(x + bias) (bias bf16 [cols] or null). gated: y = act(gate) * up (SwiGLU with Silu).
// Silu(v) = v / (1 + e^-v); GeluErf(v) = v/2 (1 + erf(v / sqrt 2)); GeluTanh is the tanh approximation.
// x/gate/up/y may be column slices of wider rows (row strides); y may alias x.
enum class Activation : int { Silu = 0, GeluErf = 1, GeluTanh = 2 };
cudaError_t activation(Activation act, int64_t rows, int64_t cols, const void* x, int64_t ldx, const void* bias,
                       void* y, int64_t ldy, cudaStream_t s);
cudaError_t gated_activation(Activation act, int64_t rows, int64_t cols, const void* gate, int64_t ldg, const void* up,
                             int64_t ldu, void* y, int64_t ldy, cudaStream_t s);

// ---- embedding.cu: y[t, :] = table[ids[t], :]; ids outside [0, vocab) give a zero row ----
cudaError_t embedding(int64_t tokens, int64_t dim, const int32_t* ids, const void* table, int64_t vocab, void* y,
                      int64_t ldy, cudaStream_t s);

// ---- sampling.cu: logits -> one token per row, deterministic for a seed (see kernels/sampling_math.h) ----
// Per row: repetition penalty over prev_tokens (negative entries ignored), then temperature (0 = greedy
// argmax), top-k (keep values >= the k-th largest), top-p (keep the largest values while the probability mass
// strictly above them is < top_p, in 2^-32 fixed point so sums are exact), then Gumbel-max with noise
// hashed from (seed, step, row, token). One block per row.
struct SamplingArgs {
  int batch = 0;
  int64_t vocab = 0;
  const void* logits = nullptr;  // [batch, vocab] f32 or bf16, row stride ld
  int64_t ld = 0;
  bool logits_f32 = true;
  const int32_t* prev_tokens = nullptr;  // [batch, n_prev], row stride ld_prev, or null
  int64_t n_prev = 0, ld_prev = 0;
  float temperature = 0.f, top_p = 1.f, repetition_penalty = 1.f;
  int top_k = 0;
  uint64_t seed = 0, step = 0;
  const int32_t* step_dev = nullptr;  // when set, the step is read here at run time
  float* work = nullptr;              // [batch, vocab] f32 scratch
  int32_t* out = nullptr;             // [batch]
};
cudaError_t sample(const SamplingArgs& a, cudaStream_t s);

}  // namespace mambascope::kernels
