// GPU tests of the Mamba-2 kernels against their CPU twins (the specification), at tiny and real dims.
// Inputs are bf16 values (the CPU reference reads the same values as f32); outputs are poisoned with NaN
// before each kernel runs, and rel_l2 turns any NaN into a failure, so an element left unwritten fails.
//
// Tolerances (relative L2 against the f32 reference):
//  - outputs stored as bf16 carry one rounding of 2^-9 relative at most (RMS about 2^-9/sqrt(3) = 1.1e-3):
//    4e-3 for ops whose math is f32 (conv, state update, norm);
//  - the SSD scan additionally rounds its tensor-core operands to bf16 (the decayed C B^T, the dt-weighted x
//    and the state entering each chunk: each 2^-9 relative, summed over hundreds of terms with random signs),
//    as the reference Triton kernels do: 1e-2 for y, 5e-3 for the f32 final state (only the dt-weighted x
//    is rounded on its path).
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <vector>

#include "engine/core/cuda.h"
#include "engine/core/cuda_check.h"
#include "engine/model/layers/mamba2_mixer.h"
#include "engine/ops/mamba2.h"
#include "tests/ops/mamba2_golden.h"
#include "tests/ops/mamba2_test_util.h"
#include "tests/gpu/gpu_support.h"
#include "tests/support.h"

using namespace mambascope;

namespace {

using test::dev_random;
using test::poison;

// bf16-representable random values as an f32 host tensor.
Tensor bf16_values(const Shape& s, uint64_t seed, float lo = -1.f, float hi = 1.f) {
  return test::random_tensor(s, DType::BF16, seed, lo, hi).to_dtype(DType::F32);
}

Tensor to_gpu(const Tensor& host, DType dt) { return host.to_dtype(dt).to(Device::Cuda); }

Tensor gpu_empty(const Shape& s, DType dt) {
  Tensor t = Tensor::empty(s, dt, Device::Cuda);
  poison(t);
  return t;
}

// One SSD problem: x | B | C | dt side by side in one [L, W] buffer (strided views, as in the layer).
struct SsdProblem {
  int64_t L, H, P, G, N;
  bool with_init, with_D;
  Tensor buf, A, D, bias, init;  // host f32
  ops::SsdParams::CudaKernel kernel = ops::SsdParams::CudaKernel::Auto;
  ops::SsdParams params(const Tensor& D_t, const Tensor& bias_t) const {
    ops::SsdParams p;
    p.ngroups = G;
    p.cuda_kernel = kernel;
    p.D = with_D ? D_t : Tensor();
    p.dt_bias = bias_t;
    p.chunk_size = 256;
    return p;
  }
  int64_t width() const { return (H * P + 2 * G * N + H + 7) / 8 * 8; }

  SsdProblem(int64_t L_, int64_t H_, int64_t P_, int64_t G_, int64_t N_, bool init_, bool D_, uint64_t seed, float dt_lo = -3.f,
             float dt_hi = 1.f)
      : L(L_), H(H_), P(P_), G(G_), N(N_), with_init(init_), with_D(D_) {
    buf = bf16_values({L, width()}, seed);
    // raw dt columns in [dt_lo, dt_hi]
    const Tensor dtv = bf16_values({L, H}, seed + 1, dt_lo, dt_hi);
    for (int64_t t = 0; t < L; ++t)
      for (int64_t h = 0; h < H; ++h) buf.data_as<float>()[t * width() + H * P + 2 * G * N + h] = dtv.data_as<float>()[t * H + h];
    std::vector<float> a = test::random_floats(H, seed + 2, 0.f, std::log(16.f));
    for (float& v : a) v = -std::exp(v);
    A = Tensor::from_f32(a, {H});
    D = bf16_values({H}, seed + 3);
    bias = bf16_values({H}, seed + 4, -0.5f, 0.5f);
    init = bf16_values({H, P, N}, seed + 5);
  }
  Tensor col(const Tensor& b, int64_t from, int64_t n) const { return b.slice(1, from, from + n); }

