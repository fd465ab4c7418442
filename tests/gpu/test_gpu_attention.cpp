// GPU attention kernels against the CPU twin (engine/ops/cpu/attention.h): prefill (mma.sync and wgmma
// kernels) and split-K decode, at tiny and real shapes. Outputs are poisoned (bf16 NaN) before each run, and
// a slack row past the output (or cache rows past kv_len) stays poisoned / unread.
//
// Tolerance: inputs are bf16 and exact on both sides; the GPU rounds P to bf16 before P V (relative 2^-9 per
// weight, averaging out over keys) and rounds the output to bf16 (2^-9 relative): ~3e-3 in relative L2.
// 1e-2 leaves room for f32 summation-order differences and is still far below any indexing or masking bug
// (those give errors of order 1).
#include <catch2/catch.hpp>

#include <cuda_runtime_api.h>

#include <cmath>

#include "engine/core/arena.h"
#include "engine/core/cuda.h"
#include "engine/core/cuda_check.h"
#include "engine/ops/attention.h"
#include "engine/ops/cpu/attention.h"
#include "engine/ops/fill.h"
#include "tests/gpu/gpu_support.h"
#include "tests/support.h"

using namespace mambascope;

namespace {

using test::dev_random;
using test::poison;

constexpr double kTol = 1e-2;

bool all_nan(const Tensor& t) {
  for (float v : t.to_f32_vector())
    if (!std::isnan(v)) return false;
  return true;
}

const char* kernel_name(ops::AttentionKernel k) {
  switch (k) {
    case ops::AttentionKernel::Wgmma: return "wgmma";
    case ops::AttentionKernel::Mma: return "mma";
    default: return "auto";
  }
}

struct Prefill {
  int b, hq, hkv, d;
  int64_t lq, lk;
  bool causal;
  ops::AttentionKernel kernel;
};

// Runs one prefill on the GPU and compares the sampled rows with the CPU twin.
void check_prefill(const Prefill& c, uint64_t seed) {
  INFO("b=" << c.b << " hq=" << c.hq << " hkv=" << c.hkv << " d=" << c.d << " lq=" << c.lq << " lk=" << c.lk
            << " causal=" << c.causal << " kernel=" << kernel_name(c.kernel));
  const Tensor q = dev_random({c.b, c.lq, c.hq, c.d}, seed, 2.f);
  const Tensor k = dev_random({c.b, c.lk, c.hkv, c.d}, seed + 1, 1.f);
  const Tensor v = dev_random({c.b, c.lk, c.hkv, c.d}, seed + 2, 1.f);
  Tensor obuf = Tensor::empty({c.b, c.lq + 1, c.hq, c.d}, DType::BF16, Device::Cuda);
  poison(obuf);
  Tensor o = obuf.slice(1, 0, c.lq);
  ops::AttentionOptions opt;
  opt.causal = c.causal;
  opt.kernel = c.kernel;
  ops::attention_prefill(q, k, v, o, opt);

  const int64_t work = c.lq * c.lk * c.hq * c.b;
  const int64_t step = work > 20'000'000 ? 13 : work > 2'000'000 ? 3 : 1;
  const std::vector<float> qf = q.to_f32_vector(), kf = k.to_f32_vector(), vf = v.to_f32_vector();
  std::vector<float> ref(qf.size(), 0.f);
  cpu::attention({c.b, c.hq, c.hkv, c.d, c.lq, c.lk}, qf.data(), kf.data(), vf.data(), ref.data(),
                 1.f / std::sqrt(float(c.d)), c.causal, step);
  const Tensor oh = obuf.to(Device::Cpu);  // strided device views cannot be gathered on the device
  const std::vector<float> got = oh.slice(1, 0, c.lq).contiguous().to_f32_vector();
  std::vector<float> g, r;
  const int64_t row = int64_t{c.hq} * c.d;
  for (int bb = 0; bb < c.b; ++bb)
    for (int64_t i = 0; i < c.lq; ++i)
      if (i % step == 0 || i == c.lq - 1)
        for (int64_t e = 0; e < row; ++e) {
          g.push_back(got[(bb * c.lq + i) * row + e]);
          r.push_back(ref[(bb * c.lq + i) * row + e]);
        }
  CHECK(test::rel_l2(g, r) < kTol);
  CHECK(test::max_abs_diff(g, r) < 3e-2);
  CHECK(all_nan(oh.slice(1, c.lq, c.lq + 1)));
}

std::vector<ops::AttentionKernel> kernels_for(int d) {
  if (d == 128) return {ops::AttentionKernel::Mma, ops::AttentionKernel::Wgmma};
  return {ops::AttentionKernel::Mma};
}

}  // namespace

