// bench-op entries for the Mamba-2 family: ssd_chunk_scan, causal_conv1d, mamba2_decode_step, gated_rmsnorm.
// Dims presets (--dims): mamba2-2.7b (default; ML-Mamba's LM and connector: d_inner 5120 = 80 heads x 64,
// d_state 128, 1 group, d_conv 4), d2048-h32p64n128g1 (a 2048-wide layer), mmmamba (16 heads x 128, d_state
// 128, one B/C group per head, d_conv 2, no D). Any dim can be overridden: --param nheads=, headdim=,
// d_state=, ngroups=, d_conv=. Inputs come from fill_uniform (random, never zeros); temporaries from an arena.
//
// Bytes are the fewest an op must move through device memory: each input read once, each output written
// once, ignoring per-channel parameters smaller than a row. FLOPs are counted per op below (multiply-add = 2).
#include <cmath>
#include <memory>

#include "engine/bench/op_bench.h"
#include "engine/core/arena.h"
#include "engine/core/error.h"
#include "engine/core/tensor.h"
#include "engine/ops/fill.h"
#include "engine/ops/mamba2.h"

#if MAMBASCOPE_HAVE_CUDA
#include "engine/core/cuda.h"
#include "engine/core/cuda_check.h"
#endif

namespace mambascope {

namespace {

struct M2Dims {
  std::string name;
  int64_t H = 80, P = 64, N = 128, G = 1, K = 4;
  bool D = true;
  int64_t d_inner() const { return H * P; }
  int64_t conv_dim() const { return H * P + 2 * G * N; }
  int64_t in_proj_dim() const { return 2 * d_inner() + 2 * G * N + H; }
  std::string label() const {
    return name + " (h" + std::to_string(H) + " p" + std::to_string(P) + " n" + std::to_string(N) + " g" + std::to_string(G) + ")";
  }
};

M2Dims dims_from(const OpBenchArgs& a) {
  M2Dims d;
  d.name = a.dims.empty() ? "mamba2-2.7b" : a.dims;
  if (d.name == "mamba2-2.7b") {
  } else if (d.name == "d2048-h32p64n128g1") {
    d.H = 32;
  } else if (d.name == "mmmamba") {
    d.H = 16, d.P = 128, d.G = 16, d.K = 2, d.D = false;
  } else {
    throw Error("unknown dims '" + d.name + "'", "bench-op", "--dims", "use mamba2-2.7b, d2048-h32p64n128g1 or mmmamba");
  }
  d.H = a.param_int("nheads", d.H);
  d.P = a.param_int("headdim", d.P);
  d.N = a.param_int("d_state", d.N);
  d.G = a.param_int("ngroups", d.G);
  d.K = a.param_int("d_conv", d.K);
  return d;
}

std::vector<int64_t> lens_or(const OpBenchArgs& a, std::vector<int64_t> def) { return a.lens.empty() ? def : a.lens; }

std::shared_ptr<Tensor> random_dev(const Shape& s, DType dt, uint64_t seed, float lo, float hi) {
  auto t = std::make_shared<Tensor>(Tensor::empty(s, dt, Device::Cuda, MemCategory::Workspace));
  ops::fill_uniform(*t, seed, (hi - lo) / 2);
  return t;
}

// Per-head parameters in the reference's ranges: A = -exp(A_log), A_log in log [1, 16]; dt_bias the inverse
// softplus of dt in [0.001, 0.1]; D around 1.
struct HeadParams {
  Tensor A, dt_bias, D;
  explicit HeadParams(const M2Dims& d, uint64_t seed) {
    std::vector<float> a(d.H), b(d.H), dd(d.H);
    for (int64_t h = 0; h < d.H; ++h) {
      const float u = 0.5f * (ops::uniform_pm1(seed, h) + 1.f), v = 0.5f * (ops::uniform_pm1(seed + 1, h) + 1.f);
      a[h] = -(1.f + 15.f * u);
      b[h] = std::log(std::expm1(0.001f * std::pow(100.f, v)));
      dd[h] = 1.f + 0.5f * ops::uniform_pm1(seed + 2, h);
    }
    A = Tensor::from_f32(a, {d.H}).to(Device::Cuda);
    dt_bias = Tensor::from_f32(b, {d.H}).to(Device::Cuda);
    D = Tensor::from_f32(dd, {d.H}).to(Device::Cuda);
  }
};

// ssd_chunk_scan: the SSD prefill of one sequence, x | B | C read from a conv-output buffer, raw dt from an
// in_proj-output buffer, y written. FLOPs of the chunked algorithm at chunk 256 (what the peer runs), counting
// the causal half of the intra-chunk products and C B^T once per group (not per head):
//   per chunk of Q tokens and group: Q(Q+1)/2 * N * 2 (C B^T);
//   per chunk and head: Q(Q+1)/2 * P * 2 (masked C B^T times x) + 2 * Q * N * P * 2 (chunk state, C S_prev).
std::vector<OpBenchCase> ssd_cases(const OpBenchArgs& a) {
  std::vector<OpBenchCase> out;
  const M2Dims d = dims_from(a);
  auto hp = std::make_shared<HeadParams>(d, a.seed + 10);
  const bool with_init = a.param_int("init", 0) != 0;
  const std::string kname = a.param_str("kernel", "auto");
  ops::SsdParams::CudaKernel kernel = ops::SsdParams::CudaKernel::Auto;
  if (kname == "mma") kernel = ops::SsdParams::CudaKernel::MmaSync;
  else if (kname == "wgmma") kernel = ops::SsdParams::CudaKernel::Wgmma;
  else if (kname != "auto") throw Error("unknown value '" + kname + "'", "bench-op ssd_chunk_scan", "--param kernel", "use auto, mma or wgmma");
  for (int64_t L : lens_or(a, {4096, 16384, 32768, 103424})) {
    auto xbc = random_dev({L, d.conv_dim()}, DType::BF16, a.seed, -1.f, 1.f);
    auto zxbcdt = random_dev({L, d.in_proj_dim() + (8 - d.in_proj_dim() % 8) % 8}, DType::BF16, a.seed + 1, -1.f, 1.f);
    auto y = std::make_shared<Tensor>(Tensor::empty({L, d.d_inner()}, DType::BF16, Device::Cuda, MemCategory::Workspace));
    auto state = random_dev({d.H, d.P, d.N}, DType::F32, a.seed + 2, -1.f, 1.f);
    auto arena = std::make_shared<Arena>(Device::Cuda, (static_cast<size_t>(d.H) * 2 * d.P * d.N * 4 + 4096) * 2, MemCategory::Workspace, "bench");
    const int64_t dt_col = 2 * d.d_inner() + 2 * d.G * d.N;
    OpBenchCase c;
    c.op = "ssd_chunk_scan";
    c.dims = d.label();
    c.len = L;
    const double GN = static_cast<double>(d.G * d.N);
    c.bytes = 2.0 * L * (d.d_inner() + 2 * GN + d.H + d.d_inner()) + 4.0 * d.H * d.P * d.N * (with_init ? 2 : 1);
    double flops = 0;
    for (int64_t t0 = 0; t0 < L; t0 += 256) {
      const double Q = static_cast<double>(std::min<int64_t>(256, L - t0)), tri = Q * (Q + 1) / 2;
      flops += d.G * tri * d.N * 2 + d.H * (tri * d.P * 2 + 2 * Q * d.N * d.P * 2.0);
    }
    c.flops = flops;
    c.notes["init_state"] = with_init ? "yes" : "no";
    c.notes["kernel"] = kname;
    c.run = [d, hp, xbc, zxbcdt, y, state, arena, dt_col, with_init, kernel] {
      const size_t mark = arena->mark();
      ops::SsdParams p;
      p.ngroups = d.G;
      p.dt_bias = hp->dt_bias;
      p.cuda_kernel = kernel;
      if (d.D) p.D = hp->D;
      const int64_t di = d.d_inner(), GNi = d.G * d.N;
      ops::ssd_scan(xbc->slice(1, 0, di), zxbcdt->slice(1, dt_col, dt_col + d.H), hp->A, xbc->slice(1, di, di + GNi),
                    xbc->slice(1, di + GNi, di + 2 * GNi), p, with_init ? *state : Tensor(), *y, *state, arena.get());
      arena->reset(mark);
    };
    out.push_back(std::move(c));
  }
  return out;
}

// causal_conv1d: the prefill conv + SiLU over xBC read from the in_proj output (strided rows), written to a
// dense buffer. FLOPs: 2K per output (the taps; SiLU not counted).
std::vector<OpBenchCase> conv_cases(const OpBenchArgs& a) {
  std::vector<OpBenchCase> out;
  const M2Dims d = dims_from(a);
  const int64_t C = d.conv_dim();
  auto w = random_dev({C, d.K}, DType::F32, a.seed + 3, -0.5f, 0.5f);
  auto bias = random_dev({C}, DType::F32, a.seed + 4, -0.1f, 0.1f);
  for (int64_t L : lens_or(a, {4096, 16384, 32768, 103424})) {
    const int64_t ld = d.in_proj_dim() + (8 - d.in_proj_dim() % 8) % 8;
    auto zxbcdt = random_dev({L, ld}, DType::BF16, a.seed, -1.f, 1.f);
    auto y = std::make_shared<Tensor>(Tensor::empty({L, C}, DType::BF16, Device::Cuda, MemCategory::Workspace));
    auto fs = std::make_shared<Tensor>(Tensor::empty({d.K, C}, DType::BF16, Device::Cuda, MemCategory::Workspace));
    OpBenchCase c;
    c.op = "causal_conv1d";
    c.dims = d.label() + " k" + std::to_string(d.K);
    c.len = L;
    c.bytes = 2.0 * L * C * 2;
    c.flops = 2.0 * d.K * L * C;
    c.run = [d, zxbcdt, w, bias, y, fs, C] {
      ops::causal_conv1d(zxbcdt->slice(1, d.d_inner(), d.d_inner() + C), *w, *bias, Tensor(), *y, *fs);
    };
    out.push_back(std::move(c));
  }
  return out;
}

// gated_rmsnorm: y [L, d_inner] and z (strided, in the in_proj output) read, out written. FLOPs: 8 per element
// (SiLU as 4, the gate product, the square-accumulate, the scaling by rstd and w; rsqrt per group ignored).
std::vector<OpBenchCase> norm_cases(const OpBenchArgs& a) {
  std::vector<OpBenchCase> out;
  const M2Dims d = dims_from(a);
  const int64_t di = d.d_inner(), group = a.param_int("group", di / d.G);
  auto w = random_dev({di}, DType::F32, a.seed + 5, 0.5f, 1.5f);
  for (int64_t L : lens_or(a, {4096, 16384, 32768, 103424})) {
    const int64_t ld = d.in_proj_dim() + (8 - d.in_proj_dim() % 8) % 8;
    auto zxbcdt = random_dev({L, ld}, DType::BF16, a.seed, -1.f, 1.f);
    auto y = random_dev({L, di}, DType::BF16, a.seed + 1, -1.f, 1.f);
    auto o = std::make_shared<Tensor>(Tensor::empty({L, di}, DType::BF16, Device::Cuda, MemCategory::Workspace));
    OpBenchCase c;
    c.op = "gated_rmsnorm";
    c.dims = d.label() + " group " + std::to_string(group);
    c.len = L;
    c.bytes = 3.0 * L * di * 2;
    c.flops = 8.0 * L * di;
    c.run = [zxbcdt, y, o, w, di, group] { ops::gated_rmsnorm(*y, zxbcdt->slice(1, 0, di), *w, *o, group, 1e-5f); };
    out.push_back(std::move(c));
  }
  return out;
}

// mamba2_decode_step: one token per sequence through everything between the two GEMMs -- conv update, SSM
// state update (with D) and the gated grouped RMSNorm -- from an in_proj output row, captured in one CUDA
// graph as a session replays it (--param graph=0 times plain launches; --param fused=0 runs the three separate
// ops instead of the fused kernel). --len is the batch (default 1).
// Bytes: SSM state read + written (f32), conv state read + written, the in_proj row read, y written, conv
// weights read. FLOPs: 5 per state element (decay, input, dot with C) + 2K per conv channel + 8 per y element.
std::vector<OpBenchCase> decode_cases(const OpBenchArgs& a) {
  std::vector<OpBenchCase> out;
#if MAMBASCOPE_HAVE_CUDA
  const M2Dims d = dims_from(a);
  const bool graph = a.param_int("graph", 1) != 0, fused = a.param_int("fused", 1) != 0;
  auto hp = std::make_shared<HeadParams>(d, a.seed + 10);
  const int64_t C = d.conv_dim(), di = d.d_inner(), GN = d.G * d.N;
  auto w = random_dev({C, d.K}, DType::F32, a.seed + 3, -0.5f, 0.5f);
  auto bias = random_dev({C}, DType::F32, a.seed + 4, -0.1f, 0.1f);
  auto nw = random_dev({di}, DType::F32, a.seed + 5, 0.5f, 1.5f);
  for (int64_t batch : lens_or(a, {1})) {
    const int64_t ld = d.in_proj_dim() + (8 - d.in_proj_dim() % 8) % 8;
    auto zxbcdt = random_dev({batch, ld}, DType::BF16, a.seed, -1.f, 1.f);
    auto conv_state = random_dev({batch, d.K, C}, DType::BF16, a.seed + 6, -1.f, 1.f);
    auto ssm_state = random_dev({batch, d.H, d.P, d.N}, DType::F32, a.seed + 7, -1.f, 1.f);
    // xbc and y, then the fused kernel's workspace (re-taken at the same offset on every call)
    auto arena = std::make_shared<Arena>(Device::Cuda, size_t(batch) * ((C + di) * 2 + d.H * d.P * 5) + 8192, MemCategory::Workspace, "bench");
    auto xbc = std::make_shared<Tensor>(arena->tensor({batch, C}, DType::BF16));
    auto y = std::make_shared<Tensor>(arena->tensor({batch, di}, DType::BF16));
    auto step = [=] {
      ops::SsdParams p;
      p.ngroups = d.G;
      p.dt_bias = hp->dt_bias;
      if (d.D) p.D = hp->D;
      const Tensor z = zxbcdt->slice(1, 0, di), dt = zxbcdt->slice(1, di + C, di + C + d.H);
      if (fused) {
        const size_t mark = arena->mark();
        ops::mamba2_decode_step(zxbcdt->slice(1, di, di + C), dt, z, *w, *bias, hp->A, p, *nw, 1e-5f, *conv_state, *ssm_state, *y,
                                arena.get());
        arena->reset(mark);
        return;
      }
      ops::conv1d_update(zxbcdt->slice(1, di, di + C), *w, *bias, *conv_state, *xbc);
      ops::ssm_state_update(xbc->slice(1, 0, di), dt, hp->A, xbc->slice(1, di, di + GN), xbc->slice(1, di + GN, di + 2 * GN), Tensor(), p,
                            *ssm_state, *y);
      ops::gated_rmsnorm(*y, z, *nw, *y, di / d.G, 1e-5f);
    };
    OpBenchCase c;
    c.op = "mamba2_decode_step";
    c.dims = d.label() + (fused ? " fused" : " 3 kernels") + (graph ? " graph" : " launches");
    c.len = batch;
    c.bytes = batch * (2.0 * d.H * d.P * d.N * 4 + 2.0 * d.K * C * 2 + 2.0 * (d.in_proj_dim() - di) + 2.0 * di * 3) + 4.0 * C * d.K;
    c.flops = batch * (5.0 * d.H * d.P * d.N + 2.0 * d.K * C + 8.0 * di);
    if (graph) {
      cudaStream_t s = gpu_context().stream;
      cudaGraph_t g = nullptr;
      MS_CUDA_CHECK(cudaStreamBeginCapture(s, cudaStreamCaptureModeThreadLocal));
      step();
      MS_CUDA_CHECK(cudaStreamEndCapture(s, &g));
      cudaGraphExec_t exec = nullptr;
      MS_CUDA_CHECK(cudaGraphInstantiate(&exec, g, 0));
      MS_CUDA_CHECK(cudaGraphDestroy(g));
      auto holder = std::shared_ptr<CUgraphExec_st>(exec, [](cudaGraphExec_t e) { cudaGraphExecDestroy(e); });
      c.run = [holder, step, xbc, y, arena] { MS_CUDA_CHECK(cudaGraphLaunch(holder.get(), gpu_context().stream)); };
    } else {
      c.run = step;
    }
    out.push_back(std::move(c));
  }
#else
  (void)a;
#endif
  return out;
}

}  // namespace

void register_mamba2_op_benches() {
  const std::string dims = " (--dims mamba2-2.7b | d2048-h32p64n128g1 | mmmamba; --param nheads=/headdim=/d_state=/ngroups=/d_conv=)";
  register_op_bench("ssd_chunk_scan", "Mamba-2 SSD prefill (chunked scan), bf16 in/out, f32 state; --param init=1, --param kernel=auto|mma|wgmma" + dims, ssd_cases);
  register_op_bench("causal_conv1d", "Mamba-2 causal depthwise conv1d + SiLU (prefill)" + dims, conv_cases);
  register_op_bench("gated_rmsnorm", "Mamba-2 gated grouped RMSNorm rmsnorm(y * silu(z)) * w" + dims, norm_cases);
  register_op_bench("mamba2_decode_step",
                    "one Mamba-2 decode token between the GEMMs (conv update + state update + gated norm); --len = batch, "
                    "--param graph=0 for plain launches, fused=0 for the three separate kernels" + dims,
                    decode_cases);
}

}  // namespace mambascope