  // Returns (y, final state) as host vectors.
  std::pair<std::vector<float>, std::vector<float>> run(Device dev) const {
    const DType act = dev == Device::Cuda ? DType::BF16 : DType::F32;
    const Tensor b = dev == Device::Cuda ? to_gpu(buf, act) : buf;
    const Tensor A_t = A.to(dev), D_t = D.to(dev), bias_t = bias.to(dev);
    Tensor y = dev == Device::Cuda ? gpu_empty({L, H * P}, act) : Tensor::empty({L, H * P}, act);
    Tensor st = with_init ? init.to(dev).clone() : Tensor::empty({H, P, N}, DType::F32, dev);
    if (dev == Device::Cuda && !with_init) poison(st);
    const int64_t GN = G * N;
    // With an initial state, the final state overwrites it in place (the layer's cache update).
    ops::ssd_scan(col(b, 0, H * P), col(b, H * P + 2 * GN, H), A_t, col(b, H * P, GN), col(b, H * P + GN, GN), params(D_t, bias_t),
                  with_init ? st : Tensor(), y, st);
    return {y.to_f32_vector(), st.to_f32_vector()};
  }
};

// Headdim 64 with d_state 128 has two CUDA kernels (the Hopper wgmma one runs by default): both are checked.
void check_ssd(SsdProblem pr, double tol_y = 1e-2, double tol_s = 5e-3) {
  INFO("L " << pr.L << " H " << pr.H << " P " << pr.P << " G " << pr.G << " N " << pr.N << " init " << pr.with_init << " D " << pr.with_D);
  const auto ref = pr.run(Device::Cpu);
  using K = ops::SsdParams::CudaKernel;
  std::vector<std::pair<std::vector<float>, std::vector<float>>> outs;
  for (K kernel : pr.P == 64 && pr.N == 128 ? std::vector<K>{K::Wgmma, K::MmaSync} : std::vector<K>{K::Auto}) {
    pr.kernel = kernel;
    const char* name = kernel == K::Wgmma ? "wgmma" : kernel == K::MmaSync ? "mma.sync" : "auto";
    INFO("kernel " << name);
    const auto gpu = pr.run(Device::Cuda);
    const double ey = test::rel_l2(gpu.first, ref.first), es = test::rel_l2(gpu.second, ref.second);
    INFO("rel_l2 y " << ey << " state " << es);
    std::printf("[ssd] L %lld H %lld P %lld G %lld N %lld %s: rel_l2 y %.2e state %.2e\n", static_cast<long long>(pr.L),
                static_cast<long long>(pr.H), static_cast<long long>(pr.P), static_cast<long long>(pr.G), static_cast<long long>(pr.N), name, ey,
                es);
    CHECK(ey < tol_y);
    CHECK(es < tol_s);
    outs.push_back(gpu);
  }
  if (outs.size() == 2) {  // the two kernels round the same operands: they agree far better than either with f32
    const double dy = test::rel_l2(outs[0].first, outs[1].first), ds = test::rel_l2(outs[0].second, outs[1].second);
    std::printf("[ssd] L %lld H %lld: wgmma vs mma.sync rel_l2 y %.2e state %.2e\n", static_cast<long long>(pr.L), static_cast<long long>(pr.H), dy, ds);
    CHECK(dy < tol_y / 4);
    CHECK(ds < tol_s / 4);
  }
}

}  // namespace

TEST_CASE("the CUDA SSD scan matches the CPU reference at tiny dims", "[gpu][mamba2][ssd]") {
  REQUIRE(test::have_cuda_device());
  uint64_t seed = 1;
  for (int64_t P : {64, 128})
    for (int64_t N : {64, 128})
      for (int64_t G : {1, 8})
        for (int64_t L : {int64_t{1}, int64_t{255}, int64_t{256}, int64_t{257}, test::len_or(4099, 600)}) {
          const int64_t H = G == 1 ? 3 : 16;  // 3 heads: a CTA of 3 heads; 16 heads in 8 groups: CTAs of 2
          check_ssd(SsdProblem(L, H, P, G, N, (seed & 1) != 0, (seed & 2) != 0, seed));
          ++seed;
        }
}

