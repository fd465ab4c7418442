#include <catch2/catch.hpp>

#include "engine/ops/rows.h"
#include "tests/support.h"

using namespace mambascope;

TEST_CASE("gather_rows permutes rows and refuses bad indices", "[ops][rows]") {
  const Tensor src = Tensor::from_f32({0, 1, 10, 11, 20, 21}, {3, 2});
  Tensor dst = Tensor::empty({3, 2}, DType::F32);
  ops::gather_rows(src, Tensor::from_i32({2, 0, 1}, {3}), dst);
  CHECK(dst.to_f32_vector() == std::vector<float>{20, 21, 0, 1, 10, 11});
  REQUIRE_ERROR_MENTIONS(ops::gather_rows(src, Tensor::from_i32({3, 0, 1}, {3}), dst), "index 3 out of range");
}

TEST_CASE("copy_rows writes at an offset and refuses to overflow the destination", "[ops][rows]") {
  Tensor cache = Tensor::zeros({4, 2}, DType::F32);
  ops::copy_rows(Tensor::from_f32({1, 2, 3, 4}, {2, 2}), cache, 1);
  CHECK(cache.to_f32_vector() == std::vector<float>{0, 0, 1, 2, 3, 4, 0, 0});
  REQUIRE_ERROR_MENTIONS(ops::copy_rows(Tensor::from_f32({1, 2, 3, 4}, {2, 2}), cache, 3), "exceed", "max-length");
}
