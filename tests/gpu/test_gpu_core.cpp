// GPU tests for the foundation: transfers, device accounting, fills, the copy kernel, cuBLASLt GEMM vs the
// CPU reference, and the ceilings. Tagged [gpu]: they run on the GPU host (ctest -L gpu).
#include <catch2/catch.hpp>

#include "engine/bench/ceilings.h"
#include "engine/core/cuda.h"
#include "engine/core/cuda_check.h"
#include "engine/ops/linear.h"
#include "kernels/kernels.h"
#include "tests/support.h"

using namespace mambascope;

TEST_CASE("tensors round-trip between host and device and are accounted on the device", "[gpu][core]") {
  REQUIRE(test::have_cuda_device());
  const Tensor h = test::random_tensor({33, 17}, DType::BF16, 5);
  const MemorySnapshot before = cuda_allocator().stats().snapshot();
  {
    Tensor d = h.to(Device::Cuda, MemCategory::KV);
    CHECK(d.device() == Device::Cuda);
    const MemorySnapshot mid = cuda_allocator().stats().snapshot();
    CHECK(mid.cur(MemCategory::KV) - before.cur(MemCategory::KV) == Allocator::rounded(h.nbytes()));
    const Tensor back = d.to(Device::Cpu);
    CHECK(std::memcmp(back.data(), h.data(), h.nbytes()) == 0);
  }
  CHECK(cuda_allocator().stats().snapshot().cur(MemCategory::KV) == before.cur(MemCategory::KV));
}

TEST_CASE("a device allocation larger than the GPU fails with a named out-of-memory error", "[gpu][core][api-error]") {
  REQUIRE(test::have_cuda_device());
  const size_t huge = cuda_devices()[0].total_bytes * 2;
  REQUIRE_ERROR_MENTIONS(Tensor::empty({static_cast<int64_t>(huge)}, DType::U8, Device::Cuda, MemCategory::KV),
                         "CUDA out of memory", "kv", "shorter length");
  // The device stays usable afterwards.
  Tensor ok = Tensor::zeros({1024}, DType::F32, Device::Cuda);
  CHECK(ok.to_f32_vector()[1023] == 0.f);
}

TEST_CASE("random fills are deterministic and within range", "[gpu][core]") {
  REQUIRE(test::have_cuda_device());
  GpuContext& g = gpu_context();
  Tensor a = Tensor::empty({100003}, DType::BF16, Device::Cuda);
  Tensor b = Tensor::empty({100003}, DType::BF16, Device::Cuda);
  MS_CUDA_CHECK(kernels::fill_uniform_bf16(a.data(), a.numel(), 42, 0.5f, g.stream));
  MS_CUDA_CHECK(kernels::fill_uniform_bf16(b.data(), b.numel(), 42, 0.5f, g.stream));
  const auto va = a.to_f32_vector(), vb = b.to_f32_vector();
  CHECK(va == vb);
  double mean = 0;
  for (float v : va) {
    REQUIRE(v >= -0.5f);
    REQUIRE(v <= 0.5f);
    mean += v;
  }
  CHECK(std::fabs(mean / va.size()) < 0.01);
}

TEST_CASE("the copy kernel copies every byte, aligned or not", "[gpu][core]") {
  REQUIRE(test::have_cuda_device());
  GpuContext& g = gpu_context();
  for (size_t bytes : {size_t{1}, size_t{15}, size_t{16}, size_t{4099}, size_t{1} << 20}) {
    for (size_t off : {size_t{0}, size_t{3}}) {
      Tensor src = Tensor::empty({static_cast<int64_t>(bytes + 16)}, DType::U8, Device::Cuda);
      Tensor dst = Tensor::empty({static_cast<int64_t>(bytes + 16)}, DType::U8, Device::Cuda);
      std::vector<uint8_t> h(bytes + 16);
      for (size_t i = 0; i < h.size(); ++i) h[i] = static_cast<uint8_t>(i * 7 + 1);
      cuda_memcpy_h2d(src.data(), h.data(), h.size());
      std::vector<uint8_t> poison(bytes + 16, 0xAB);
      cuda_memcpy_h2d(dst.data(), poison.data(), poison.size());
      MS_CUDA_CHECK(kernels::copy_bytes(static_cast<uint8_t*>(dst.data()) + off, static_cast<uint8_t*>(src.data()) + off, bytes, g.stream));
      std::vector<uint8_t> back(bytes + 16);
      cuda_memcpy_d2h(back.data(), dst.data(), back.size());
      for (size_t i = 0; i < back.size(); ++i) {
        const bool inside = i >= off && i < off + bytes;
        REQUIRE(back[i] == (inside ? h[i] : 0xAB));
      }
    }
  }
}

TEST_CASE("cuBLASLt linear matches the CPU reference", "[gpu][ops][linear]") {
  REQUIRE(test::have_cuda_device());
  struct Case { int64_t m, n, k; bool bias; DType ydt; float beta; };
  // Tiny, odd and real LM shapes (2560 -> 10576 is ML-Mamba's in_proj).
  for (const Case c : {Case{1, 8, 16, false, DType::BF16, 0.f}, Case{7, 33, 65, true, DType::BF16, 0.f},
                       Case{129, 256, 2560, false, DType::F32, 0.f}, Case{64, 10576, 2560, false, DType::BF16, 0.f},
                       Case{17, 64, 96, true, DType::F32, 1.f}}) {
    INFO("m=" << c.m << " n=" << c.n << " k=" << c.k << " bias=" << c.bias << " beta=" << c.beta);
    const Tensor x = test::random_tensor({c.m, c.k}, DType::BF16, 1);
    const Tensor w = test::random_tensor({c.n, c.k}, DType::BF16, 2, -0.05f, 0.05f);
    const Tensor b = c.bias ? test::random_tensor({c.n}, c.ydt, 3) : Tensor();
    const Tensor y0 = test::random_tensor({c.m, c.n}, c.ydt, 4);
    Tensor ref = y0.to_dtype(DType::F32).clone();
    ops::linear(x, w, b.defined() ? b.to_dtype(DType::F32) : Tensor(), ref, c.beta);
    Tensor yd = y0.to(Device::Cuda);
    ops::linear(x.to(Device::Cuda), w.to(Device::Cuda), b.defined() ? b.to(Device::Cuda) : Tensor(), yd, c.beta);
    // bf16 inputs are exact in both; f32 accumulation in different orders differs by ~1e-6 relative, and a
    // bf16 output rounds to 8 bits of mantissa (relative error <= 2^-9 per element, ~2e-3 in L2).
    const double tol = c.ydt == DType::BF16 ? 4e-3 : 1e-5;
    CHECK(test::rel_l2(yd.to_f32_vector(), ref.to_f32_vector()) < tol);
  }
}

TEST_CASE("the ceilings measure finite, positive numbers", "[gpu][bench]") {
  REQUIRE(test::have_cuda_device());
  CeilingOptions o;
  o.copy_bytes = size_t{256} << 20;
  o.gemm_size = 2048;
  o.reps = 5;
  const Ceilings c = measure_ceilings(o);
  CHECK(c.copy_GBps > 10);
  CHECK(c.gemm_TFLOPs > 1);
  CHECK(c.copy.samples == 5);
}
