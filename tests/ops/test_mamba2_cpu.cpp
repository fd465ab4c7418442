// CPU tests of the Mamba-2 references: the chunked SSD against the sequential recurrence, state hand-offs
// (prefill then decode, split prefills) for the scan and the conv, the gated norm against its formula, and the
// ops' argument checks. All f32: tolerances are f32 rounding over a few hundred accumulated terms.
#include <catch2/catch.hpp>

#include <cmath>

#include "engine/ops/cpu/mamba2.h"
#include "engine/ops/cpu/ssd.h"
#include "engine/ops/mamba2.h"
#include "tests/support.h"

using namespace mambascope;

namespace {

// Random SSD inputs with realistic ranges: raw dt in [-4, 1] (softplus: 0.018 .. 1.3), A = -exp(A_log) with
// A_log in [0, log 16] (decays per token from e^-0.018 to e^-21), x, B, C in [-1, 1].
struct SsdCase {
  ops::cpu::SsdDims d;
  std::vector<float> x, dt_raw, dt, A, B, C, D, bias, init;
  SsdCase(int64_t L, int64_t H, int64_t P, int64_t G, int64_t N, uint64_t seed) : d{L, H, P, G, N} {
    x = test::random_floats(L * H * P, seed);
    dt_raw = test::random_floats(L * H, seed + 1, -4.f, 1.f);
    bias = test::random_floats(H, seed + 2, -0.5f, 0.5f);
    A = test::random_floats(H, seed + 3, 0.f, std::log(16.f));
    for (float& a : A) a = -std::exp(a);
    B = test::random_floats(L * G * N, seed + 4);
    C = test::random_floats(L * G * N, seed + 5);
    D = test::random_floats(H, seed + 6);
    init = test::random_floats(H * P * N, seed + 7);
    dt.resize(dt_raw.size());
    ops::cpu::ssd_discretize_dt(L, H, dt_raw.data(), bias.data(), true, 0.f, INFINITY, dt.data());
  }
  // Runs `fn` (sequential or chunked) from the initial state (or zeros); returns y and the final state.
  template <class Fn>
  std::pair<std::vector<float>, std::vector<float>> run(Fn fn, bool with_init, bool with_D = true) const {
    std::vector<float> y(x.size()), state = with_init ? init : std::vector<float>(init.size(), 0.f);
    fn(ops::cpu::SsdArrays{x.data(), dt.data(), A.data(), B.data(), C.data(), with_D ? D.data() : nullptr, state.data(), y.data()});
    return {y, state};
  }
};

std::vector<float> sub(const std::vector<float>& v, int64_t row0, int64_t rows, int64_t width) {
  return {v.begin() + row0 * width, v.begin() + (row0 + rows) * width};
}

}  // namespace

TEST_CASE("the chunked SSD matches the sequential recurrence", "[ops][mamba2][ssd]") {
  for (int64_t L : {1, 63, 255, 256, 257, 600, 4099}) {
    for (int64_t chunk : {64, 256}) {
      for (bool with_init : {false, true}) {
        INFO("L " << L << " chunk " << chunk << " init " << with_init);
        const SsdCase c(L, 4, 8, 2, 16, 100 + L);
        const auto seq = c.run([&](const ops::cpu::SsdArrays& a) { ops::cpu::ssd_sequential(c.d, a); }, with_init);
        const auto chk = c.run([&](const ops::cpu::SsdArrays& a) { ops::cpu::ssd_chunked(c.d, chunk, a); }, with_init);
        CHECK(test::rel_l2(chk.first, seq.first) < 1e-5);
        CHECK(test::rel_l2(chk.second, seq.second) < 1e-5);
      }
    }
  }
}

