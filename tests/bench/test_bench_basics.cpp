#include <catch2/catch.hpp>

#include "engine/bench/lengths.h"
#include "engine/bench/stats.h"
#include "engine/ops/fill.h"
#include "tests/support.h"

using namespace mambascope;

TEST_CASE("length lists accept k and m suffixes and refuse junk", "[bench]") {
  CHECK(parse_lengths("1k,4K, 16384,101k,1m") == std::vector<int64_t>{1024, 4096, 16384, 103424, 1048576});
  CHECK(format_length(103424) == "101k");
  CHECK(format_length(1000) == "1000");
  CHECK(format_length(1 << 20) == "1m");
  REQUIRE_ERROR_MENTIONS(parse_lengths("1k,abc"), "'abc' is not a length", "--len");
  REQUIRE_ERROR_MENTIONS(parse_lengths("0"), "must be positive");
  REQUIRE_ERROR_MENTIONS(parse_lengths(","), "no lengths");
}

TEST_CASE("timing statistics report the median and the relative spread", "[bench]") {
  const TimingStats s = summarize_ms({5.0, 1.0, 3.0, 2.0, 4.0});
  CHECK(s.samples == 5);
  CHECK(s.median_ms == 3.0);
  CHECK(s.min_ms == 1.0);
  CHECK(s.max_ms == 5.0);
  CHECK(s.mean_ms == 3.0);
  CHECK(s.rel_stdev == Approx(std::sqrt(2.5) / 3.0));
  CHECK(summarize_ms({1.0, 3.0}).median_ms == 2.0);
}

TEST_CASE("fill_uniform is deterministic and stays in range", "[ops][fill]") {
  Tensor a = Tensor::empty({1000}, DType::F32), b = Tensor::empty({1000}, DType::F32);
  ops::fill_uniform(a, 9, 0.25f);
  ops::fill_uniform(b, 9, 0.25f);
  CHECK(a.to_f32_vector() == b.to_f32_vector());
  ops::fill_uniform(b, 10, 0.25f);
  CHECK(a.to_f32_vector() != b.to_f32_vector());
  for (float v : a.to_f32_vector()) REQUIRE((v >= -0.25f && v < 0.25f));
}
