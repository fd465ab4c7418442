#pragma once
// The CUDA kernels' launch functions: plain pointers, sizes, strides and a stream; no engine types.
// Each returns the launch status (cudaGetLastError() after the launch, or cuBLAS's status) for the
// engine to check. One op per .cu file; each op's CPU twin is in engine/ops/cpu/.
#include <cublasLt.h>
#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>

namespace mambascope::kernels {

// ---- fill.cu: deterministic random fills (counter-based hash of seed and index) ----
// dst[i] = uniform(-scale, scale) stored as bf16 / f32.
cudaError_t fill_uniform_bf16(void* dst, size_t n, uint64_t seed, float scale, cudaStream_t s);
cudaError_t fill_uniform_f32(float* dst, size_t n, uint64_t seed, float scale, cudaStream_t s);

// ---- copy.cu: device-to-device copy with 16-byte vector accesses (the bandwidth ceiling) ----
cudaError_t copy_bytes(void* dst, const void* src, size_t bytes, cudaStream_t s);

// ---- gemm.cu: bf16 GEMM through cuBLASLt, f32 accumulation ----
// Row-major, PyTorch-Linear convention, per batch b:
//   y[m, n] = epilogue(alpha * sum_k x[m, k] * w[n, k] + bias[n]) + beta * y[m, n]
// x, w: bf16. y (and bias): bf16, or f32 when y_f32. Leading dimensions are in elements (row strides).
enum class GemmEpilogue : int { None = 0, Bias = 1, GeluTanh = 2, BiasGeluTanh = 3 };
struct GemmArgs {
  int64_t m = 0, n = 0, k = 0;
  const void* x = nullptr;
  int64_t ldx = 0;
  const void* w = nullptr;
  int64_t ldw = 0;
  void* y = nullptr;
  int64_t ldy = 0;
  bool y_f32 = false;
  const void* bias = nullptr;
  GemmEpilogue epilogue = GemmEpilogue::None;
  float alpha = 1.f, beta = 0.f;
  int64_t batch = 1, stride_x = 0, stride_w = 0, stride_y = 0;  // strided batches (elements)
};
cublasStatus_t gemm_bf16(cublasLtHandle_t lt, const GemmArgs& a, void* workspace, size_t workspace_bytes,
                         cudaStream_t s);

}  // namespace mambascope::kernels
#include "kernels/attention.h"
#include "kernels/mamba2.h"
#include "kernels/rows.h"
