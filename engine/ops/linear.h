#pragma once
// linear: y = x * w^T (+ bias) (+ beta * y), PyTorch's nn.Linear convention.
//   x [..., K] float, w [N, K], bias [N] or undefined, y [..., N] preallocated on the same device.
// CPU: any float dtypes, f32 accumulation. CUDA: x, w bf16; y (and bias) bf16 or f32; cuBLASLt.
// Activations on the output (y = act(x w^T + bias)):
//   GeluTanh: cuBLASLt's GELU epilogue, which is the tanh approximation (SigLIP's gelu_pytorch_tanh).
//   GeluErf:  exact GELU (torch nn.GELU(): ML-Mamba's projector, DINOv2's MLP); cuBLASLt has no such epilogue,
//             so the GEMM (with its bias epilogue) is followed by one in-place elementwise pass (bf16 y).
//   Silu:     likewise (a plain SiLU MLP; SwiGLU MLPs use gated_activation on a fused gate|up projection).
#include "engine/core/tensor.h"

namespace mambascope::ops {

enum class LinearAct { None, GeluTanh, GeluErf, Silu };

void linear(const Tensor& x, const Tensor& w, const Tensor& bias, Tensor& y, float beta = 0.f,
            LinearAct act = LinearAct::None);

}  // namespace mambascope::ops