TEST_CASE("the sequential recurrence matches a double-precision evaluation of its definition", "[ops][mamba2][ssd]") {
  // One group shared by three heads, no D: the terms written out per element in double precision.
  const SsdCase c(37, 3, 4, 1, 5, 7);
  const auto got = c.run([&](const ops::cpu::SsdArrays& a) { ops::cpu::ssd_sequential(c.d, a); }, true, false);
  std::vector<double> h(c.init.begin(), c.init.end());
  std::vector<float> want(c.x.size());
  for (int64_t t = 0; t < c.d.L; ++t)
    for (int64_t hd = 0; hd < c.d.H; ++hd)
      for (int64_t p = 0; p < c.d.P; ++p) {
        double y = 0;
        for (int64_t n = 0; n < c.d.N; ++n) {
          double& s = h[(hd * c.d.P + p) * c.d.N + n];
          const double dt = c.dt[t * c.d.H + hd];
          s = std::exp(dt * c.A[hd]) * s + dt * c.x[t * c.d.H * c.d.P + hd * c.d.P + p] * c.B[t * c.d.N + n];
          y += s * c.C[t * c.d.N + n];
        }
        want[t * c.d.H * c.d.P + hd * c.d.P + p] = static_cast<float>(y);
      }
  CHECK(test::rel_l2(got.first, want) < 1e-5);
  CHECK(test::rel_l2(got.second, std::vector<float>(h.begin(), h.end())) < 1e-5);
}

TEST_CASE("dt discretisation applies bias softplus and the limits", "[ops][mamba2][ssd]") {
  const std::vector<float> raw = {-30.f, 0.f, 1.f, 25.f};
  const std::vector<float> bias = {0.5f};
  std::vector<float> dt(4);
  ops::cpu::ssd_discretize_dt(4, 1, raw.data(), bias.data(), true, 0.f, INFINITY, dt.data());
  CHECK(dt[0] == Approx(std::log1p(std::exp(-29.5))).epsilon(1e-6));
  CHECK(dt[1] == Approx(std::log1p(std::exp(0.5))));
  CHECK(dt[3] == 25.5f);  // passes through above 20
  ops::cpu::ssd_discretize_dt(4, 1, raw.data(), nullptr, false, 0.1f, 2.f, dt.data());
  CHECK(dt == std::vector<float>{0.1f, 0.1f, 1.f, 2.f});
}

TEST_CASE("an SSD prefill split in two with the state handed over equals one prefill", "[ops][mamba2][ssd]") {
  const SsdCase c(700, 4, 8, 2, 16, 5);
  const auto whole = c.run([&](const ops::cpu::SsdArrays& a) { ops::cpu::ssd_chunked(c.d, 256, a); }, true);
  // First 300 tokens, then the remaining 400 from the state after them (a chunk boundary inside neither part).
  const int64_t L1 = 300, HP = c.d.H * c.d.P, GN = c.d.G * c.d.N;
  std::vector<float> state = c.init, y(c.x.size());
  for (auto [t0, len] : {std::pair<int64_t, int64_t>{0, L1}, {L1, c.d.L - L1}}) {
    ops::cpu::SsdDims d = c.d;
    d.L = len;
    ops::cpu::ssd_chunked(d, 256, {c.x.data() + t0 * HP, c.dt.data() + t0 * c.d.H, c.A.data(), c.B.data() + t0 * GN,
                                   c.C.data() + t0 * GN, c.D.data(), state.data(), y.data() + t0 * HP});
  }
  CHECK(test::rel_l2(y, whole.first) < 1e-5);
  CHECK(test::rel_l2(state, whole.second) < 1e-5);
}

