#pragma once
// Logits -> next token per row, on the device the logits live on: repetition penalty, temperature (0 =
// greedy), top-k, top-p, then a Gumbel-max draw keyed by (seed, step, row, token). The CPU twin
// (cpu/sampling.h, the specification) returns the same token for the same seed and step.
//   logits [B, V] f32 or bf16 (row stride free); prev_tokens i32 [B, n] (negative = empty slot) or undefined;
//   out i32 [B]. `step` (or step_dev, an i32 scalar on the device read at run time, for CUDA graphs) makes
//   each decode step draw fresh noise.
#include "engine/core/arena.h"
#include "engine/core/tensor.h"
#include "engine/ops/cpu/sampling.h"

namespace mambascope::ops {

using SamplingConfig = cpu::SamplingConfig;

void sample(const Tensor& logits, const Tensor& prev_tokens, Tensor& out, const SamplingConfig& cfg, uint64_t step,
            Arena* arena = nullptr, const Tensor& step_dev = {});

}  // namespace mambascope::ops
