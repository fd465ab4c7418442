// Device copy: each thread moves 16-byte vectors in a grid-stride loop with 4 loads in flight before the
// stores, over a grid of a few waves; a tail of < 16 bytes (or unaligned pointers) goes byte by byte.
#include "kernels/kernels.h"

namespace mambascope::kernels {
namespace {

__global__ void copy_vec16_kernel(int4* __restrict__ dst, const int4* __restrict__ src, size_t n) {
  const size_t stride = size_t{gridDim.x} * blockDim.x;
  size_t i = blockIdx.x * size_t{blockDim.x} + threadIdx.x;
  for (; i + 3 * stride < n; i += 4 * stride) {
    const int4 a = src[i], b = src[i + stride], c = src[i + 2 * stride], d = src[i + 3 * stride];
    dst[i] = a;
    dst[i + stride] = b;
    dst[i + 2 * stride] = c;
    dst[i + 3 * stride] = d;
  }
  for (; i < n; i += stride) dst[i] = src[i];
}

__global__ void copy_bytes_kernel(unsigned char* dst, const unsigned char* src, size_t n) {
  for (size_t i = blockIdx.x * size_t{blockDim.x} + threadIdx.x; i < n; i += size_t{gridDim.x} * blockDim.x) dst[i] = src[i];
}

}  // namespace

cudaError_t copy_bytes(void* dst, const void* src, size_t bytes, cudaStream_t s) {
  int dev = 0, sms = 0;
  cudaGetDevice(&dev);
  cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, dev);
  const unsigned grid = static_cast<unsigned>(sms > 0 ? sms * 8 : 1024);
  const bool aligned = (reinterpret_cast<uintptr_t>(dst) % 16 == 0) && (reinterpret_cast<uintptr_t>(src) % 16 == 0);
  size_t done = 0;
  if (aligned && bytes >= 16) {
    const size_t n = bytes / 16;
    copy_vec16_kernel<<<grid, 256, 0, s>>>(static_cast<int4*>(dst), static_cast<const int4*>(src), n);
    done = n * 16;
  }
  if (done < bytes)
    copy_bytes_kernel<<<grid, 256, 0, s>>>(static_cast<unsigned char*>(dst) + done,
                                           static_cast<const unsigned char*>(src) + done, bytes - done);
  return cudaGetLastError();
}

}  // namespace mambascope::kernels