TEST_CASE("the CUDA SSD scan keeps long memories and survives strong decays", "[gpu][mamba2][ssd]") {
  REQUIRE(test::have_cuda_device());
  // dt ~ 1e-4..0.02: the state integrates thousands of tokens; dt up to 20: decays of e^-300 inside a chunk.
  check_ssd(SsdProblem(test::len_or(4099, 600), 4, 64, 1, 128, true, true, 71, -9.f, -4.f));
  check_ssd(SsdProblem(1000, 4, 64, 2, 64, true, true, 72, 0.f, 20.f));
}

TEST_CASE("the CUDA SSD scan matches the CPU reference at mamba2-2.7b and mmMamba dims", "[gpu][mamba2][ssd]") {
  REQUIRE(test::have_cuda_device());
  check_ssd(SsdProblem(test::len_or(4099, 600), 80, 64, 1, 128, true, true, 81));     // ML-Mamba LM / connector
  check_ssd(SsdProblem(test::len_or(4099, 600), 16, 128, 16, 128, false, false, 82));  // mmMamba: one B/C (k/q) per head, no D
  check_ssd(SsdProblem(test::len_or(1027, 520), 32, 64, 1, 128, false, true, 83));    // a 2048-wide layer
}

TEST_CASE("the CUDA causal conv1d matches the CPU reference with and without a state", "[gpu][mamba2][conv]") {
  REQUIRE(test::have_cuda_device());
  uint64_t seed = 100;
  for (int64_t C : {64, 5376, 6144})
    for (int64_t K : {2, 3, 4})
      for (int64_t L : {int64_t{1}, int64_t{3}, int64_t{255}, int64_t{257}, test::len_or(4099, 600)}) {
        ++seed;
        const bool with_init = seed % 2 == 0;
        INFO("C " << C << " K " << K << " L " << L << " init " << with_init);
        const int64_t W = C + 8;  // x is a strided view of a wider buffer
        const Tensor xb = bf16_values({L, W}, seed), w = test::random_tensor({C, 1, K}, DType::F32, seed + 1, -0.5f, 0.5f);
        const Tensor bias = test::random_tensor({C}, DType::F32, seed + 2), init = bf16_values({K, C}, seed + 3);
        Tensor y_ref = Tensor::empty({L, C}, DType::F32), f_ref = Tensor::empty({K, C}, DType::F32);
        ops::causal_conv1d(xb.slice(1, 8, W), w, bias, with_init ? init : Tensor(), y_ref, f_ref);

        const Tensor xg = to_gpu(xb, DType::BF16), wg = w.to(Device::Cuda), bg = bias.to(Device::Cuda);
        Tensor y = gpu_empty({L, C}, DType::BF16);
        Tensor f = with_init ? to_gpu(init, DType::BF16) : gpu_empty({K, C}, DType::BF16);  // final overwrites init in place
        ops::causal_conv1d(xg.slice(1, 8, W), wg, bg, with_init ? f : Tensor(), y, f);
        CHECK(test::rel_l2(y.to_f32_vector(), y_ref.to_f32_vector()) < 4e-3);
        CHECK(test::max_abs_diff(f.to_f32_vector(), f_ref.to_f32_vector()) == 0.0);  // raw inputs: copied exactly
      }
}

