#include "engine/ops/linear.h"

#include "engine/core/cuda.h"
#include "engine/ops/activation.h"
#include "engine/ops/common.h"
#include "engine/ops/cpu/activation.h"
#include "engine/ops/cpu/gemm.h"
#include "engine/profile/scope.h"

#if MAMBASCOPE_HAVE_CUDA
#include "engine/core/cuda_check.h"
#include "kernels/kernels.h"
#endif

namespace mambascope::ops {

void linear(const Tensor& x, const Tensor& w, const Tensor& bias, Tensor& y, float beta, LinearAct act) {
  ScopedOp scope("gemm");
  constexpr const char* op = "linear";
  expect_float(x, op, "x");
  expect_rank(w, 2, op, "w");
  expect_float(w, op, "w");
  expect_float(y, op, "y");
  const int64_t K = w.dim(1), N = w.dim(0);
  if (x.dim(-1) != K) throw Error("x " + x.describe() + " has last dimension != w's " + std::to_string(K), op, "x");
  Shape yshape = x.shape();
  yshape.back() = N;
  expect_shape(y, yshape, op, "y");
  if (bias.defined()) expect_shape(bias, {N}, op, "bias");
  const int64_t M = x.numel() / K;
  expect_device(w, x.device(), op, "w");
  expect_device(y, x.device(), op, "y");
  if (bias.defined()) expect_device(bias, x.device(), op, "bias");
  if (act != LinearAct::None && beta != 0.f) throw Error("an activation with beta != 0 is not supported", op, "beta");

  if (x.device() == Device::Cpu) {
    const std::vector<float> xf = read_f32(x), wf = read_f32(w);
    std::vector<float> bf;
    if (bias.defined()) bf = read_f32(bias);
    std::vector<float> yf = beta != 0.f ? read_f32(y) : std::vector<float>(static_cast<size_t>(M * N), 0.f);
    cpu::gemm_f32(M, N, K, xf.data(), K, wf.data(), K, yf.data(), N, bias.defined() ? bf.data() : nullptr, 1.f, beta);
    if (act != LinearAct::None) {
      const cpu::Activation a = act == LinearAct::GeluTanh ? cpu::Activation::GeluTanh
                                : act == LinearAct::GeluErf ? cpu::Activation::GeluErf
                                                            : cpu::Activation::Silu;
      for (float& v : yf) v = cpu::activate(a, v);
    }
    write_f32(y, yf);
    return;
  }
#if MAMBASCOPE_HAVE_CUDA
  expect_dtype(x, DType::BF16, op, "x");
  expect_dtype(w, DType::BF16, op, "w");
  if (y.dtype() != DType::BF16 && y.dtype() != DType::F32) throw Error("y must be bf16 or f32 on CUDA", op, "y");
  if (bias.defined()) expect_dtype(bias, y.dtype(), op, "bias");
  expect_row_major(x, op, "x");
  expect_row_major(w, op, "w");
  expect_row_major(y, op, "y");
  kernels::GemmArgs a;
  a.m = M;
  a.n = N;
  a.k = K;
  a.x = x.data();
  a.ldx = x.rank() >= 2 ? x.stride(-2) : K;
  a.w = w.data();
  a.ldw = w.stride(0);
  a.y = y.data();
  a.ldy = y.rank() >= 2 ? y.stride(-2) : N;
  a.y_f32 = y.dtype() == DType::F32;
  a.bias = bias.defined() ? bias.data() : nullptr;
  a.epilogue = act == LinearAct::GeluTanh ? (bias.defined() ? kernels::GemmEpilogue::BiasGeluTanh : kernels::GemmEpilogue::GeluTanh)
                                          : (bias.defined() ? kernels::GemmEpilogue::Bias : kernels::GemmEpilogue::None);
  a.beta = beta;
  const bool elementwise = act == LinearAct::GeluErf || act == LinearAct::Silu;
  if (elementwise && y.dtype() != DType::BF16) throw Error("exact GELU / SiLU outputs must be bf16 on CUDA", op, "y");
  GpuContext& g = gpu_context();
  MS_CUDA_CHECK(kernels::gemm_bf16(g.lt, a, g.lt_workspace, g.lt_workspace_bytes, g.stream));
  if (elementwise)
    activation(y, y, act == LinearAct::GeluErf ? Activation::GeluErf : Activation::Silu);
#else
  require_cuda(op);
#endif
}

}  // namespace mambascope::ops
