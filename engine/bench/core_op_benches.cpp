// bench-op entries for the foundation's ops: device copy and linear (cuBLASLt GEMM).
#include <memory>

#include "engine/bench/op_bench.h"
#include "engine/core/tensor.h"
#include "engine/ops/fill.h"
#include "engine/ops/linear.h"

#if MAMBASCOPE_HAVE_CUDA
#include "engine/core/cuda.h"
#include "engine/core/cuda_check.h"
#include "kernels/kernels.h"
#endif

namespace mambascope {

namespace {

std::shared_ptr<Tensor> device_random(const Shape& s, DType dt, uint64_t seed, float scale) {
  auto t = std::make_shared<Tensor>(Tensor::empty(s, dt, Device::Cuda, MemCategory::Workspace));
  ops::fill_uniform(*t, seed, scale);
  return t;
}

std::vector<OpBenchCase> copy_cases(const OpBenchArgs& a) {
  std::vector<OpBenchCase> out;
#if MAMBASCOPE_HAVE_CUDA
  const int64_t mib = a.param_int("mib", 2048);
  auto src = device_random({mib << 18}, DType::F32, a.seed, 1.f);
  auto dst = std::make_shared<Tensor>(Tensor::empty(src->shape(), DType::F32, Device::Cuda, MemCategory::Workspace));
  OpBenchCase c;
  c.op = "copy";
  c.dims = std::to_string(mib) + " MiB";
  c.bytes = 2.0 * static_cast<double>(src->nbytes());
  c.run = [src, dst] { MS_CUDA_CHECK(kernels::copy_bytes(dst->data(), src->data(), src->nbytes(), gpu_context().stream)); };
  out.push_back(std::move(c));
#endif
  return out;
}

// linear: y[len, n] = x[len, k] w[n, k]^T. Default dims: ML-Mamba's in_proj (2560 -> 10576).
std::vector<OpBenchCase> linear_cases(const OpBenchArgs& a) {
  std::vector<OpBenchCase> out;
  const int64_t n = a.param_int("n", 10576), k = a.param_int("k", 2560);
  auto w = device_random({n, k}, DType::BF16, a.seed + 1, 0.02f);
  for (int64_t len : a.lens.empty() ? std::vector<int64_t>{1, 1024, 16384} : a.lens) {
    auto x = device_random({len, k}, DType::BF16, a.seed, 1.f);
    auto y = std::make_shared<Tensor>(Tensor::empty({len, n}, DType::BF16, Device::Cuda, MemCategory::Workspace));
    OpBenchCase c;
    c.op = "linear";
    c.dims = "n=" + std::to_string(n) + " k=" + std::to_string(k);
    c.len = len;
    c.bytes = 2.0 * static_cast<double>(len * k + n * k + len * n);
    c.flops = 2.0 * static_cast<double>(len) * n * k;
    c.run = [x, w, y] { ops::linear(*x, *w, Tensor(), *y); };
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace

void register_core_op_benches() {
  register_op_bench("copy", "device-to-device copy (--param mib=2048)", copy_cases);
  register_op_bench("linear", "bf16 GEMM y = x w^T via cuBLASLt (--param n=10576 --param k=2560; --len = rows)", linear_cases);
}

}  // namespace mambascope
