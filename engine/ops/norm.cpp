#include "engine/ops/norm.h"

#include "engine/core/cuda.h"
#include "engine/ops/common.h"
#include "engine/ops/cpu/norm.h"
#include "engine/profile/scope.h"

#if MAMBASCOPE_HAVE_CUDA
#include "engine/core/cuda_check.h"
#include "kernels/kernels.h"
#endif

namespace mambascope::ops {

namespace {

float round_to_f32(float v) { return v; }
float round_to_bf16(float v) { return round_bf16(v); }

void norm_impl(const char* op, bool layer, const Tensor& x, Tensor* residual, bool first, const Tensor& weight,
               const Tensor& bias, Tensor& y, float eps) {
  ScopedOp scope(op);
  expect_float(x, op, "x");
  if (x.rank() < 1) throw Error("x must have at least one dimension", op, "x");
  const int64_t D = x.dim(-1);
  expect_shape(weight, {D}, op, "weight");
  if (bias.defined()) expect_shape(bias, {D}, op, "bias");
  expect_shape(y, x.shape(), op, "y");
  if (residual) expect_shape(*residual, x.shape(), op, "residual");
  expect_device(weight, x.device(), op, "weight");
  expect_device(y, x.device(), op, "y");
  if (bias.defined()) expect_device(bias, x.device(), op, "bias");
  if (residual) expect_device(*residual, x.device(), op, "residual");
  if (!(eps > 0.f)) throw Error("eps must be positive", op, "eps", "use the config's rms_norm_eps / layer_norm_eps");
  const int64_t rows = D > 0 ? x.numel() / D : 0;
  if (rows == 0) return;

  if (x.device() == Device::Cpu) {
    const std::vector<float> xf = read_f32(x), wf = read_f32(weight);
    std::vector<float> bf, rf;
    if (bias.defined()) bf = read_f32(bias);
    if (residual) rf = read_f32(*residual);
    std::vector<float> yf(xf.size());
    cpu::norm_rows(layer, rows, D, xf.data(), wf.data(), bias.defined() ? bf.data() : nullptr, yf.data(), eps,
                   residual ? rf.data() : nullptr, first,
                   residual && residual->dtype() == DType::BF16 ? round_to_bf16 : round_to_f32);
    if (residual) write_f32(*residual, rf);
    write_f32(y, yf);
    return;
  }
#if MAMBASCOPE_HAVE_CUDA
  expect_dtype(x, DType::BF16, op, "x");
  expect_dtype(weight, DType::BF16, op, "weight");
  if (bias.defined()) expect_dtype(bias, DType::BF16, op, "bias");
  if (y.dtype() != DType::BF16 && y.dtype() != DType::F32) throw Error("y must be bf16 or f32 on CUDA", op, "y");
  expect_row_major(x, op, "x");
  expect_row_major(y, op, "y");
  expect_contiguous(weight, op, "weight");
  if (bias.defined()) expect_contiguous(bias, op, "bias");
  kernels::NormArgs a;
  a.type = layer ? kernels::NormType::Layer : kernels::NormType::Rms;
  a.rows = rows;
  a.dim = D;
  a.x = x.data();
  a.ldx = x.rank() >= 2 ? x.stride(-2) : D;
  a.weight = weight.data();
  a.bias = bias.defined() ? bias.data() : nullptr;
  a.y = y.data();
  a.ldy = y.rank() >= 2 ? y.stride(-2) : D;
  a.y_f32 = y.dtype() == DType::F32;
  if (residual) {
    if (residual->dtype() != DType::BF16 && residual->dtype() != DType::F32)
      throw Error("residual must be f32 or bf16 on CUDA", op, "residual");
    expect_row_major(*residual, op, "residual");
    a.residual = residual->data();
    a.ldr = residual->rank() >= 2 ? residual->stride(-2) : D;
    a.residual_f32 = residual->dtype() == DType::F32;
    a.residual_init = first;
  }
  a.eps = eps;
  MS_CUDA_CHECK(kernels::norm(a, gpu_context().stream));
#else
  require_cuda(op);
#endif
}

}  // namespace

void rms_norm(const Tensor& x, const Tensor& weight, Tensor& y, float eps) {
  norm_impl("rms_norm", false, x, nullptr, false, weight, Tensor(), y, eps);
}

void layer_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, Tensor& y, float eps) {
  norm_impl("layer_norm", true, x, nullptr, false, weight, bias, y, eps);
}

void add_rms_norm(const Tensor& x, Tensor& residual, const Tensor& weight, Tensor& y, float eps, bool first) {
  norm_impl("add_rms_norm", false, x, &residual, first, weight, Tensor(), y, eps);
}

void add_layer_norm(const Tensor& x, Tensor& residual, const Tensor& weight, const Tensor& bias, Tensor& y, float eps,
                    bool first) {
  norm_impl("add_layer_norm", true, x, &residual, first, weight, bias, y, eps);
}

}  // namespace mambascope::ops