TEST_CASE("the CUDA conv1d update matches the CPU reference", "[gpu][mamba2][conv]") {
  REQUIRE(test::have_cuda_device());
  for (int64_t K : {2, 4}) {
    const int64_t batch = 3, C = 5376;
    const Tensor x = bf16_values({batch, C}, K), w = test::random_tensor({C, K}, DType::F32, K + 1, -0.5f, 0.5f);
    const Tensor bias = test::random_tensor({C}, DType::F32, K + 2), st0 = bf16_values({batch, K, C}, K + 3);
    Tensor st_ref = st0.clone(), y_ref = Tensor::empty({batch, C}, DType::F32);
    ops::conv1d_update(x, w, bias, st_ref, y_ref);
    Tensor st = to_gpu(st0, DType::BF16), y = gpu_empty({batch, C}, DType::BF16);
    ops::conv1d_update(to_gpu(x, DType::BF16), w.to(Device::Cuda), bias.to(Device::Cuda), st, y);
    CHECK(test::rel_l2(y.to_f32_vector(), y_ref.to_f32_vector()) < 4e-3);
    CHECK(test::max_abs_diff(st.to_f32_vector(), st_ref.to_f32_vector()) == 0.0);
  }
}

TEST_CASE("the CUDA SSM state update matches the CPU reference", "[gpu][mamba2][ssd]") {
  REQUIRE(test::have_cuda_device());
  struct Dims { int64_t H, P, G, N; };
  uint64_t seed = 200;
  for (const Dims d : {Dims{80, 64, 1, 128}, Dims{16, 128, 16, 128}, Dims{16, 64, 8, 64}, Dims{4, 128, 2, 64}})
    for (bool with_z : {false, true}) {
      ++seed;
      INFO("H " << d.H << " P " << d.P << " G " << d.G << " N " << d.N << " z " << with_z);
      const int64_t batch = 2;
      const Tensor x = bf16_values({batch, d.H * d.P}, seed), dt = bf16_values({batch, d.H}, seed + 1, -3.f, 1.f);
      const Tensor B = bf16_values({batch, d.G * d.N}, seed + 2), C = bf16_values({batch, d.G * d.N}, seed + 3);
      const Tensor z = bf16_values({batch, d.H * d.P}, seed + 4), s0 = test::random_tensor({batch, d.H, d.P, d.N}, DType::F32, seed + 5);
      std::vector<float> a = test::random_floats(d.H, seed + 6, 0.f, std::log(16.f));
      for (float& v : a) v = -std::exp(v);
      const Tensor A = Tensor::from_f32(a, {d.H});
      ops::SsdParams p;
      p.ngroups = d.G;
      p.D = bf16_values({d.H}, seed + 7);
      p.dt_bias = bf16_values({d.H}, seed + 8, -0.5f, 0.5f);
      Tensor s_ref = s0.clone(), y_ref = Tensor::empty({batch, d.H * d.P}, DType::F32);
      ops::ssm_state_update(x, dt, A, B, C, with_z ? z : Tensor(), p, s_ref, y_ref);

      ops::SsdParams pg = p;
      pg.D = p.D.to(Device::Cuda);
      pg.dt_bias = p.dt_bias.to(Device::Cuda);
      Tensor s = s0.to(Device::Cuda), y = gpu_empty({batch, d.H * d.P}, DType::BF16);
      ops::ssm_state_update(to_gpu(x, DType::BF16), to_gpu(dt, DType::BF16), A.to(Device::Cuda), to_gpu(B, DType::BF16),
                            to_gpu(C, DType::BF16), with_z ? to_gpu(z, DType::BF16) : Tensor(), pg, s, y);
      CHECK(test::rel_l2(s.to_f32_vector(), s_ref.to_f32_vector()) < 1e-5);  // f32 math on identical inputs
      CHECK(test::rel_l2(y.to_f32_vector(), y_ref.to_f32_vector()) < 4e-3);
    }
}

