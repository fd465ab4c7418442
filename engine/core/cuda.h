#pragma once
// The CUDA runtime as the engine sees it: devices, a per-thread stream and cuBLASLt handle, the device
// allocator. Safe to include without CUDA headers; in a build without CUDA every call reports that.
#include <cstddef>
#include <string>
#include <vector>

struct CUstream_st;
struct cublasLtContext;

namespace mambascope {

struct CudaDeviceInfo {
  int index = 0;
  std::string name;
  int cc_major = 0, cc_minor = 0;
  int sm_count = 0;
  size_t total_bytes = 0, free_bytes = 0;
  int sm_clock_mhz = 0, mem_clock_mhz = 0, bus_width_bits = 0;
  size_t l2_bytes = 0, smem_per_block_optin = 0;
  double peak_dram_GBps = 0;  // datasheet figure from memory clock and bus width (DDR: x2)
};

struct CudaRuntimeInfo {
  bool built_with_cuda = false;
  int driver_version = 0;   // e.g. 13000; 0 when no driver
  int runtime_version = 0;
  int device_count = 0;
  std::string status;       // "ok", "no CUDA device", "built without CUDA", or the driver's error
};

CudaRuntimeInfo cuda_runtime_info();  // never throws
int cuda_device_count();              // 0 when there is no usable device; never throws
std::vector<CudaDeviceInfo> cuda_devices();
// Throws Error("no CUDA device ...", what) when CUDA cannot be used, naming why and what to do instead.
void require_cuda(const std::string& what);

// Per-thread execution resources on the current device, created on first use.
struct GpuContext {
  CUstream_st* stream = nullptr;
  cublasLtContext* lt = nullptr;
  void* lt_workspace = nullptr;
  size_t lt_workspace_bytes = 0;
};
GpuContext& gpu_context();
void cuda_synchronize();  // waits for this thread's stream; throws Error on a device fault

// Copies between host and device (synchronous on this thread's stream).
void cuda_memcpy_h2d(void* dst, const void* src, size_t bytes);
void cuda_memcpy_d2h(void* dst, const void* src, size_t bytes);
void cuda_memcpy_d2d(void* dst, const void* src, size_t bytes);

}  // namespace mambascope
