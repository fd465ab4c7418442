#include "engine/bench/ceilings.h"

#include "engine/core/cuda.h"
#include "engine/core/tensor.h"
#include "engine/profile/cuda_timer.h"

#if MAMBASCOPE_HAVE_CUDA
#include "engine/core/cuda_check.h"
#include "kernels/kernels.h"
#endif

namespace mambascope {

Ceilings measure_ceilings(const CeilingOptions& opt) {
  require_cuda("ceilings");
  Ceilings c;
  c.options = opt;
  c.gpu = cuda_devices().at(0).name;
#if MAMBASCOPE_HAVE_CUDA
  GpuContext& g = gpu_context();
  {
    Tensor src = Tensor::empty({static_cast<int64_t>(opt.copy_bytes / 4)}, DType::F32, Device::Cuda, MemCategory::Workspace);
    Tensor dst = Tensor::empty(src.shape(), DType::F32, Device::Cuda, MemCategory::Workspace);
    MS_CUDA_CHECK(kernels::fill_uniform_f32(src.data_as<float>(), src.numel(), 1, 1.f, g.stream));
    auto ms = time_cuda_ms([&] { MS_CUDA_CHECK(kernels::copy_bytes(dst.data(), src.data(), src.nbytes(), g.stream)); },
                           opt.warmup, opt.reps);
    c.copy = summarize_ms(ms);
    c.copy_GBps = 2.0 * static_cast<double>(src.nbytes()) / (c.copy.median_ms * 1e-3) / 1e9;
  }
  {
    const int64_t n = opt.gemm_size;
    Tensor a = Tensor::empty({n, n}, DType::BF16, Device::Cuda, MemCategory::Workspace);
    Tensor b = Tensor::empty({n, n}, DType::BF16, Device::Cuda, MemCategory::Workspace);
    Tensor y = Tensor::empty({n, n}, DType::BF16, Device::Cuda, MemCategory::Workspace);
    // Random data: zeros make tensor cores look faster than real inputs do.
    MS_CUDA_CHECK(kernels::fill_uniform_bf16(a.data(), a.numel(), 2, 1.f, g.stream));
    MS_CUDA_CHECK(kernels::fill_uniform_bf16(b.data(), b.numel(), 3, 1.f, g.stream));
    kernels::GemmArgs ga;
    ga.m = ga.n = ga.k = n;
    ga.x = a.data();
    ga.w = b.data();
    ga.y = y.data();
    ga.ldx = ga.ldw = ga.ldy = n;
    auto ms = time_cuda_ms([&] { MS_CUDA_CHECK(kernels::gemm_bf16(g.lt, ga, g.lt_workspace, g.lt_workspace_bytes, g.stream)); },
                           opt.warmup, opt.reps);
    c.gemm = summarize_ms(ms);
    c.gemm_TFLOPs = 2.0 * static_cast<double>(n) * n * n / (c.gemm.median_ms * 1e-3) / 1e12;
  }
#endif
  return c;
}

}  // namespace mambascope
