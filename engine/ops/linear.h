#pragma once
// linear: y = x * w^T (+ bias) (+ beta * y), PyTorch's nn.Linear convention.
//   x [..., K] float, w [N, K], bias [N] or undefined, y [..., N] preallocated on the same device.
// CPU: any float dtypes, f32 accumulation. CUDA: x, w bf16; y (and bias) bf16 or f32; cuBLASLt.
#include "engine/core/tensor.h"

namespace mambascope::ops {

enum class LinearAct { None, GeluTanh };

void linear(const Tensor& x, const Tensor& w, const Tensor& bias, Tensor& y, float beta = 0.f,
            LinearAct act = LinearAct::None);

}  // namespace mambascope::ops
