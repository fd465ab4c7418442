#pragma once
// Rotary position embedding, the HF / InternLM2 convention (rotate_half over the whole head), in place.
//   q [B, L, Hq, D], k [B, L, Hkv, D] (undefined to skip) bf16 on CUDA (any float on CPU); last dim dense,
//   D even and <= 256 (a multiple of 4 on CUDA),
//   other strides free (views into a fused QKV projection work). Positions pos_offset .. pos_offset + L - 1.
// For decode inside a CUDA graph pass `pos_offset_dev` (an i32 scalar on the device): the offset is read
// there when the kernel runs, and `pos_offset` is ignored on CUDA (the CPU path reads it from the tensor).
// The scaling types are those InternLM2's modeling code accepts ("linear", "dynamic"); see cpu/rope.h.
#include <string>

#include "engine/core/tensor.h"
#include "engine/ops/cpu/rope.h"

namespace mambascope::ops {

using RopeScaling = cpu::RopeScaling;
using RopeConfig = cpu::RopeConfig;

// Parses HF's `rope_scaling.type` ("linear", "dynamic"; "" or "none" for none). Throws Error naming `where`.
RopeScaling parse_rope_scaling(const std::string& type, const std::string& where = "config.json");

void rope(Tensor& q, Tensor& k, const RopeConfig& cfg, int64_t pos_offset, const Tensor& pos_offset_dev = {});

}  // namespace mambascope::ops
