#pragma once
// Row movement on 2-D views [rows, width] (last dimension dense, rows evenly strided, any dtype):
//   gather_rows: dst[i] = src[idx[i]]   (idx i32 [n] on the tensors' device; each index in [0, src rows))
//   copy_rows:   dst[offset + i] = src[i] for every row of src; offset from `offset`, or on CUDA from the i32
//                scalar `offset_dev` read when the kernel runs (CUDA graphs).
#include "engine/core/tensor.h"

namespace mambascope::ops {

void gather_rows(const Tensor& src, const Tensor& idx, Tensor& dst);
void copy_rows(const Tensor& src, Tensor& dst, int64_t offset, const Tensor& offset_dev = {});

}  // namespace mambascope::ops
