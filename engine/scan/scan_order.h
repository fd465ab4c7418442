#pragma once
// 2D scan orders of a patch grid as index permutations: perm[t] is the patch (row-major index r*cols+c)
// visited at step t. The Mamba-2 scan connector runs one SSM pass per order over the permuted patch
// sequence and scatters the outputs back to patch order; `mambascope scan` and the GUI draw the same paths.
#include <cstdint>
#include <string>
#include <vector>

namespace mambascope {

enum class ScanKind { Row, RowReverse, Column, ColumnReverse, SnakeRow, SnakeColumn };

struct ScanOrder {
  ScanKind kind;
  std::string name;           // "row", "row_rev", "col", "col_rev", "snake_row", "snake_col"
  std::vector<int32_t> perm;  // step -> patch index
};

std::vector<int32_t> scan_permutation(ScanKind kind, int rows, int cols);
std::vector<int32_t> invert_permutation(const std::vector<int32_t>& perm);  // patch index -> step
const char* scan_kind_name(ScanKind k);
ScanKind parse_scan_kind(const std::string& name);

// A connector's set of orders by name: "bidirectional" (BSM: row, row_rev), "cross" (CSM: row, row_rev, col,
// col_rev), or a comma-separated list of single orders. Throws Error naming the unknown name.
std::vector<ScanOrder> scan_set(const std::string& name, int rows, int cols);

}  // namespace mambascope