TEST_CASE("gpu prefill attention matches the cpu reference at tiny shapes", "[gpu][ops][attention]") {
  REQUIRE(test::have_cuda_device());
  uint64_t seed = 100;
  for (int d : {64, 72, 128})
    for (int64_t len : {1, 63, 64, 65, 130})
      for (bool causal : {false, true})
        for (int hkv : {2, 4})
          for (ops::AttentionKernel kern : kernels_for(d)) check_prefill({2, 4, hkv, d, len, len, causal, kern}, seed += 3);
}

TEST_CASE("gpu prefill attention matches the cpu reference at real shapes", "[gpu][ops][attention]") {
  REQUIRE(test::have_cuda_device());
  uint64_t seed = 500;
  for (int d : {64, 72, 128})
    for (int64_t len : {test::len_or(1000, 300), test::len_or(4097, 600)})
      for (bool causal : {false, true})
        for (int hkv : {8, 16})
          for (ops::AttentionKernel kern : kernels_for(d)) check_prefill({1, 16, hkv, d, len, len, causal, kern}, seed += 3);
  // The ViT encoders' shapes: SigLIP so400m (729 patches, 16 heads of 72), DINOv2 ViT-L (1370 tokens, 16 x 64).
  check_prefill({2, 16, 16, 72, 729, 729, false, ops::AttentionKernel::Auto}, 900);
  check_prefill({2, 16, 16, 64, 1370, 1370, false, ops::AttentionKernel::Auto}, 903);
}

TEST_CASE("gpu prefill continues a cached prefix when there are fewer queries than keys", "[gpu][ops][attention]") {
  REQUIRE(test::have_cuda_device());
  for (ops::AttentionKernel kern : kernels_for(128)) {
    check_prefill({1, 4, 2, 128, 100, 1000, true, kern}, 31);
    check_prefill({1, 4, 2, 128, 1, 777, true, kern}, 37);
    // More queries than keys: the first 100 rows see no key and must be zeros.
    check_prefill({1, 4, 2, 128, 300, 200, true, kern}, 41);
  }
}

TEST_CASE("gpu prefill reads q k v as strided views of one fused projection", "[gpu][ops][attention]") {
  REQUIRE(test::have_cuda_device());
  const int64_t L = 777, Hq = 16, Hkv = 8, D = 128;
  const Tensor qkv = dev_random({1, L, Hq + 2 * Hkv, D}, 61, 1.f);  // the QKV GEMM's output, heads in order
  const Tensor q = qkv.slice(2, 0, Hq), k = qkv.slice(2, Hq, Hq + Hkv), v = qkv.slice(2, Hq + Hkv, Hq + 2 * Hkv);
  const Tensor qkv_h = qkv.to(Device::Cpu);
  const std::vector<float> qf = qkv_h.slice(2, 0, Hq).contiguous().to_f32_vector(),
                           kf = qkv_h.slice(2, Hq, Hq + Hkv).contiguous().to_f32_vector(),
                           vf = qkv_h.slice(2, Hq + Hkv, Hq + 2 * Hkv).contiguous().to_f32_vector();
  std::vector<float> ref(qf.size());
  cpu::attention({1, int(Hq), int(Hkv), int(D), L, L}, qf.data(), kf.data(), vf.data(), ref.data(), 1.f / std::sqrt(float(D)), true);
  for (ops::AttentionKernel kern : kernels_for(128)) {
    INFO("kernel=" << kernel_name(kern));
    Tensor obuf = Tensor::empty({1, L, Hq + 3, D}, DType::BF16, Device::Cuda);  // o strided as well
    poison(obuf);
    Tensor o = obuf.slice(2, 0, Hq);
    ops::AttentionOptions opt;
    opt.kernel = kern;
    ops::attention_prefill(q, k, v, o, opt);
    const Tensor oh = obuf.to(Device::Cpu);
    CHECK(test::rel_l2(oh.slice(2, 0, Hq).contiguous().to_f32_vector(), ref) < kTol);
    CHECK(all_nan(oh.slice(2, Hq, Hq + 3)));
  }
}

