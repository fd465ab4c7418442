#pragma once
// Shared checks for ops: every op validates shapes, dtypes and devices before dispatching, and names the
// op and the argument in its Error.
#include <string>
#include <vector>

#include "engine/core/arena.h"
#include "engine/core/error.h"
#include "engine/core/tensor.h"

namespace mambascope::ops {

void expect_defined(const Tensor& t, const char* op, const char* arg);
void expect_shape(const Tensor& t, const Shape& want, const char* op, const char* arg);  // -1 matches any
void expect_rank(const Tensor& t, int rank, const char* op, const char* arg);
void expect_dtype(const Tensor& t, DType want, const char* op, const char* arg);
void expect_float(const Tensor& t, const char* op, const char* arg);
void expect_device(const Tensor& t, Device d, const char* op, const char* arg);
void expect_contiguous(const Tensor& t, const char* op, const char* arg);
// Last dimension dense (stride 1) and rows evenly strided: what GEMM-style kernels need.
void expect_row_major(const Tensor& t, const char* op, const char* arg);

// Temporaries of an op: from `arena` when one is given (sessions, benchmarks, CUDA-graph capture, where
// no allocation may happen), otherwise a fresh tensor accounted as workspace (tests, one-off calls).
Tensor scratch(Arena* arena, const Shape& shape, DType dt, Device dev);
// A [rows, cols] scratch matrix whose row stride is padded to a multiple of 16 bytes (CUDA kernels load
// rows with 16-byte vectors; column slices of it then stay aligned wherever the columns allow).
Tensor scratch_rows(Arena* arena, int64_t rows, int64_t cols, DType dt, Device dev);

// Host helpers for the CPU references: read any float tensor as f32 (strides honoured) and write f32
// values into a float tensor (rounding to its dtype).
std::vector<float> read_f32(const Tensor& t);
void write_f32(Tensor& t, const std::vector<float>& v);

}  // namespace mambascope::ops