TEST_CASE("SSD prefill then token-by-token decode equals one long prefill", "[ops][mamba2][ssd]") {
  // Through the ops (tensors, raw dt, bias, softplus) on the CPU backend: prefill 260 tokens, decode 40.
  const int64_t L = 300, L1 = 260, H = 4, P = 8, G = 2, N = 16;
  const Tensor x = test::random_tensor({L, H * P}, DType::F32, 1), dt = test::random_tensor({L, H}, DType::F32, 2, -4.f, 1.f);
  const Tensor B = test::random_tensor({L, G * N}, DType::F32, 3), C = test::random_tensor({L, G * N}, DType::F32, 4);
  const Tensor A = Tensor::from_f32({-1.f, -0.5f, -4.f, -0.1f}, {H});
  ops::SsdParams p;
  p.ngroups = G;
  p.D = test::random_tensor({H}, DType::F32, 5);
  p.dt_bias = test::random_tensor({H}, DType::F32, 6, -0.5f, 0.5f);
  const Tensor init = test::random_tensor({H, P, N}, DType::F32, 7);
  Tensor y_ref = Tensor::empty({L, H * P}, DType::F32), s_ref = Tensor::empty({H, P, N}, DType::F32);
  ops::ssd_scan(x, dt, A, B, C, p, init, y_ref, s_ref);

  Tensor y = Tensor::empty({L, H * P}, DType::F32), state = init.clone();
  Tensor y1 = y.slice(0, 0, L1);
  ops::ssd_scan(x.slice(0, 0, L1), dt.slice(0, 0, L1), A, B.slice(0, 0, L1), C.slice(0, 0, L1), p, state, y1, state);
  Tensor s4 = state.view({1, H, P, N});
  for (int64_t t = L1; t < L; ++t) {
    Tensor yt = y.slice(0, t, t + 1);
    ops::ssm_state_update(x.slice(0, t, t + 1), dt.slice(0, t, t + 1), A, B.slice(0, t, t + 1), C.slice(0, t, t + 1), Tensor(), p, s4, yt);
  }
  CHECK(test::rel_l2(y.to_f32_vector(), y_ref.to_f32_vector()) < 1e-5);
  CHECK(test::rel_l2(state.to_f32_vector(), s_ref.to_f32_vector()) < 1e-5);
}

TEST_CASE("conv prefill with an initial state equals the conv of the concatenated sequence", "[ops][mamba2][conv]") {
  for (int64_t K : {2, 3, 4}) {
    const int64_t C = 24, L = 50;
    const std::vector<float> x = test::random_floats(L * C, 10 + K), w = test::random_floats(C * K, 20 + K), b = test::random_floats(C, 30);
    std::vector<float> y_ref(L * C), fs_ref(K * C);
    ops::cpu::causal_conv1d(L, C, K, x.data(), w.data(), b.data(), nullptr, true, y_ref.data(), fs_ref.data());
    for (int64_t L1 : {int64_t{1}, K - 1, int64_t{17}}) {  // including a first part shorter than the kernel
      INFO("K " << K << " L1 " << L1);
      std::vector<float> y(L * C), st(K * C);
      ops::cpu::causal_conv1d(L1, C, K, x.data(), w.data(), b.data(), nullptr, true, y.data(), st.data());
      ops::cpu::causal_conv1d(L - L1, C, K, x.data() + L1 * C, w.data(), b.data(), st.data(), true, y.data() + L1 * C, st.data());
      CHECK(test::max_abs_diff(y, y_ref) == 0.0);
      CHECK(test::max_abs_diff(st, fs_ref) == 0.0);
    }
  }
}

TEST_CASE("conv prefill then conv updates equal the conv of the whole sequence", "[ops][mamba2][conv]") {
  const int64_t C = 16, L = 20, K = 4, L1 = 2;  // prefill shorter than the kernel: the state is zero-padded
  const Tensor x = test::random_tensor({L, C}, DType::F32, 1), w = test::random_tensor({C, 1, K}, DType::F32, 2);
  const Tensor b = test::random_tensor({C}, DType::F32, 3);
  Tensor y_ref = Tensor::empty({L, C}, DType::F32), none;
  ops::causal_conv1d(x, w, b, Tensor(), y_ref, none);
  Tensor y = Tensor::empty({L, C}, DType::F32), state = Tensor::empty({1, K, C}, DType::F32);
  Tensor y1 = y.slice(0, 0, L1), s2 = state.select(0, 0);
  ops::causal_conv1d(x.slice(0, 0, L1), w, b, Tensor(), y1, s2);
  for (int64_t t = L1; t < L; ++t) {
    Tensor yt = y.slice(0, t, t + 1);
    ops::conv1d_update(x.slice(0, t, t + 1), w, b, state, yt);
  }
  CHECK(test::max_abs_diff(y.to_f32_vector(), y_ref.to_f32_vector()) == 0.0);
  // The state holds the last K inputs, newest last.
  const std::vector<float> sv = state.to_f32_vector(), xv = x.to_f32_vector();
  CHECK(std::vector<float>(sv.begin(), sv.end()) == std::vector<float>(xv.end() - K * C, xv.end()));
}