TEST_CASE("the wgmma and mma prefill kernels agree at 16k tokens and the wgmma kernel is deterministic", "[gpu][ops][attention]") {
  REQUIRE(test::have_cuda_device());
  const int64_t L = test::len_or(16384, 2048);
  const Tensor q = dev_random({1, L, 16, 128}, 71, 2.f), k = dev_random({1, L, 8, 128}, 72, 1.f),
               v = dev_random({1, L, 8, 128}, 73, 1.f);
  for (bool causal : {true, false}) {
    INFO("causal=" << causal);
    Tensor a = Tensor::empty({1, L, 16, 128}, DType::BF16, Device::Cuda), b = Tensor::empty({1, L, 16, 128}, DType::BF16, Device::Cuda);
    poison(a);
    poison(b);
    ops::AttentionOptions opt;
    opt.causal = causal;
    opt.kernel = ops::AttentionKernel::Mma;
    ops::attention_prefill(q, k, v, a, opt);
    opt.kernel = ops::AttentionKernel::Wgmma;
    ops::attention_prefill(q, k, v, b, opt);
    // Two bf16 results of the same math: each within ~3e-3 of the exact value.
    CHECK(test::rel_l2(b.to_f32_vector(), a.to_f32_vector()) < kTol);
    // Run-to-run the wgmma kernel is deterministic (no atomics, fixed order): a race would show here.
    Tensor c = Tensor::empty({1, L, 16, 128}, DType::BF16, Device::Cuda);
    poison(c);
    ops::attention_prefill(q, k, v, c, opt);
    CHECK(c.to_f32_vector() == b.to_f32_vector());
  }
}

namespace {

struct Decode {
  int hq, hkv, d;
  int64_t len;
};

}  // namespace

TEST_CASE("gpu decode attention matches the cpu reference and ignores cache rows past the length", "[gpu][ops][attention]") {
  REQUIRE(test::have_cuda_device());
  uint64_t seed = 1000;
  for (int d : {64, 128})
    for (int hkv : {8, 16, 2})
      for (int64_t len : {int64_t{1}, int64_t{63}, int64_t{64}, int64_t{65}, test::len_or(1000, 300), test::len_or(4097, 600)}) {
        const int hq = 16, b = 2;
        const int64_t cap = len + 37;
        INFO("d=" << d << " hkv=" << hkv << " len=" << len);
        const Tensor q = dev_random({b, hq, d}, seed += 3, 2.f);
        Tensor kc = dev_random({b, cap, hkv, d}, seed + 1, 1.f), vc = dev_random({b, cap, hkv, d}, seed + 2, 1.f);
        Tensor k_tail = kc.slice(1, len, cap), v_tail = vc.slice(1, len, cap);
        const std::vector<float> kf = kc.to(Device::Cpu).slice(1, 0, len).contiguous().to_f32_vector(),
                                 vf = vc.to(Device::Cpu).slice(1, 0, len).contiguous().to_f32_vector(), qf = q.to_f32_vector();
        for (int bb = 0; bb < b; ++bb) {  // NaN in the unused tail of every sequence's cache
          Tensor kt = k_tail.select(0, bb), vt = v_tail.select(0, bb);
          MS_CUDA_CHECK(cudaMemsetAsync(kt.data(), 0xFF, size_t(37 * hkv * d * 2), gpu_context().stream));
          MS_CUDA_CHECK(cudaMemsetAsync(vt.data(), 0xFF, size_t(37 * hkv * d * 2), gpu_context().stream));
        }
        Tensor o = Tensor::empty({b, hq, d}, DType::BF16, Device::Cuda);
        poison(o);
        ops::attention_decode(q, kc, vc, o, len);
        std::vector<float> ref(qf.size());
        cpu::attention({b, hq, hkv, d, 1, len}, qf.data(), kf.data(), vf.data(), ref.data(), 1.f / std::sqrt(float(d)), false);
        CHECK(test::rel_l2(o.to_f32_vector(), ref) < kTol);
      }
}

