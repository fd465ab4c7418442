#include "engine/profile/cuda_timer.h"

#include "engine/core/cuda.h"
#include "engine/core/error.h"

#if MAMBASCOPE_HAVE_CUDA
#include "engine/core/cuda_check.h"
#endif

namespace mambascope {

std::vector<double> time_cuda_ms(const std::function<void()>& fn, int warmup, int reps) {
#if MAMBASCOPE_HAVE_CUDA
  cudaStream_t s = gpu_context().stream;
  for (int i = 0; i < warmup; ++i) fn();
  MS_CUDA_CHECK(cudaStreamSynchronize(s));
  std::vector<cudaEvent_t> ev(2 * static_cast<size_t>(reps));
  for (auto& e : ev) MS_CUDA_CHECK(cudaEventCreate(&e));
  for (int i = 0; i < reps; ++i) {
    MS_CUDA_CHECK(cudaEventRecord(ev[2 * i], s));
    fn();
    MS_CUDA_CHECK(cudaEventRecord(ev[2 * i + 1], s));
  }
  MS_CUDA_CHECK(cudaStreamSynchronize(s));
  std::vector<double> out(reps);
  for (int i = 0; i < reps; ++i) {
    float ms = 0;
    MS_CUDA_CHECK(cudaEventElapsedTime(&ms, ev[2 * i], ev[2 * i + 1]));
    out[i] = ms;
  }
  for (auto& e : ev) cudaEventDestroy(e);
  return out;
#else
  (void)fn, (void)warmup, (void)reps;
  require_cuda("timer");
  return {};
#endif
}

}  // namespace mambascope
