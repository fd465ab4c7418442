#include "engine/ops/activation.h"

#include "engine/core/cuda.h"
#include "engine/ops/common.h"
#include "engine/profile/scope.h"

#if MAMBASCOPE_HAVE_CUDA
#include "engine/core/cuda_check.h"
#include "kernels/kernels.h"
#endif

namespace mambascope::ops {

namespace {
int64_t row_stride(const Tensor& t) { return t.rank() >= 2 ? t.stride(-2) : t.dim(-1); }
}  // namespace

void activation(const Tensor& x, Tensor& y, Activation act, const Tensor& bias) {
  constexpr const char* op = "activation";
  ScopedOp scope(op);
  expect_float(x, op, "x");
  if (x.rank() < 1) throw Error("x must have at least one dimension", op, "x");
  const int64_t N = x.dim(-1), rows = N > 0 ? x.numel() / N : 0;
  expect_shape(y, x.shape(), op, "y");
  expect_device(y, x.device(), op, "y");
  if (bias.defined()) {
    expect_shape(bias, {N}, op, "bias");
    expect_device(bias, x.device(), op, "bias");
  }
  if (rows == 0) return;
  if (x.device() == Device::Cpu) {
    std::vector<float> v = read_f32(x), b;
    if (bias.defined()) b = read_f32(bias);
    for (int64_t i = 0; i < static_cast<int64_t>(v.size()); ++i)
      v[i] = cpu::activate(act, v[i] + (b.empty() ? 0.f : b[i % N]));
    write_f32(y, v);
    return;
  }
#if MAMBASCOPE_HAVE_CUDA
  expect_dtype(x, DType::BF16, op, "x");
  expect_dtype(y, DType::BF16, op, "y");
  expect_row_major(x, op, "x");
  expect_row_major(y, op, "y");
  if (bias.defined()) {
    expect_dtype(bias, DType::BF16, op, "bias");
    expect_contiguous(bias, op, "bias");
  }
  MS_CUDA_CHECK(kernels::activation(static_cast<kernels::Activation>(static_cast<int>(act)), rows, N, x.data(), row_stride(x),
                                    bias.defined() ? bias.data() : nullptr, y.data(), row_stride(y), gpu_context().stream));
#else
  require_cuda(op);
#endif
}

void gated_activation(const Tensor& gate, const Tensor& up, Tensor& y, Activation act) {
  constexpr const char* op = "gated_activation";
  ScopedOp scope(op);
  expect_float(gate, op, "gate");
  if (gate.rank() < 1) throw Error("gate must have at least one dimension", op, "gate");
  const int64_t N = gate.dim(-1), rows = N > 0 ? gate.numel() / N : 0;
  expect_shape(up, gate.shape(), op, "up");
  expect_shape(y, gate.shape(), op, "y");
  expect_device(up, gate.device(), op, "up");
  expect_device(y, gate.device(), op, "y");
  if (rows == 0) return;
  if (gate.device() == Device::Cpu) {
    const std::vector<float> g = read_f32(gate), u = read_f32(up);
    std::vector<float> v(g.size());
    for (size_t i = 0; i < v.size(); ++i) v[i] = cpu::activate(act, g[i]) * u[i];
    write_f32(y, v);
    return;
  }
#if MAMBASCOPE_HAVE_CUDA
  for (const Tensor* t : {&gate, &up, static_cast<const Tensor*>(&y)}) {
    expect_dtype(*t, DType::BF16, op, "gate/up/y");
    expect_row_major(*t, op, "gate/up/y");
  }
  MS_CUDA_CHECK(kernels::gated_activation(static_cast<kernels::Activation>(static_cast<int>(act)), rows, N, gate.data(),
                                          row_stride(gate), up.data(), row_stride(up), y.data(), row_stride(y),
                                          gpu_context().stream));
#else
  require_cuda(op);
#endif
}

}  // namespace mambascope::ops
