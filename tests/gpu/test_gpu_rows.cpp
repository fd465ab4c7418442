#include <catch2/catch.hpp>

#include "engine/core/cuda.h"
#include "engine/ops/rows.h"
#include "tests/support.h"

using namespace mambascope;

TEST_CASE("row gather and row copy on CUDA match the CPU twin", "[gpu][ops][rows]") {
  REQUIRE(test::have_cuda_device());
  for (int64_t width : {int64_t{6}, int64_t{64}, int64_t{130}}) {  // 4-byte and 16-byte paths (bf16)
    INFO("width " << width);
    const Tensor src = test::random_tensor({37, width}, DType::BF16, 3);
    std::vector<int32_t> ix;
    for (int i = 0; i < 50; ++i) ix.push_back((i * 7 + 3) % 37);
    const Tensor idx = Tensor::from_i32(ix, {50});
    Tensor ref = Tensor::empty({50, width}, DType::BF16);
    ops::gather_rows(src, idx, ref);
    Tensor d = Tensor::empty({50, width}, DType::BF16, Device::Cuda);
    ops::gather_rows(src.to(Device::Cuda), idx.to(Device::Cuda), d);
    CHECK(d.to_f32_vector() == ref.to_f32_vector());

    Tensor cache = Tensor::zeros({64, width}, DType::BF16);
    Tensor dcache = cache.to(Device::Cuda);
    const Tensor rows = src.slice(0, 0, 5);
    ops::copy_rows(rows, cache, 11);
    const Tensor off = Tensor::from_i32({11}, {1}).to(Device::Cuda);
    ops::copy_rows(rows.contiguous().to(Device::Cuda), dcache, 0, off);  // offset read on the device
    CHECK(dcache.to_f32_vector() == cache.to_f32_vector());
  }
}
