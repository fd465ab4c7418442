// Row gather and row copy. One block per row (grid-stride over rows); threads move 16-byte words when the
// row width and both row starts allow it, else 4-byte words.
#include "kernels/rows.h"

namespace mambascope::kernels {
namespace {

template <class W>
__global__ void move_rows_kernel(char* __restrict__ dst, int64_t dst_stride, const char* __restrict__ src,
                                 int64_t src_stride, const int32_t* __restrict__ idx, int64_t n_rows, int64_t words,
                                 int64_t offset, const int32_t* __restrict__ offset_dev) {
  const int64_t base = offset_dev ? static_cast<int64_t>(*offset_dev) : offset;
  for (int64_t r = blockIdx.x; r < n_rows; r += gridDim.x) {
    const W* s = reinterpret_cast<const W*>(src + (idx ? static_cast<int64_t>(idx[r]) : r) * src_stride);
    W* d = reinterpret_cast<W*>(dst + (idx ? r : base + r) * dst_stride);
    for (int64_t w = threadIdx.x; w < words; w += blockDim.x) d[w] = s[w];
  }
}

cudaError_t launch(void* dst, int64_t dst_stride, const void* src, int64_t src_stride, const int32_t* idx, int64_t n_rows,
                   int64_t row_bytes, int64_t offset, const int32_t* offset_dev, cudaStream_t s) {
  if (n_rows <= 0) return cudaSuccess;
  if (row_bytes % 4 != 0) return cudaErrorInvalidValue;
  const unsigned grid = static_cast<unsigned>(n_rows < 65535 ? n_rows : 65535);
  const bool v16 = row_bytes % 16 == 0 && dst_stride % 16 == 0 && src_stride % 16 == 0 &&
                   reinterpret_cast<uintptr_t>(dst) % 16 == 0 && reinterpret_cast<uintptr_t>(src) % 16 == 0;
  if (v16)
    move_rows_kernel<int4><<<grid, 128, 0, s>>>(static_cast<char*>(dst), dst_stride, static_cast<const char*>(src), src_stride,
                                                idx, n_rows, row_bytes / 16, offset, offset_dev);
  else
    move_rows_kernel<int><<<grid, 128, 0, s>>>(static_cast<char*>(dst), dst_stride, static_cast<const char*>(src), src_stride,
                                               idx, n_rows, row_bytes / 4, offset, offset_dev);
  return cudaGetLastError();
}

}  // namespace

cudaError_t gather_rows(void* dst, int64_t dst_stride, const void* src, int64_t src_stride, const int32_t* idx,
                        int64_t n_rows, int64_t row_bytes, cudaStream_t s) {
  return launch(dst, dst_stride, src, src_stride, idx, n_rows, row_bytes, 0, nullptr, s);
}

cudaError_t copy_rows(void* dst, int64_t dst_stride, const void* src, int64_t src_stride, int64_t n_rows,
                      int64_t row_bytes, int64_t offset, const int32_t* offset_dev, cudaStream_t s) {
  return launch(dst, dst_stride, src, src_stride, nullptr, n_rows, row_bytes, offset, offset_dev, s);
}

}  // namespace mambascope::kernels
