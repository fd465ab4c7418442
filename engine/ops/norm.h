#pragma once
// RMSNorm and LayerNorm over the last dimension, and the pre-norm residual step fused with them.
//   x [..., D] float; weight [D]; bias [D] or undefined; y like x (may be x itself).
// add_*: residual [..., D] (f32, as Mamba's residual_in_fp32, or bf16) is updated in place to residual + x
// (or to x when `first`: the first block of a stack), rounded to its dtype, and y = norm(residual).
// CPU: any float dtypes. CUDA: x bf16, weight/bias bf16, y bf16 or f32, residual f32 or bf16; rows evenly
// strided with a dense last dimension.
#include "engine/core/tensor.h"

namespace mambascope::ops {

void rms_norm(const Tensor& x, const Tensor& weight, Tensor& y, float eps);
void layer_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, Tensor& y, float eps);
void add_rms_norm(const Tensor& x, Tensor& residual, const Tensor& weight, Tensor& y, float eps, bool first = false);
void add_layer_norm(const Tensor& x, Tensor& residual, const Tensor& weight, const Tensor& bias, Tensor& y, float eps,
                    bool first = false);

}  // namespace mambascope::ops
