#pragma once
// The one checking macro for CUDA runtime and cuBLAS(Lt) calls. Only for translation units built with
// CUDA headers (the engine's CUDA glue); kernels/ returns statuses and lets the engine check them.
#include <cublasLt.h>
#include <cuda_runtime_api.h>

namespace mambascope {
[[noreturn]] void cuda_fail(const char* what, int code, const char* expr, const char* file, int line);
const char* cublas_status_name(cublasStatus_t s);  // libcublasLt alone has no cublasGetStatusString
inline void cuda_check(cudaError_t e, const char* expr, const char* file, int line) {
  if (e != cudaSuccess) cuda_fail(cudaGetErrorString(e), static_cast<int>(e), expr, file, line);
}
inline void cuda_check(cublasStatus_t s, const char* expr, const char* file, int line) {
  if (s != CUBLAS_STATUS_SUCCESS) cuda_fail(cublas_status_name(s), static_cast<int>(s), expr, file, line);
}
}  // namespace mambascope

#define MS_CUDA_CHECK(expr) ::mambascope::cuda_check((expr), #expr, __FILE__, __LINE__)
