#include "engine/ops/mamba2.h"

#include <cstdint>
#include <string>
#include <vector>

#include "engine/core/cuda.h"
#include "engine/ops/common.h"
#include "engine/ops/cpu/mamba2.h"
#include "engine/ops/cpu/ssd.h"
#include "engine/profile/scope.h"

#if MAMBASCOPE_HAVE_CUDA
#include "engine/core/cuda_check.h"
#include "kernels/kernels.h"
#endif

namespace mambascope::ops {

size_t ssd_scan_scratch_bytes(int64_t H, int64_t P, int64_t N) {
#if MAMBASCOPE_HAVE_CUDA
  return kernels::ssd_chunk_scan_workspace_bytes(H, P, N) + Allocator::kAlignment;
#else
  (void)H, (void)P, (void)N;
  return 0;
#endif
}

size_t causal_conv1d_scratch_bytes(int64_t K, int64_t C) { return static_cast<size_t>(K * C) * 2 + Allocator::kAlignment; }


namespace {

// A 2-D activation argument: the given shape (-1 = any), rows evenly strided, on `dev`.
void expect_rows(const Tensor& t, const Shape& want, Device dev, const char* op, const char* arg) {
  expect_shape(t, want, op, arg);
  expect_float(t, op, arg);
  expect_device(t, dev, op, arg);
  expect_row_major(t, op, arg);
}

void expect_param(const Tensor& t, int64_t n, Device dev, const char* op, const char* arg) {
  expect_defined(t, op, arg);
  if (t.numel() != n) throw Error(t.describe() + " must hold " + std::to_string(n) + " values", op, arg);
  expect_float(t, op, arg);
  expect_device(t, dev, op, arg);
  expect_contiguous(t, op, arg);
}

int64_t row_stride(const Tensor& t) { return t.rank() >= 2 ? t.stride(0) : t.dim(-1); }

std::vector<float> maybe_f32(const Tensor& t) { return t.defined() ? read_f32(t) : std::vector<float>{}; }
const float* ptr_or_null(const std::vector<float>& v) { return v.empty() ? nullptr : v.data(); }

#if MAMBASCOPE_HAVE_CUDA
// What the kernels need of an activation: bf16 with 16-byte aligned rows.
void expect_bf16_rows(const Tensor& t, const char* op, const char* arg) {
  expect_dtype(t, DType::BF16, op, arg);
  const bool ok = reinterpret_cast<uintptr_t>(t.data()) % 16 == 0 && (t.dim(0) <= 1 || row_stride(t) % 8 == 0);
  if (!ok) throw Error("rows of " + t.describe() + " must start on 16-byte boundaries", op, arg,
                       "use a tensor whose row stride and column offset are multiples of 8 elements");
}
// Tensors the kernels read or write element by element need only the dtype.
void expect_bf16(const Tensor& t, const char* op, const char* arg) { expect_dtype(t, DType::BF16, op, arg); }
void expect_f32_param(const Tensor& t, const char* op, const char* arg) {
  if (t.defined()) expect_dtype(t, DType::F32, op, arg);
}
const float* f32_or_null(const Tensor& t) { return t.defined() ? t.data_as<float>() : nullptr; }
kernels::SsdHeadArgs head_args(const Tensor& dt, const Tensor& A, const SsdParams& p) {
  kernels::SsdHeadArgs h;
  h.dt = dt.data(), h.lddt = row_stride(dt);
  h.dt_bias = f32_or_null(p.dt_bias), h.dt_softplus = p.dt_softplus, h.dt_min = p.dt_min, h.dt_max = p.dt_max;
  h.A = A.data_as<float>(), h.D = f32_or_null(p.D);
  return h;
}
#endif

}  // namespace

void causal_conv1d(const Tensor& x, const Tensor& w, const Tensor& bias, const Tensor& init_state, Tensor& y,
                   Tensor& final_state, bool silu, Arena* arena) {
  constexpr const char* op = "causal_conv1d";
  ScopedOp scope(op);
  expect_rank(x, 2, op, "x");
  const Device dev = x.device();
  const int64_t L = x.dim(0), C = x.dim(1);
  expect_rows(x, {L, C}, dev, op, "x");
  expect_defined(w, op, "w");
  if (w.dim(0) != C || w.numel() % C != 0) throw Error(w.describe() + " is not [C, K] or [C, 1, K] with C = " + std::to_string(C), op, "w");
  const int64_t K = w.numel() / C;
  expect_param(w, C * K, dev, op, "w");
  if (bias.defined()) expect_param(bias, C, dev, op, "bias");
  expect_rows(y, {L, C}, dev, op, "y");
  if (init_state.defined()) {
    expect_shape(init_state, {K, C}, op, "init_state");
    expect_device(init_state, dev, op, "init_state");
    expect_contiguous(init_state, op, "init_state");
  }
  if (final_state.defined()) {
    expect_shape(final_state, {K, C}, op, "final_state");
    expect_device(final_state, dev, op, "final_state");
    expect_contiguous(final_state, op, "final_state");
  }
  if (y.data() == x.data()) throw Error("y must not alias x", op, "y", "write the output to another tensor");

  if (dev == Device::Cpu) {
    const std::vector<float> xv = read_f32(x), wv = read_f32(w), bv = maybe_f32(bias), iv = maybe_f32(init_state);
    std::vector<float> yv(static_cast<size_t>(L * C)), fv(static_cast<size_t>(K * C));
    cpu::causal_conv1d(L, C, K, xv.data(), wv.data(), ptr_or_null(bv), ptr_or_null(iv), silu, yv.data(), fv.data());
    write_f32(y, yv);
    if (final_state.defined()) write_f32(final_state, fv);
    return;
  }
#if MAMBASCOPE_HAVE_CUDA
  expect_bf16_rows(x, op, "x");
  expect_bf16_rows(y, op, "y");
  expect_dtype(w, DType::F32, op, "w");
  expect_f32_param(bias, op, "bias");
  if (K < 2 || K > 4) throw Error("d_conv " + std::to_string(K) + " is not supported on CUDA", op, "w", "use a kernel of 2 to 4 taps");
  if (C % 8 != 0) throw Error("channels " + std::to_string(C) + " must be a multiple of 8 on CUDA", op, "x");
  if (init_state.defined()) expect_dtype(init_state, DType::BF16, op, "init_state");
  if (final_state.defined()) expect_dtype(final_state, DType::BF16, op, "final_state");
  Tensor init = init_state;
  GpuContext& g = gpu_context();
  if (init.defined() && final_state.defined() && init.data() == final_state.data()) {
    // The kernel's runs read the initial state while the last run writes the final one: read a copy.
    init = scratch(arena, {K, C}, DType::BF16, Device::Cuda);
    MS_CUDA_CHECK(cudaMemcpyAsync(init.data(), init_state.data(), init_state.nbytes(), cudaMemcpyDeviceToDevice, g.stream));
  }
  kernels::CausalConv1dArgs a;
  a.L = L, a.C = C, a.K = static_cast<int>(K);
  a.x = x.data(), a.ldx = row_stride(x);
  a.w = w.data_as<float>(), a.bias = f32_or_null(bias);
  a.init_state = init.defined() ? init.data() : nullptr;
  a.y = y.data(), a.ldy = row_stride(y);
  a.final_state = final_state.defined() ? final_state.data() : nullptr;
  a.silu = silu;
  MS_CUDA_CHECK(kernels::causal_conv1d(a, g.stream));
#else
  (void)arena;
  require_cuda(op);
#endif
}

void conv1d_update(const Tensor& x, const Tensor& w, const Tensor& bias, Tensor& state, Tensor& y, bool silu) {
  constexpr const char* op = "conv1d_update";
  ScopedOp scope(op);
  expect_rank(x, 2, op, "x");
  const Device dev = x.device();
  const int64_t batch = x.dim(0), C = x.dim(1);
  expect_rows(x, {batch, C}, dev, op, "x");
  expect_defined(w, op, "w");
  if (w.dim(0) != C || w.numel() % C != 0) throw Error(w.describe() + " is not [C, K] or [C, 1, K] with C = " + std::to_string(C), op, "w");
  const int64_t K = w.numel() / C;
  expect_param(w, C * K, dev, op, "w");
  if (bias.defined()) expect_param(bias, C, dev, op, "bias");
  expect_shape(state, {batch, K, C}, op, "state");
  expect_device(state, dev, op, "state");
  expect_contiguous(state, op, "state");
  expect_rows(y, {batch, C}, dev, op, "y");

  if (dev == Device::Cpu) {
    const std::vector<float> xv = read_f32(x), wv = read_f32(w), bv = maybe_f32(bias);
    std::vector<float> sv = read_f32(state), yv(static_cast<size_t>(batch * C));
    cpu::conv1d_update(batch, C, K, xv.data(), wv.data(), ptr_or_null(bv), sv.data(), silu, yv.data());
    write_f32(state, sv);
    write_f32(y, yv);
    return;
  }
#if MAMBASCOPE_HAVE_CUDA
  expect_bf16_rows(x, op, "x");
  expect_bf16_rows(y, op, "y");
  expect_dtype(state, DType::BF16, op, "state");
  expect_dtype(w, DType::F32, op, "w");
  expect_f32_param(bias, op, "bias");
  if (K < 2 || K > 4) throw Error("d_conv " + std::to_string(K) + " is not supported on CUDA", op, "w", "use a kernel of 2 to 4 taps");
  if (C % 8 != 0) throw Error("channels " + std::to_string(C) + " must be a multiple of 8 on CUDA", op, "x");
  kernels::Conv1dUpdateArgs a;
  a.batch = batch, a.C = C, a.K = static_cast<int>(K);
  a.x = x.data(), a.ldx = row_stride(x);
  a.w = w.data_as<float>(), a.bias = f32_or_null(bias);
  a.state = state.data();
  a.y = y.data(), a.ldy = row_stride(y);
  a.silu = silu;
  MS_CUDA_CHECK(kernels::conv1d_update(a, gpu_context().stream));
#else
  require_cuda(op);
#endif
}

namespace {

struct SsdShape {
  int64_t H, P, G, N;
};

// Checks the arguments shared by prefill and decode; rows = L (prefill) or batch (decode).
SsdShape check_ssd(const char* op, const Tensor& x, const Tensor& dt, const Tensor& A, const Tensor& B, const Tensor& C,
                   const SsdParams& p, const Tensor& y) {
  expect_rank(x, 2, op, "x");
  const Device dev = x.device();
  const int64_t rows = x.dim(0);
  expect_defined(A, op, "A");
  const int64_t H = A.numel();
  if (H <= 0 || x.dim(1) % H != 0) throw Error("x " + x.describe() + " does not split into " + std::to_string(H) + " heads (A's size)", op, "x");
  if (p.ngroups <= 0 || H % p.ngroups != 0)
    throw Error("ngroups " + std::to_string(p.ngroups) + " must divide the " + std::to_string(H) + " heads", op, "ngroups");
  expect_rank(B, 2, op, "B");
  if (B.dim(1) % p.ngroups != 0) throw Error("B " + B.describe() + " does not split into " + std::to_string(p.ngroups) + " groups", op, "B");
  const SsdShape s{H, x.dim(1) / H, p.ngroups, B.dim(1) / p.ngroups};
  expect_rows(x, {rows, H * s.P}, dev, op, "x");
  expect_rows(dt, {rows, H}, dev, op, "dt");
  expect_param(A, H, dev, op, "A");
  expect_rows(B, {rows, s.G * s.N}, dev, op, "B");
  expect_rows(C, {rows, s.G * s.N}, dev, op, "C");
  if (p.D.defined()) expect_param(p.D, H, dev, op, "D");
  if (p.dt_bias.defined()) expect_param(p.dt_bias, H, dev, op, "dt_bias");
  expect_rows(y, {rows, H * s.P}, dev, op, "y");
  if (p.chunk_size <= 0) throw Error("chunk_size must be positive", op, "chunk_size");
  return s;
}

#if MAMBASCOPE_HAVE_CUDA
// vectors: whether x, B, C and y are moved in 16-byte vectors (the prefill kernel) or element by element.
void expect_ssd_cuda(const char* op, const Tensor& x, const Tensor& dt, const Tensor& A, const Tensor& B, const Tensor& C,
                     const SsdParams& p, const Tensor& y, bool vectors) {
  auto act = vectors ? expect_bf16_rows : expect_bf16;
  act(x, op, "x");
  expect_bf16(dt, op, "dt");
  act(B, op, "B");
  act(C, op, "C");
  act(y, op, "y");
  expect_dtype(A, DType::F32, op, "A");
  expect_f32_param(p.D, op, "D");
  expect_f32_param(p.dt_bias, op, "dt_bias");
}
#endif

}  // namespace

void ssd_scan(const Tensor& x, const Tensor& dt, const Tensor& A, const Tensor& B, const Tensor& C, const SsdParams& p,
              const Tensor& init_state, Tensor& y, Tensor& final_state, Arena* arena) {
  constexpr const char* op = "ssd_scan";
  ScopedOp scope(op);
  const SsdShape s = check_ssd(op, x, dt, A, B, C, p, y);
  const Device dev = x.device();
  const int64_t L = x.dim(0);
  auto check_state = [&](const Tensor& t, const char* name) {
    expect_shape(t, {s.H, s.P, s.N}, op, name);
    expect_dtype(t, DType::F32, op, name);
    expect_device(t, dev, op, name);
    expect_contiguous(t, op, name);
  };
  if (init_state.defined()) check_state(init_state, "init_state");
  if (!final_state.defined()) throw Error("the final state is required", op, "final_state", "pass an f32 tensor [H, P, N]");
  check_state(final_state, "final_state");

  if (dev == Device::Cpu) {
    const std::vector<float> xv = read_f32(x), rawdt = read_f32(dt), Av = read_f32(A), Bv = read_f32(B), Cv = read_f32(C);
    const std::vector<float> Dv = maybe_f32(p.D), bias = maybe_f32(p.dt_bias);
    std::vector<float> dtv(rawdt.size()), yv(xv.size());
    cpu::ssd_discretize_dt(L, s.H, rawdt.data(), ptr_or_null(bias), p.dt_softplus, p.dt_min, p.dt_max, dtv.data());
    std::vector<float> state = init_state.defined() ? read_f32(init_state) : std::vector<float>(static_cast<size_t>(s.H * s.P * s.N), 0.f);
    cpu::SsdArrays arr{xv.data(), dtv.data(), Av.data(), Bv.data(), Cv.data(), ptr_or_null(Dv), state.data(), yv.data()};
    cpu::ssd_chunked({L, s.H, s.P, s.G, s.N}, p.chunk_size, arr);
    write_f32(y, yv);
    write_f32(final_state, state);
    return;
  }
#if MAMBASCOPE_HAVE_CUDA
  expect_ssd_cuda(op, x, dt, A, B, C, p, y, true);
  if (L == 0) {  // nothing to scan: the state passes through
    if (!init_state.defined()) MS_CUDA_CHECK(cudaMemsetAsync(final_state.data(), 0, final_state.nbytes(), gpu_context().stream));
    else if (init_state.data() != final_state.data())
      MS_CUDA_CHECK(cudaMemcpyAsync(final_state.data(), init_state.data(), final_state.nbytes(), cudaMemcpyDeviceToDevice, gpu_context().stream));
    return;
  }
  if (!kernels::ssd_chunk_scan_supported(s.P, s.N))
    throw Error("headdim " + std::to_string(s.P) + " with d_state " + std::to_string(s.N) + " has no CUDA kernel", op, "x",
                "use headdim 64 or 128 and d_state 64 or 128, or the CPU backend");
  Tensor ws = scratch(arena, {static_cast<int64_t>(kernels::ssd_chunk_scan_workspace_bytes(s.H, s.P, s.N))}, DType::U8, Device::Cuda);
  kernels::SsdScanArgs a;
  a.L = L, a.H = s.H, a.P = s.P, a.G = s.G, a.N = s.N;
  a.x = x.data(), a.ldx = row_stride(x);
  a.head = head_args(dt, A, p);
  a.B = B.data(), a.ldb = row_stride(B);
  a.C = C.data(), a.ldc = row_stride(C);
  a.init_state = f32_or_null(init_state);
  a.final_state = final_state.data_as<float>();
  a.y = y.data(), a.ldy = row_stride(y);
  a.workspace = ws.data();
  a.kernel = p.cuda_kernel == SsdParams::CudaKernel::MmaSync ? kernels::SsdKernel::MmaSync
             : p.cuda_kernel == SsdParams::CudaKernel::Wgmma ? kernels::SsdKernel::Wgmma
                                                              : kernels::SsdKernel::Auto;
  MS_CUDA_CHECK(kernels::ssd_chunk_scan(a, gpu_context().stream));
#else
  (void)arena;
  require_cuda(op);
#endif
}

void ssm_state_update(const Tensor& x, const Tensor& dt, const Tensor& A, const Tensor& B, const Tensor& C,
                      const Tensor& z, const SsdParams& p, Tensor& state, Tensor& y) {
  constexpr const char* op = "ssm_state_update";
  ScopedOp scope(op);
  const SsdShape s = check_ssd(op, x, dt, A, B, C, p, y);
  const Device dev = x.device();
  const int64_t batch = x.dim(0);
  if (z.defined()) expect_rows(z, {batch, s.H * s.P}, dev, op, "z");
  expect_shape(state, {batch, s.H, s.P, s.N}, op, "state");
  expect_dtype(state, DType::F32, op, "state");
  expect_device(state, dev, op, "state");
  expect_contiguous(state, op, "state");

  if (dev == Device::Cpu) {
    const std::vector<float> xv = read_f32(x), rawdt = read_f32(dt), Av = read_f32(A), Bv = read_f32(B), Cv = read_f32(C);
    const std::vector<float> Dv = maybe_f32(p.D), bias = maybe_f32(p.dt_bias), zv = maybe_f32(z);
    std::vector<float> dtv(rawdt.size()), yv(xv.size()), sv = read_f32(state);
    cpu::ssd_discretize_dt(batch, s.H, rawdt.data(), ptr_or_null(bias), p.dt_softplus, p.dt_min, p.dt_max, dtv.data());
    const int64_t HP = s.H * s.P, GN = s.G * s.N;
    for (int64_t b = 0; b < batch; ++b) {
      cpu::SsdArrays arr{xv.data() + b * HP, dtv.data() + b * s.H, Av.data(), Bv.data() + b * GN, Cv.data() + b * GN,
                         ptr_or_null(Dv), sv.data() + b * HP * s.N, yv.data() + b * HP};
      cpu::ssd_sequential({1, s.H, s.P, s.G, s.N}, arr);
    }
    if (!zv.empty())
      for (size_t i = 0; i < yv.size(); ++i) yv[i] *= cpu::silu(zv[i]);
    write_f32(state, sv);
    write_f32(y, yv);
    return;
  }
#if MAMBASCOPE_HAVE_CUDA
  expect_ssd_cuda(op, x, dt, A, B, C, p, y, false);
  if (z.defined()) expect_bf16(z, op, "z");
  if (s.P % 16 != 0 || s.N % 32 != 0 || s.N > 256 || (s.N / 32 & (s.N / 32 - 1)) != 0)
    throw Error("headdim " + std::to_string(s.P) + " with d_state " + std::to_string(s.N) + " has no CUDA kernel", op, "x",
                "use headdim a multiple of 16 and d_state 32, 64, 128 or 256");
  kernels::SsmStateUpdateArgs a;
  a.batch = batch, a.H = s.H, a.P = s.P, a.G = s.G, a.N = s.N;
  a.x = x.data(), a.ldx = row_stride(x);
  a.B = B.data(), a.ldb = row_stride(B);
  a.C = C.data(), a.ldc = row_stride(C);
  a.head = head_args(dt, A, p);
  a.z = z.defined() ? z.data() : nullptr, a.ldz = z.defined() ? row_stride(z) : 0;
  a.state = state.data_as<float>();
  a.y = y.data(), a.ldy = row_stride(y);
  MS_CUDA_CHECK(kernels::ssm_state_update(a, gpu_context().stream));
#else
  require_cuda(op);
#endif
}

void mamba2_decode_step(const Tensor& xbc, const Tensor& dt, const Tensor& z, const Tensor& conv_w, const Tensor& conv_b,
                        const Tensor& A, const SsdParams& p, const Tensor& norm_w, float eps, Tensor& conv_state,
                        Tensor& ssm_state, Tensor& y, Arena* arena) {
  constexpr const char* op = "mamba2_decode_step";
  ScopedOp scope(op);
  expect_rank(xbc, 2, op, "xbc");
  expect_rank(y, 2, op, "y");
  expect_rank(ssm_state, 4, op, "ssm_state");
  expect_defined(A, op, "A");
  const Device dev = xbc.device();
  const int64_t batch = xbc.dim(0), H = A.numel(), N = ssm_state.dim(3), G = p.ngroups;
  if (H <= 0 || y.dim(1) % H != 0) throw Error("y " + y.describe() + " does not split into " + std::to_string(H) + " heads", op, "y");
  const int64_t P = y.dim(1) / H, C = H * P + 2 * G * N;
  expect_rows(xbc, {batch, C}, dev, op, "xbc");
  const int64_t K = conv_state.rank() == 3 ? conv_state.dim(1) : 0;
  expect_shape(conv_state, {batch, K, C}, op, "conv_state");
  if (norm_w.defined()) expect_param(norm_w, H * P, dev, op, "norm_w");

  if (dev == Device::Cpu) {  // the definition: the three ops
    Tensor xc = Tensor::empty({batch, C}, xbc.dtype(), dev, MemCategory::Workspace);
    conv1d_update(xbc, conv_w, conv_b, conv_state, xc, true);
    const int64_t HP = H * P, GN = G * N;
    if (!norm_w.defined()) {
      ssm_state_update(xc.slice(1, 0, HP), dt, A, xc.slice(1, HP, HP + GN), xc.slice(1, HP + GN, C), z, p, ssm_state, y);
      return;
    }
    ssm_state_update(xc.slice(1, 0, HP), dt, A, xc.slice(1, HP, HP + GN), xc.slice(1, HP + GN, C), Tensor(), p, ssm_state, y);
    gated_rmsnorm(y, z, norm_w, y, HP / G, eps);
    return;
  }
#if MAMBASCOPE_HAVE_CUDA
  // Shapes and dtypes of the parts, as the separate ops check them.
  expect_rows(dt, {batch, H}, dev, op, "dt");
  expect_rows(y, {batch, H * P}, dev, op, "y");
  if (z.defined()) expect_rows(z, {batch, H * P}, dev, op, "z");
  expect_param(conv_w, C * K, dev, op, "conv_w");
  if (conv_b.defined()) expect_param(conv_b, C, dev, op, "conv_b");
  expect_param(A, H, dev, op, "A");
  if (p.D.defined()) expect_param(p.D, H, dev, op, "D");
  if (p.dt_bias.defined()) expect_param(p.dt_bias, H, dev, op, "dt_bias");
  if (G <= 0 || H % G != 0) throw Error("ngroups " + std::to_string(G) + " must divide the " + std::to_string(H) + " heads", op, "ngroups");
  expect_shape(ssm_state, {batch, H, P, N}, op, "ssm_state");
  expect_dtype(ssm_state, DType::F32, op, "ssm_state");
  expect_contiguous(ssm_state, op, "ssm_state");
  expect_contiguous(conv_state, op, "conv_state");
  expect_bf16(xbc, op, "xbc");
  expect_bf16(dt, op, "dt");
  expect_bf16(y, op, "y");
  if (z.defined()) expect_bf16(z, op, "z");
  expect_dtype(conv_state, DType::BF16, op, "conv_state");
  expect_f32_param(conv_w, op, "conv_w");
  expect_f32_param(conv_b, op, "conv_b");
  expect_f32_param(A, op, "A");
  expect_f32_param(p.D, op, "D");
  expect_f32_param(p.dt_bias, op, "dt_bias");
  expect_f32_param(norm_w, op, "norm_w");
  if (K < 2 || K > 4 || P % 16 != 0 || N % 32 != 0 || N > 256 || ((N / 32) & (N / 32 - 1)) != 0)
    throw Error("d_conv " + std::to_string(K) + ", headdim " + std::to_string(P) + ", d_state " + std::to_string(N) + " have no CUDA kernel",
                op, "ssm_state", "use d_conv 2..4, headdim a multiple of 16 and d_state 32, 64, 128 or 256");
  Tensor ws = scratch(arena, {static_cast<int64_t>(kernels::mamba2_decode_step_workspace_bytes(batch, H, P))}, DType::U8, Device::Cuda);
  kernels::Mamba2DecodeArgs a;
  a.batch = batch, a.H = H, a.P = P, a.G = G, a.N = N, a.K = static_cast<int>(K);
  a.xbc = xbc.data(), a.ldxbc = row_stride(xbc);
  a.conv_w = conv_w.data_as<float>(), a.conv_b = f32_or_null(conv_b);
  a.conv_state = conv_state.data();
  a.head = head_args(dt, A, p);
  a.z = z.defined() ? z.data() : nullptr, a.ldz = z.defined() ? row_stride(z) : 0;
  a.norm_w = f32_or_null(norm_w), a.eps = eps;
  a.ssm_state = ssm_state.data_as<float>();
  a.y = y.data(), a.ldy = row_stride(y);
  a.workspace = ws.data();
  MS_CUDA_CHECK(kernels::mamba2_decode_step(a, gpu_context().stream));
#else
  (void)arena;
  require_cuda(op);
#endif
}

void gated_rmsnorm(const Tensor& y, const Tensor& z, const Tensor& w, Tensor& out, int64_t group, float eps) {
  constexpr const char* op = "gated_rmsnorm";
  ScopedOp scope(op);
  expect_rank(y, 2, op, "y");
  const Device dev = y.device();
  const int64_t rows = y.dim(0), D = y.dim(1);
  expect_rows(y, {rows, D}, dev, op, "y");
  if (z.defined()) expect_rows(z, {rows, D}, dev, op, "z");
  expect_param(w, D, dev, op, "w");
  expect_rows(out, {rows, D}, dev, op, "out");
  if (group <= 0 || D % group != 0)
    throw Error("group size " + std::to_string(group) + " must divide the " + std::to_string(D) + " channels", op, "group");

  if (dev == Device::Cpu) {
    const std::vector<float> yv = read_f32(y), zv = maybe_f32(z), wv = read_f32(w);
    std::vector<float> ov(yv.size());
    cpu::gated_rmsnorm(rows, D, group, yv.data(), ptr_or_null(zv), wv.data(), eps, ov.data());
    write_f32(out, ov);
    return;
  }
#if MAMBASCOPE_HAVE_CUDA
  expect_bf16_rows(y, op, "y");
  if (z.defined()) expect_bf16_rows(z, op, "z");
  expect_bf16_rows(out, op, "out");
  expect_dtype(w, DType::F32, op, "w");
  if (group % 8 != 0 || group > 8192)
    throw Error("group size " + std::to_string(group) + " has no CUDA kernel", op, "group", "use a multiple of 8 up to 8192");
  kernels::GatedRmsNormArgs a;
  a.rows = rows, a.D = D, a.group = group;
  a.y = y.data(), a.ldy = row_stride(y);
  a.z = z.defined() ? z.data() : nullptr, a.ldz = z.defined() ? row_stride(z) : 0;
  a.w = w.data_as<float>(), a.eps = eps;
  a.out = out.data(), a.ldo = row_stride(out);
  MS_CUDA_CHECK(kernels::gated_rmsnorm(a, gpu_context().stream));
#else
  require_cuda(op);
#endif
}

}  // namespace mambascope::ops
