#include "engine/ops/sampling.h"

#include "engine/core/cuda.h"
#include "engine/ops/common.h"
#include "engine/profile/scope.h"

#if MAMBASCOPE_HAVE_CUDA
#include "engine/core/cuda_check.h"
#include "kernels/kernels.h"
#endif

namespace mambascope::ops {

void sample(const Tensor& logits, const Tensor& prev_tokens, Tensor& out, const SamplingConfig& cfg, uint64_t step,
            Arena* arena, const Tensor& step_dev) {
  constexpr const char* op = "sample";
  ScopedOp scope(op);
  expect_rank(logits, 2, op, "logits");
  expect_float(logits, op, "logits");
  const int64_t B = logits.dim(0), V = logits.dim(1);
  expect_shape(out, {B}, op, "out");
  expect_dtype(out, DType::I32, op, "out");
  expect_device(out, logits.device(), op, "out");
  if (prev_tokens.defined()) {
    expect_rank(prev_tokens, 2, op, "prev_tokens");
    expect_shape(prev_tokens, {B, -1}, op, "prev_tokens");
    expect_dtype(prev_tokens, DType::I32, op, "prev_tokens");
    expect_device(prev_tokens, logits.device(), op, "prev_tokens");
  }
  if (step_dev.defined()) {
    expect_shape(step_dev, {1}, op, "step_dev");
    expect_dtype(step_dev, DType::I32, op, "step_dev");
    expect_device(step_dev, logits.device(), op, "step_dev");
  }
  if (cfg.top_k < 0) throw Error("top_k must be >= 0", op, "top_k");
  if (!(cfg.repetition_penalty > 0.f)) throw Error("repetition_penalty must be positive", op, "repetition_penalty");
  if (B == 0) return;
  if (V == 0) throw Error("empty vocabulary", op, "logits");

  if (logits.device() == Device::Cpu) {
    if (step_dev.defined()) step = static_cast<uint64_t>(step_dev.data_as<int32_t>()[0]);
    const std::vector<float> lf = read_f32(logits);
    Tensor prev = prev_tokens.defined() ? prev_tokens.contiguous() : Tensor();
    const int64_t n_prev = prev.defined() ? prev.dim(1) : 0;
    int32_t* o = out.data_as<int32_t>();
    for (int64_t b = 0; b < B; ++b)
      o[b * out.stride(0)] = cpu::sample_row(lf.data() + b * V, V, prev.defined() ? prev.data_as<int32_t>() + b * n_prev : nullptr,
                                             n_prev, cfg, step, static_cast<uint64_t>(b));
    return;
  }
#if MAMBASCOPE_HAVE_CUDA
  if (logits.dtype() != DType::F32 && logits.dtype() != DType::BF16) throw Error("logits must be f32 or bf16 on CUDA", op, "logits");
  if (logits.stride(1) != 1) throw Error("logits rows must be dense", op, "logits");
  expect_contiguous(out, op, "out");
  if (prev_tokens.defined() && prev_tokens.stride(1) != 1) throw Error("prev_tokens rows must be dense", op, "prev_tokens");
  Tensor work = scratch(arena, {B, V}, DType::F32, Device::Cuda);
  kernels::SamplingArgs a;
  a.batch = static_cast<int>(B);
  a.vocab = V;
  a.logits = logits.data();
  a.ld = logits.stride(0);
  a.logits_f32 = logits.dtype() == DType::F32;
  if (prev_tokens.defined()) {
    a.prev_tokens = prev_tokens.data_as<int32_t>();
    a.n_prev = prev_tokens.dim(1);
    a.ld_prev = prev_tokens.stride(0);
  }
  a.temperature = cfg.temperature;
  a.top_k = cfg.top_k;
  a.top_p = cfg.top_p;
  a.repetition_penalty = cfg.repetition_penalty;
  a.seed = cfg.seed;
  a.step = step;
  a.step_dev = step_dev.defined() ? step_dev.data_as<int32_t>() : nullptr;
  a.work = work.data_as<float>();
  a.out = out.data_as<int32_t>();
  MS_CUDA_CHECK(kernels::sample(a, gpu_context().stream));
#else
  require_cuda(op);
#endif
}

}  // namespace mambascope::ops
