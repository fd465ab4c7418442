#include "engine/ops/embedding.h"

#include <algorithm>

#include "engine/core/cuda.h"
#include "engine/ops/common.h"
#include "engine/profile/scope.h"

#if MAMBASCOPE_HAVE_CUDA
#include "engine/core/cuda_check.h"
#include "kernels/kernels.h"
#endif

namespace mambascope::ops {

void embedding(const Tensor& ids, const Tensor& table, Tensor& y) {
  constexpr const char* op = "embedding";
  ScopedOp scope(op);
  expect_dtype(ids, DType::I32, op, "ids");
  expect_rank(table, 2, op, "table");
  expect_float(table, op, "table");
  const int64_t vocab = table.dim(0), dim = table.dim(1), n = ids.numel();
  Shape ys = ids.shape();
  ys.push_back(dim);
  expect_shape(y, ys, op, "y");
  expect_device(table, ids.device(), op, "table");
  expect_device(y, ids.device(), op, "y");
  if (n == 0) return;
  if (ids.device() == Device::Cpu) {
    const Tensor idc = ids.contiguous();
    const int32_t* id = idc.data_as<int32_t>();
    std::vector<float> out(static_cast<size_t>(n * dim), 0.f);
    const std::vector<float> tab = read_f32(table);
    for (int64_t t = 0; t < n; ++t)
      if (id[t] >= 0 && id[t] < vocab) std::copy_n(tab.begin() + id[t] * dim, dim, out.begin() + t * dim);
    write_f32(y, out);
    return;
  }
#if MAMBASCOPE_HAVE_CUDA
  expect_contiguous(ids, op, "ids");
  expect_dtype(table, DType::BF16, op, "table");
  expect_dtype(y, DType::BF16, op, "y");
  expect_row_major(table, op, "table");
  if (table.stride(0) != dim) throw Error("table rows must be dense", op, "table");
  expect_row_major(y, op, "y");
  MS_CUDA_CHECK(kernels::embedding(n, dim, ids.data_as<int32_t>(), table.data(), vocab, y.data(),
                                   y.rank() >= 2 ? y.stride(-2) : dim, gpu_context().stream));
#else
  require_cuda(op);
#endif
}

}  // namespace mambascope::ops
