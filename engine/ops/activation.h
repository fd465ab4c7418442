#pragma once
// Elementwise MLP activations (see cpu/activation.h for the formulas and which model uses which).
//   activation:       y = act(x + bias)      x, y [..., N]; bias [N] or undefined; y may be x
//   gated_activation: y = act(gate) * up     gate, up, y [..., N]: SwiGLU (Silu, InternLM2/LLaMA MLPs), GeGLU
// gate and up may be the two halves of one fused projection's output (column slices, row-strided).
// CPU: any float dtypes. CUDA: bf16, f32 math, rows evenly strided with a dense last dimension.
// GELU through cuBLASLt's epilogue (linear(..., LinearAct::GeluTanh)) is the tanh form only; models with
// exact GELU (ML-Mamba's projector, DINOv2) use linear with bias, then activation(GeluErf) in place.
#include "engine/core/tensor.h"
#include "engine/ops/cpu/activation.h"

namespace mambascope::ops {

using Activation = cpu::Activation;

void activation(const Tensor& x, Tensor& y, Activation act, const Tensor& bias = {});
void gated_activation(const Tensor& gate, const Tensor& up, Tensor& y, Activation act = Activation::Silu);

}  // namespace mambascope::ops
