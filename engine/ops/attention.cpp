#include "engine/ops/attention.h"

#include <cmath>

#include "engine/core/cuda.h"
#include "engine/ops/common.h"
#include "engine/ops/cpu/attention.h"
#include "engine/profile/scope.h"

#if MAMBASCOPE_HAVE_CUDA
#include "engine/core/cuda_check.h"
#include "kernels/kernels.h"
#endif

namespace mambascope::ops {

namespace {

#if MAMBASCOPE_HAVE_CUDA
int sm_count() {
  static const int n = cuda_devices().at(0).sm_count;
  return n;
}
#endif

void expect_last_dense(const Tensor& t, const char* op, const char* arg) {
  if (t.stride(-1) != 1) throw Error("last dimension must be dense (" + t.describe() + ")", op, arg, "call contiguous() first");
}

// CPU path: gathers the (possibly strided) tensors into dense f32 arrays and runs the reference.
void attention_cpu(const Tensor& q, const Tensor& k, const Tensor& v, Tensor& o, const cpu::AttentionDims& d,
                   float scale, bool causal) {
  const std::vector<float> qf = read_f32(q), kf = read_f32(k), vf = read_f32(v);
  std::vector<float> of(qf.size(), 0.f);
  cpu::attention(d, qf.data(), kf.data(), vf.data(), of.data(), scale, causal);
  write_f32(o, of);
}

}  // namespace

void attention_prefill(const Tensor& q, const Tensor& k, const Tensor& v, Tensor& o, const AttentionOptions& opt) {
  constexpr const char* op = "attention_prefill";
  ScopedOp scope(op);
  expect_rank(q, 4, op, "q");
  expect_float(q, op, "q");
  const int64_t B = q.dim(0), Lq = q.dim(1), Hq = q.dim(2), D = q.dim(3);
  expect_rank(k, 4, op, "k");
  const int64_t Lk = k.dim(1), Hkv = k.dim(2);
  expect_shape(k, {B, Lk, Hkv, D}, op, "k");
  expect_shape(v, {B, Lk, Hkv, D}, op, "v");
  expect_shape(o, {B, Lq, Hq, D}, op, "o");
  if (Hkv == 0 || Hq % Hkv != 0)
    throw Error("query heads (" + std::to_string(Hq) + ") must be a multiple of kv heads (" + std::to_string(Hkv) + ")", op, "k");
  for (const Tensor* t : {&k, &v, static_cast<const Tensor*>(&o)}) expect_device(*t, q.device(), op, "k/v/o");
  const float scale = opt.scale > 0.f ? opt.scale : 1.f / std::sqrt(static_cast<float>(D));
  if (B * Lq * Hq == 0) return;

  if (q.device() == Device::Cpu) {
    attention_cpu(q, k, v, o, {static_cast<int>(B), static_cast<int>(Hq), static_cast<int>(Hkv), static_cast<int>(D), Lq, Lk},
                  scale, opt.causal);
    return;
  }
#if MAMBASCOPE_HAVE_CUDA
  for (const Tensor* t : {&q, &k, &v, static_cast<const Tensor*>(&o)}) {
    expect_dtype(*t, DType::BF16, op, "q/k/v/o");
    expect_last_dense(*t, op, "q/k/v/o");
  }
  kernels::AttentionArgs a;
  a.batch = static_cast<int>(B);
  a.heads_q = static_cast<int>(Hq);
  a.heads_kv = static_cast<int>(Hkv);
  a.head_dim = static_cast<int>(D);
  a.len_q = Lq;
  a.len_kv = Lk;
  a.q = q.data();
  a.q_batch_stride = q.stride(0), a.q_row_stride = q.stride(1), a.q_head_stride = q.stride(2);
  a.k = k.data();
  a.k_batch_stride = k.stride(0), a.k_row_stride = k.stride(1), a.k_head_stride = k.stride(2);
  a.v = v.data();
  a.v_batch_stride = v.stride(0), a.v_row_stride = v.stride(1), a.v_head_stride = v.stride(2);
  a.o = o.data();
  a.o_batch_stride = o.stride(0), a.o_row_stride = o.stride(1), a.o_head_stride = o.stride(2);
  a.scale = scale;
  a.causal = opt.causal;
  a.kernel = opt.kernel == AttentionKernel::Mma     ? kernels::AttentionKernel::Mma
             : opt.kernel == AttentionKernel::Wgmma ? kernels::AttentionKernel::Wgmma
                                                    : kernels::AttentionKernel::Auto;
  if (!kernels::attention_prefill_supported(a, a.kernel))
    throw Error("no attention kernel for head_dim " + std::to_string(D) + " with these strides (" + q.describe() + ")", op, "q",
                "head_dim must be a multiple of 8 and <= 128 (the wgmma kernel: 128), strides multiples of 8 elements");
  MS_CUDA_CHECK(kernels::attention_prefill(a, gpu_context().stream));
#else
  require_cuda(op);
#endif
}

void attention_decode(const Tensor& q, const Tensor& k_cache, const Tensor& v_cache, Tensor& o, int64_t kv_len,
                      const DecodeOptions& opt, const Tensor& kv_len_dev) {
  constexpr const char* op = "attention_decode";
  ScopedOp scope(op);
  expect_rank(q, 3, op, "q");
  expect_float(q, op, "q");
  const int64_t B = q.dim(0), Hq = q.dim(1), D = q.dim(2);
  expect_rank(k_cache, 4, op, "k_cache");
  const int64_t cap = k_cache.dim(1), Hkv = k_cache.dim(2);
  expect_shape(k_cache, {B, cap, Hkv, D}, op, "k_cache");
  expect_shape(v_cache, {B, cap, Hkv, D}, op, "v_cache");
  expect_shape(o, {B, Hq, D}, op, "o");
  if (Hkv == 0 || Hq % Hkv != 0) throw Error("query heads must be a multiple of kv heads", op, "k_cache");
  for (const Tensor* t : {&k_cache, &v_cache, static_cast<const Tensor*>(&o)}) expect_device(*t, q.device(), op, "k_cache/v_cache/o");
  if (kv_len_dev.defined()) {
    expect_shape(kv_len_dev, {1}, op, "kv_len_dev");
    expect_dtype(kv_len_dev, DType::I32, op, "kv_len_dev");
    expect_device(kv_len_dev, q.device(), op, "kv_len_dev");
  } else if (kv_len < 1 || kv_len > cap) {
    throw Error("kv_len " + std::to_string(kv_len) + " outside [1, " + std::to_string(cap) + "]", op, "kv_len",
                "the cache holds `capacity` rows; allocate a larger cache");
  }
  const float scale = opt.scale > 0.f ? opt.scale : 1.f / std::sqrt(static_cast<float>(D));
  if (B * Hq == 0) return;

  if (q.device() == Device::Cpu) {
    if (kv_len_dev.defined()) kv_len = kv_len_dev.data_as<int32_t>()[0];
    if (kv_len < 1 || kv_len > cap) throw Error("kv_len outside the cache", op, "kv_len_dev");
    const Tensor kq = q.unsqueeze(1);  // [B, 1, Hq, D]
    Tensor oq = o.unsqueeze(1);
    attention_cpu(kq, k_cache.slice(1, 0, kv_len), v_cache.slice(1, 0, kv_len), oq,
                  {static_cast<int>(B), static_cast<int>(Hq), static_cast<int>(Hkv), static_cast<int>(D), 1, kv_len}, scale, false);
    return;
  }
#if MAMBASCOPE_HAVE_CUDA
  for (const Tensor* t : {&q, &k_cache, &v_cache, static_cast<const Tensor*>(&o)}) {
    expect_dtype(*t, DType::BF16, op, "q/k_cache/v_cache/o");
    expect_last_dense(*t, op, "q/k_cache/v_cache/o");
  }
  if (D != 64 && D != 128) throw Error("decode supports head_dim 64 and 128 (got " + std::to_string(D) + ")", op, "q");
  kernels::DecodeArgs a;
  a.batch = static_cast<int>(B);
  a.heads_q = static_cast<int>(Hq);
  a.heads_kv = static_cast<int>(Hkv);
  a.head_dim = static_cast<int>(D);
  a.q = q.data();
  a.q_batch_stride = q.stride(0), a.q_head_stride = q.stride(1);
  a.k = k_cache.data();
  a.k_batch_stride = k_cache.stride(0), a.k_row_stride = k_cache.stride(1), a.k_head_stride = k_cache.stride(2);
  a.v = v_cache.data();
  a.v_batch_stride = v_cache.stride(0), a.v_row_stride = v_cache.stride(1), a.v_head_stride = v_cache.stride(2);
  a.o = o.data();
  a.o_batch_stride = o.stride(0), a.o_head_stride = o.stride(1);
  a.kv_len = kv_len;
  a.kv_len_dev = kv_len_dev.defined() ? kv_len_dev.data_as<int32_t>() : nullptr;
  a.num_splits = opt.num_splits > 0 ? opt.num_splits
                                    : kernels::attention_decode_splits(a.batch, a.heads_kv, cap, sm_count());
  a.scale = scale;
  const size_t nfloat = kernels::attention_decode_partial_floats(a.batch, a.heads_q, a.head_dim, a.num_splits);
  Tensor partial = scratch(opt.arena, {static_cast<int64_t>(nfloat)}, DType::F32, Device::Cuda);
  a.partial = partial.data_as<float>();
  MS_CUDA_CHECK(kernels::attention_decode(a, gpu_context().stream));
#else
  require_cuda(op);
#endif
}

}  // namespace mambascope::ops
