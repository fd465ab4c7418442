#pragma once
// Row movement used by the models: gather rows by index (pixel shuffle, 2D scan orders and their inverse)
// and copy a block of rows to a row offset that may live in device memory (KV-cache appends inside CUDA
// graphs). Rows are `row_bytes` wide (a multiple of 4 unless stated), strides are in bytes.
#include <cuda_runtime_api.h>

#include <cstdint>

namespace mambascope::kernels {

// dst[i, :] = src[idx[i], :] for i < n_rows.
cudaError_t gather_rows(void* dst, int64_t dst_stride, const void* src, int64_t src_stride, const int32_t* idx,
                        int64_t n_rows, int64_t row_bytes, cudaStream_t s);

// dst[(offset + i), :] = src[i, :] for i < n_rows, where offset = *offset_dev (an i32 on the device) when
// offset_dev is not null, else `offset`.
cudaError_t copy_rows(void* dst, int64_t dst_stride, const void* src, int64_t src_stride, int64_t n_rows,
                      int64_t row_bytes, int64_t offset, const int32_t* offset_dev, cudaStream_t s);

}  // namespace mambascope::kernels