TEST_CASE("the CUDA fused decode step matches the CPU ops", "[gpu][mamba2][ssd]") {
  REQUIRE(test::have_cuda_device());
  struct Case { int64_t batch, H, P, G, N, K; bool z, norm, D; };
  uint64_t seed = 400;
  for (const Case c : {Case{1, 80, 64, 1, 128, 4, true, true, true}, Case{3, 80, 64, 1, 128, 4, true, true, true},
                       Case{2, 16, 128, 16, 128, 2, true, false, false}, Case{2, 16, 64, 8, 64, 3, true, true, true},
                       Case{1, 4, 128, 2, 64, 4, false, false, true}}) {
    seed += 10;
    INFO("batch " << c.batch << " H " << c.H << " P " << c.P << " G " << c.G << " N " << c.N << " K " << c.K << " norm " << c.norm);
    const int64_t HP = c.H * c.P, C = HP + 2 * c.G * c.N;
    const Tensor xbc = bf16_values({c.batch, C}, seed), dt = bf16_values({c.batch, c.H}, seed + 1, -3.f, 1.f);
    const Tensor z = bf16_values({c.batch, HP}, seed + 2, -3.f, 3.f), cs0 = bf16_values({c.batch, c.K, C}, seed + 3);
    const Tensor ss0 = test::random_tensor({c.batch, c.H, c.P, c.N}, DType::F32, seed + 4);
    const Tensor w = test::random_tensor({C, c.K}, DType::F32, seed + 5, -0.5f, 0.5f), b = test::random_tensor({C}, DType::F32, seed + 6);
    const Tensor nw = test::random_tensor({HP}, DType::F32, seed + 7, 0.5f, 1.5f);
    std::vector<float> av = test::random_floats(c.H, seed + 8, 0.f, std::log(16.f));
    for (float& v : av) v = -std::exp(v);
    const Tensor A = Tensor::from_f32(av, {c.H});
    ops::SsdParams p;
    p.ngroups = c.G;
    if (c.D) p.D = bf16_values({c.H}, seed + 9);
    p.dt_bias = bf16_values({c.H}, seed + 10, -0.5f, 0.5f);
    Tensor cs_ref = cs0.clone(), ss_ref = ss0.clone(), y_ref = Tensor::empty({c.batch, HP}, DType::F32);
    ops::mamba2_decode_step(xbc, dt, c.z ? z : Tensor(), w, b, A, p, c.norm ? nw : Tensor(), 1e-5f, cs_ref, ss_ref, y_ref);

    ops::SsdParams pg = p;
    pg.D = p.D.defined() ? p.D.to(Device::Cuda) : Tensor();
    pg.dt_bias = p.dt_bias.to(Device::Cuda);
    Tensor cs = to_gpu(cs0, DType::BF16), ss = ss0.to(Device::Cuda), y = gpu_empty({c.batch, HP}, DType::BF16);
    ops::mamba2_decode_step(to_gpu(xbc, DType::BF16), to_gpu(dt, DType::BF16), c.z ? to_gpu(z, DType::BF16) : Tensor(), w.to(Device::Cuda),
                            b.to(Device::Cuda), A.to(Device::Cuda), pg, c.norm ? nw.to(Device::Cuda) : Tensor(), 1e-5f, cs, ss, y);
    CHECK(test::max_abs_diff(cs.to_f32_vector(), cs_ref.to_f32_vector()) == 0.0);  // raw inputs shifted: exact
    // The kernel rounds the conv outputs (x, B, C) and y to bf16 as the separate CUDA ops do; the f32 CPU ops do not.
    CHECK(test::rel_l2(ss.to_f32_vector(), ss_ref.to_f32_vector()) < 4e-3);
    CHECK(test::rel_l2(y.to_f32_vector(), y_ref.to_f32_vector()) < 8e-3);
  }
}