TEST_CASE("the conv matches its definition at the sequence start", "[ops][mamba2][conv]") {
  // y[0] sees only x[0] (zeros before); y[1] sees x[0], x[1]; with SiLU off.
  const std::vector<float> x = {1.f, 2.f, 3.f}, w = {0.5f, -1.f, 2.f}, b = {0.25f};
  std::vector<float> y(3), st(3);
  ops::cpu::causal_conv1d(3, 1, 3, x.data(), w.data(), b.data(), nullptr, false, y.data(), st.data());
  CHECK(y == std::vector<float>{0.25f + 2.f, 0.25f - 1.f + 4.f, 0.25f + 0.5f - 2.f + 6.f});
  CHECK(st == x);
}

TEST_CASE("gated rmsnorm normalises each group of y times silu z", "[ops][mamba2][norm]") {
  const int64_t rows = 3, D = 12, group = 4;
  const std::vector<float> y = test::random_floats(rows * D, 1), z = test::random_floats(rows * D, 2), w = test::random_floats(D, 3);
  std::vector<float> out(rows * D), want(rows * D);
  ops::cpu::gated_rmsnorm(rows, D, group, y.data(), z.data(), w.data(), 1e-5f, out.data());
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t g = 0; g < D / group; ++g) {
      double ms = 0;
      for (int64_t i = 0; i < group; ++i) {
        const double v = y[r * D + g * group + i] * (z[r * D + g * group + i] / (1 + std::exp(-z[r * D + g * group + i])));
        ms += v * v / group;
      }
      for (int64_t i = 0; i < group; ++i) {
        const int64_t c = r * D + g * group + i;
        want[c] = static_cast<float>(y[c] * (z[c] / (1 + std::exp(-z[c]))) / std::sqrt(ms + 1e-5) * w[g * group + i]);
      }
    }
  CHECK(test::rel_l2(out, want) < 1e-6);
}

TEST_CASE("the mamba2 ops name the argument that is wrong", "[ops][mamba2]") {
  const Tensor x = Tensor::zeros({10, 32}, DType::F32), dt = Tensor::zeros({10, 4}, DType::F32), A = Tensor::zeros({4}, DType::F32);
  const Tensor B = Tensor::zeros({10, 16}, DType::F32), C = Tensor::zeros({10, 16}, DType::F32);
  Tensor y = Tensor::zeros({10, 32}, DType::F32), fs = Tensor::zeros({4, 8, 16}, DType::F32);
  ops::SsdParams p;
  p.ngroups = 3;
  REQUIRE_ERROR_MENTIONS(ops::ssd_scan(x, dt, A, B, C, p, Tensor(), y, fs), "ssd_scan", "ngroups", "must divide");
  p.ngroups = 1;
  const Tensor bad_dt = Tensor::zeros({10, 3}, DType::F32);
  REQUIRE_ERROR_MENTIONS(ops::ssd_scan(x, bad_dt, A, B, C, p, Tensor(), y, fs), "ssd_scan", "dt", "[10, 4]");
  Tensor bad_fs = Tensor::zeros({4, 8, 8}, DType::F32);
  REQUIRE_ERROR_MENTIONS(ops::ssd_scan(x, dt, A, B, C, p, Tensor(), y, bad_fs), "final_state");
  Tensor none;
  REQUIRE_ERROR_MENTIONS(ops::causal_conv1d(x, Tensor::zeros({31, 4}, DType::F32), Tensor(), Tensor(), y, none), "causal_conv1d", "w");
  REQUIRE_ERROR_MENTIONS(ops::gated_rmsnorm(x, Tensor(), Tensor::zeros({32}, DType::F32), y, 5, 1e-5f), "gated_rmsnorm", "group");
  Tensor st = Tensor::zeros({2, 4, 32}, DType::F32);
  REQUIRE_ERROR_MENTIONS(ops::conv1d_update(x, Tensor::zeros({32, 4}, DType::F32), Tensor(), st, y), "conv1d_update", "state");
}
