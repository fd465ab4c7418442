#include <catch2/catch.hpp>

#include "engine/scan/scan_order.h"
#include "tests/support.h"

using namespace mambascope;

TEST_CASE("scan orders visit the grid in the stated directions", "[scan]") {
  // 2 x 3 grid:  0 1 2 / 3 4 5
  CHECK(scan_permutation(ScanKind::Row, 2, 3) == std::vector<int32_t>{0, 1, 2, 3, 4, 5});
  CHECK(scan_permutation(ScanKind::RowReverse, 2, 3) == std::vector<int32_t>{5, 4, 3, 2, 1, 0});
  CHECK(scan_permutation(ScanKind::Column, 2, 3) == std::vector<int32_t>{0, 3, 1, 4, 2, 5});
  CHECK(scan_permutation(ScanKind::ColumnReverse, 2, 3) == std::vector<int32_t>{5, 2, 4, 1, 3, 0});
  CHECK(scan_permutation(ScanKind::SnakeRow, 2, 3) == std::vector<int32_t>{0, 1, 2, 5, 4, 3});
  CHECK(scan_permutation(ScanKind::SnakeColumn, 2, 3) == std::vector<int32_t>{0, 3, 4, 1, 2, 5});
}

TEST_CASE("every scan order of the 27x27 connector grid is a permutation with an inverse", "[scan]") {
  for (const ScanOrder& o : scan_set("row,row_rev,col,col_rev,snake_row,snake_col", 27, 27)) {
    INFO(o.name);
    REQUIRE(o.perm.size() == 729);
    const auto inv = invert_permutation(o.perm);
    for (int t = 0; t < 729; ++t) REQUIRE(inv[o.perm[t]] == t);
  }
}

TEST_CASE("the connector's scan sets are BSM and CSM", "[scan]") {
  const auto bsm = scan_set("bidirectional", 27, 27);
  REQUIRE(bsm.size() == 2);
  CHECK(bsm[1].name == "row_rev");
  const auto csm = scan_set("cross", 27, 27);
  REQUIRE(csm.size() == 4);
  CHECK(csm[2].name == "col");
  REQUIRE_ERROR_MENTIONS(scan_set("diagonal", 27, 27), "unknown scan order 'diagonal'", "cross");
  REQUIRE_ERROR_MENTIONS(invert_permutation({0, 0}), "not a permutation");
}
