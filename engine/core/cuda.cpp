#include "engine/core/cuda.h"

#include <cstdlib>
#include <mutex>

#include "engine/core/error.h"
#include "engine/core/memory.h"

#if MAMBASCOPE_HAVE_CUDA
#include "engine/core/cuda_check.h"
#endif

namespace mambascope {

#if MAMBASCOPE_HAVE_CUDA

[[noreturn]] void cuda_fail(const char* what, int code, const char* expr, const char* file, int line) {
  throw Error(std::string(what) + " (code " + std::to_string(code) + ") in " + expr,
              std::string(file) + ":" + std::to_string(line), "cuda",
              "check `mambascope info` for the device state; if a kernel faulted, rerun the GPU tests under "
              "compute-sanitizer (scripts/gpu-check --sanitize)");
}

const char* cublas_status_name(cublasStatus_t s) {
  switch (s) {
    case CUBLAS_STATUS_SUCCESS: return "CUBLAS_STATUS_SUCCESS";
    case CUBLAS_STATUS_NOT_INITIALIZED: return "CUBLAS_STATUS_NOT_INITIALIZED";
    case CUBLAS_STATUS_ALLOC_FAILED: return "CUBLAS_STATUS_ALLOC_FAILED";
    case CUBLAS_STATUS_INVALID_VALUE: return "CUBLAS_STATUS_INVALID_VALUE (bad sizes, strides or epilogue)";
    case CUBLAS_STATUS_ARCH_MISMATCH: return "CUBLAS_STATUS_ARCH_MISMATCH";
    case CUBLAS_STATUS_MAPPING_ERROR: return "CUBLAS_STATUS_MAPPING_ERROR";
    case CUBLAS_STATUS_EXECUTION_FAILED: return "CUBLAS_STATUS_EXECUTION_FAILED";
    case CUBLAS_STATUS_INTERNAL_ERROR: return "CUBLAS_STATUS_INTERNAL_ERROR";
    case CUBLAS_STATUS_NOT_SUPPORTED: return "CUBLAS_STATUS_NOT_SUPPORTED (no algorithm for this shape/layout)";
    case CUBLAS_STATUS_LICENSE_ERROR: return "CUBLAS_STATUS_LICENSE_ERROR";
  }
  return "unknown cuBLAS status";
}

CudaRuntimeInfo cuda_runtime_info() {
  CudaRuntimeInfo r;
  r.built_with_cuda = true;
  cudaRuntimeGetVersion(&r.runtime_version);
  if (cudaDriverGetVersion(&r.driver_version) != cudaSuccess) r.driver_version = 0;
  int n = 0;
  const cudaError_t e = cudaGetDeviceCount(&n);
  if (e != cudaSuccess) {
    cudaGetLastError();  // clear the sticky-free error so later calls start clean
    r.device_count = 0;
    r.status = e == cudaErrorNoDevice ? std::string("no CUDA device")
               : e == cudaErrorInsufficientDriver ? std::string("no CUDA device (no NVIDIA driver, or one older than the runtime)")
                                                  : std::string("CUDA unavailable: ") + cudaGetErrorString(e);
  } else {
    r.device_count = n;
    r.status = n > 0 ? "ok" : "no CUDA device";
  }
  return r;
}

int cuda_device_count() { return cuda_runtime_info().device_count; }

std::vector<CudaDeviceInfo> cuda_devices() {
  std::vector<CudaDeviceInfo> out;
  const int n = cuda_device_count();
  for (int i = 0; i < n; ++i) {
    cudaDeviceProp p{};
    MS_CUDA_CHECK(cudaGetDeviceProperties(&p, i));
    CudaDeviceInfo d;
    d.index = i;
    d.name = p.name;
    d.cc_major = p.major;
    d.cc_minor = p.minor;
    d.sm_count = p.multiProcessorCount;
    d.total_bytes = p.totalGlobalMem;
    d.l2_bytes = static_cast<size_t>(p.l2CacheSize);
    d.smem_per_block_optin = p.sharedMemPerBlockOptin;
    d.bus_width_bits = p.memoryBusWidth;
    int khz = 0;
    cudaDeviceGetAttribute(&khz, cudaDevAttrClockRate, i);
    d.sm_clock_mhz = khz / 1000;
    cudaDeviceGetAttribute(&khz, cudaDevAttrMemoryClockRate, i);
    d.mem_clock_mhz = khz / 1000;
    d.peak_dram_GBps = 2.0 * (khz * 1e3) * (d.bus_width_bits / 8.0) / 1e9;
    int cur = 0;
    MS_CUDA_CHECK(cudaGetDevice(&cur));
    MS_CUDA_CHECK(cudaSetDevice(i));
    size_t free_b = 0, total_b = 0;
    MS_CUDA_CHECK(cudaMemGetInfo(&free_b, &total_b));
    d.free_bytes = free_b;
    MS_CUDA_CHECK(cudaSetDevice(cur));
    out.push_back(std::move(d));
  }
  return out;
}

void require_cuda(const std::string& what) {
  const CudaRuntimeInfo r = cuda_runtime_info();
  if (r.device_count == 0)
    throw Error(r.status, "cuda", what,
                "run on a machine with an NVIDIA GPU and driver, or use the CPU backend (--device cpu)");
}

namespace {
class CudaAllocator final : public Allocator {
 public:
  Device device() const override { return Device::Cuda; }