TEST_CASE("the CUDA gated rmsnorm matches the CPU reference", "[gpu][mamba2][norm]") {
  REQUIRE(test::have_cuda_device());
  struct Case { int64_t rows, D, group; bool z; };
  uint64_t seed = 300;
  for (const Case c : {Case{1, 5120, 5120, true}, Case{257, 5120, 5120, true}, Case{33, 4096, 512, true}, Case{7, 2048, 128, false},
                       Case{5, 8192, 8192, true}}) {
    ++seed;
    INFO("rows " << c.rows << " D " << c.D << " group " << c.group);
    const Tensor y = bf16_values({c.rows, c.D}, seed), z = bf16_values({c.rows, c.D}, seed + 1, -3.f, 3.f);
    const Tensor w = test::random_tensor({c.D}, DType::F32, seed + 2, 0.5f, 1.5f);
    Tensor ref = Tensor::empty({c.rows, c.D}, DType::F32);
    ops::gated_rmsnorm(y, c.z ? z : Tensor(), w, ref, c.group, 1e-5f);
    Tensor yg = to_gpu(y, DType::BF16);  // normalised in place, as the layer does
    ops::gated_rmsnorm(yg, c.z ? to_gpu(z, DType::BF16) : Tensor(), w.to(Device::Cuda), yg, c.group, 1e-5f);
    CHECK(test::rel_l2(yg.to_f32_vector(), ref.to_f32_vector()) < 4e-3);
  }
}

TEST_CASE("the CUDA Mamba2Mixer matches the CPU layer in prefill and decode", "[gpu][mamba2][model]") {
  REQUIRE(test::have_cuda_device());
  test::TempDir dir("mixer-gpu");
  for (int64_t ngroups : {1, 2}) {
    INFO("ngroups " << ngroups);
    // d_model 256: 8 heads of 64, d_state 128 (the 2.7b head shape).
    const Mamba2Config cfg = test::small_mamba2_config(256, 64, ngroups, 128, 256);
    const std::string path = dir.file("layer.safetensors");
    test::write_random_mamba2_layer(path, cfg, 40 + ngroups);
    const Checkpoint ck = Checkpoint::open(path);
    const Mamba2Mixer cpu(cfg, ck, "", Device::Cpu), gpu(cfg, ck, "", Device::Cuda);
    const int64_t L = 300, steps = 5;
    const Tensor u = bf16_values({L + steps, cfg.d_model}, 50);

    Tensor ref = Tensor::empty({L + steps, cfg.d_model}, DType::F32);
    Mamba2Cache cc = Mamba2Cache::zeros(cfg, 1, Device::Cpu, DType::F32);
    Tensor r1 = ref.slice(0, 0, L);
    cpu.forward(u.slice(0, 0, L), r1, &cc);
    Tensor out = gpu_empty({L + steps, cfg.d_model}, DType::BF16);
    Mamba2Cache gc = Mamba2Cache::zeros(cfg, 1, Device::Cuda, DType::BF16);
    Tensor o1 = out.slice(0, 0, L);
    gpu.forward(to_gpu(u.slice(0, 0, L).contiguous(), DType::BF16), o1, &gc);
    for (int64_t t = L; t < L + steps; ++t) {
      Tensor rt = ref.slice(0, t, t + 1), ot = out.slice(0, t, t + 1);
      cpu.step(u.slice(0, t, t + 1), rt, cc);
      gpu.step(to_gpu(u.slice(0, t, t + 1).contiguous(), DType::BF16), ot, gc);
    }
    // bf16 activations through two GEMMs, the conv, the scan and the norm: a few bf16 roundings in series.
    CHECK(test::rel_l2(out.to_f32_vector(), ref.to_f32_vector()) < 2e-2);
    CHECK(test::rel_l2(gc.ssm.to_f32_vector(), cc.ssm.to_f32_vector()) < 2e-2);
    CHECK(test::rel_l2(gc.conv.to_f32_vector(), cc.conv.to_f32_vector()) < 1e-2);
  }
}

TEST_CASE("the CUDA Mamba2Mixer reproduces the PyTorch reference layer", "[gpu][mamba2][golden]") {
  REQUIRE(test::have_cuda_device());
  const test::Mamba2GoldenRun r = test::run_mamba2_golden(Device::Cuda);
  for (const auto& [name, got] : r.got) {
    INFO(name << " rel_l2 " << test::rel_l2(got, r.want.at(name)));
    CHECK(test::rel_l2(got, r.want.at(name)) < 2e-2);  // bf16 activations, as in the mixer test above
  }
}
