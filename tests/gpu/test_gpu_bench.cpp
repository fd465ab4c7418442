#include <catch2/catch.hpp>

#include "engine/bench/op_bench.h"
#include "engine/ops/fill.h"
#include "tests/support.h"

using namespace mambascope;

TEST_CASE("CUDA and CPU fills produce identical values", "[gpu][ops][fill]") {
  REQUIRE(test::have_cuda_device());
  for (DType dt : {DType::F32, DType::BF16}) {
    Tensor h = Tensor::empty({4097}, dt);
    Tensor d = Tensor::empty({4097}, dt, Device::Cuda);
    ops::fill_uniform(h, 77, 0.5f);
    ops::fill_uniform(d, 77, 0.5f);
    CHECK(d.to_f32_vector() == h.to_f32_vector());
  }
}

TEST_CASE("bench-op times the core ops and reports bandwidth", "[gpu][bench]") {
  REQUIRE(test::have_cuda_device());
  OpBenchArgs a;
  a.params["mib"] = "64";
  const auto rows = run_op_bench("copy", a, nullptr, 2, 5);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].GBps > (test::sanitizer_shapes() ? 0 : 10));  // compute-sanitizer slows copies ~1000x
  OpBenchArgs l;
  l.params = {{"n", "256"}, {"k", "128"}};
  l.lens = {64};
  const auto lr = run_op_bench("linear", l, nullptr, 2, 5);
  REQUIRE(lr.size() == 1);
  CHECK(lr[0].TFLOPs > 0);
  REQUIRE_ERROR_MENTIONS(run_op_bench("nope", a, nullptr, 1, 1), "unknown op 'nope'", "copy");
}