TEST_CASE("gpu decode attention equals the last row of gpu prefill attention", "[gpu][ops][attention]") {
  REQUIRE(test::have_cuda_device());
  for (int64_t L : {test::len_or(1000, 300), test::len_or(4097, 600), test::len_or(16384, 2048)}) {
    INFO("L=" << L);
    const Tensor q = dev_random({1, L, 16, 128}, 81, 2.f), k = dev_random({1, L, 8, 128}, 82, 1.f),
                 v = dev_random({1, L, 8, 128}, 83, 1.f);
    Tensor o = Tensor::empty({1, L, 16, 128}, DType::BF16, Device::Cuda);
    ops::attention_prefill(q, k, v, o, {});
    Tensor od = Tensor::empty({1, 16, 128}, DType::BF16, Device::Cuda);
    poison(od);
    ops::attention_decode(q.select(1, L - 1), k, v, od, L);
    CHECK(test::rel_l2(od.to_f32_vector(), o.to(Device::Cpu).select(1, L - 1).contiguous().to_f32_vector()) < kTol);
  }
}

TEST_CASE("gpu decode reads its length from the device inside a replayed cuda graph", "[gpu][ops][attention]") {
  REQUIRE(test::have_cuda_device());
  const int64_t cap = 4097;
  const Tensor q = dev_random({1, 16, 128}, 91, 2.f), kc = dev_random({1, cap, 8, 128}, 92, 1.f),
               vc = dev_random({1, cap, 8, 128}, 93, 1.f);
  Arena arena(Device::Cuda, size_t{8} << 20, MemCategory::Workspace, "decode-test");
  Tensor len_dev = Tensor::empty({1}, DType::I32, Device::Cuda);
  Tensor o = Tensor::empty({1, 16, 128}, DType::BF16, Device::Cuda);
  ops::DecodeOptions opt;
  opt.arena = &arena;
  const int32_t first = 10;
  cuda_memcpy_h2d(len_dev.data(), &first, 4);
  ops::attention_decode(q, kc, vc, o, 0, opt, len_dev);  // warm-up outside capture
  cuda_synchronize();
  arena.reset();
  cudaStream_t s = gpu_context().stream;
  cudaGraph_t graph;
  cudaGraphExec_t exec;
  MS_CUDA_CHECK(cudaStreamBeginCapture(s, cudaStreamCaptureModeThreadLocal));
  ops::attention_decode(q, kc, vc, o, 0, opt, len_dev);
  MS_CUDA_CHECK(cudaStreamEndCapture(s, &graph));
  MS_CUDA_CHECK(cudaGraphInstantiate(&exec, graph, 0));
  for (int32_t len : {1, 100, 2049, 4097}) {
    INFO("len=" << len);
    cuda_memcpy_h2d(len_dev.data(), &len, 4);
    poison(o);
    MS_CUDA_CHECK(cudaGraphLaunch(exec, s));
    cuda_synchronize();
    const std::vector<float> got = o.to_f32_vector();
    Tensor want = Tensor::empty({1, 16, 128}, DType::BF16, Device::Cuda);
    ops::attention_decode(q, kc, vc, want, len);
    CHECK(got == want.to_f32_vector());
  }
  cudaGraphExecDestroy(exec);
  cudaGraphDestroy(graph);
}