 protected:
  void* raw_allocate(size_t bytes, MemCategory cat) override {
    void* p = nullptr;
    const cudaError_t e = cudaMalloc(&p, bytes);
    if (e == cudaErrorMemoryAllocation) {
      cudaGetLastError();
      size_t free_b = 0, total_b = 0;
      cudaMemGetInfo(&free_b, &total_b);
      throw Error("CUDA out of memory: could not allocate " + format_bytes(bytes) + " for " +
                      mem_category_name(cat) + "; mambascope holds " +
                      format_bytes(stats().snapshot().total_current) + ", the device has " +
                      format_bytes(free_b) + " free of " + format_bytes(total_b),
                  "cuda", mem_category_name(cat), "use a shorter length or a smaller model, or free GPU memory");
    }
    MS_CUDA_CHECK(e);
    return p;
  }
  void raw_deallocate(void* p) override { MS_CUDA_CHECK(cudaFree(p)); }
};

struct ThreadGpuContext {
  GpuContext ctx;
  ~ThreadGpuContext() {
    // Best effort at thread exit: the process may already be tearing the driver down.
    if (ctx.lt) cublasLtDestroy(ctx.lt);
    if (ctx.lt_workspace) cuda_allocator().deallocate(ctx.lt_workspace, ctx.lt_workspace_bytes, MemCategory::Workspace);
    if (ctx.stream) cudaStreamDestroy(ctx.stream);
  }
};
}  // namespace

Allocator& cuda_allocator() {
  static std::once_flag once;
  std::call_once(once, [] { require_cuda("allocator"); });
  static CudaAllocator a;
  return a;
}

GpuContext& gpu_context() {
  thread_local ThreadGpuContext t;
  if (!t.ctx.stream) {
    require_cuda("gpu context");
    MS_CUDA_CHECK(cudaStreamCreateWithFlags(&t.ctx.stream, cudaStreamNonBlocking));
    MS_CUDA_CHECK(cublasLtCreate(&t.ctx.lt));
    t.ctx.lt_workspace_bytes = size_t{32} << 20;  // cuBLASLt's recommended size on Hopper
    t.ctx.lt_workspace = cuda_allocator().allocate(t.ctx.lt_workspace_bytes, MemCategory::Workspace);
  }
  return t.ctx;
}

void cuda_synchronize() { MS_CUDA_CHECK(cudaStreamSynchronize(gpu_context().stream)); }

void cuda_memcpy_h2d(void* dst, const void* src, size_t bytes) {
  auto s = gpu_context().stream;
  MS_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, s));
  MS_CUDA_CHECK(cudaStreamSynchronize(s));
}
void cuda_memcpy_d2h(void* dst, const void* src, size_t bytes) {
  auto s = gpu_context().stream;
  MS_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, s));
  MS_CUDA_CHECK(cudaStreamSynchronize(s));
}
void cuda_memcpy_d2d(void* dst, const void* src, size_t bytes) {
  auto s = gpu_context().stream;
  MS_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, s));
}

#else  // no CUDA in this build

namespace {
[[noreturn]] void no_cuda(const std::string& what) {
  throw Error("this build of mambascope has no CUDA backend", "cuda", what,
              "rebuild with the CUDA toolkit installed (-DMAMBASCOPE_CUDA=ON) or use --device cpu");
}
}  // namespace

CudaRuntimeInfo cuda_runtime_info() {
  CudaRuntimeInfo r;
  r.status = "built without CUDA";
  return r;
}
int cuda_device_count() { return 0; }
std::vector<CudaDeviceInfo> cuda_devices() { return {}; }
void require_cuda(const std::string& what) { no_cuda(what); }
Allocator& cuda_allocator() { no_cuda("allocator"); }
GpuContext& gpu_context() { no_cuda("gpu context"); }
void cuda_synchronize() { no_cuda("synchronize"); }
void cuda_memcpy_h2d(void*, const void*, size_t) { no_cuda("memcpy"); }
void cuda_memcpy_d2h(void*, const void*, size_t) { no_cuda("memcpy"); }
void cuda_memcpy_d2d(void*, const void*, size_t) { no_cuda("memcpy"); }

#endif

}  // namespace mambascope
