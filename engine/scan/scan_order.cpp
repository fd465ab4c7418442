#include "engine/scan/scan_order.h"

#include <algorithm>

#include "engine/core/error.h"

namespace mambascope {

namespace {
constexpr ScanKind kAllKinds[] = {ScanKind::Row, ScanKind::RowReverse, ScanKind::Column, ScanKind::ColumnReverse,
                                  ScanKind::SnakeRow, ScanKind::SnakeColumn};
}

const char* scan_kind_name(ScanKind k) {
  switch (k) {
    case ScanKind::Row: return "row";
    case ScanKind::RowReverse: return "row_rev";
    case ScanKind::Column: return "col";
    case ScanKind::ColumnReverse: return "col_rev";
    case ScanKind::SnakeRow: return "snake_row";
    case ScanKind::SnakeColumn: return "snake_col";
  }
  return "?";
}

ScanKind parse_scan_kind(const std::string& name) {
  for (ScanKind k : kAllKinds)
    if (name == scan_kind_name(k)) return k;
  throw Error("unknown scan order '" + name + "'", "scan", "order",
              "use row, row_rev, col, col_rev, snake_row, snake_col, or the sets bidirectional / cross");
}

std::vector<int32_t> scan_permutation(ScanKind kind, int rows, int cols) {
  if (rows <= 0 || cols <= 0) throw Error("grid must be at least 1x1", "scan", "grid");
  const int n = rows * cols;
  std::vector<int32_t> p;
  p.reserve(n);
  switch (kind) {
    case ScanKind::Row:
    case ScanKind::RowReverse:
      for (int i = 0; i < n; ++i) p.push_back(i);
      break;
    case ScanKind::Column:
    case ScanKind::ColumnReverse:
      for (int c = 0; c < cols; ++c)
        for (int r = 0; r < rows; ++r) p.push_back(r * cols + c);
      break;
    case ScanKind::SnakeRow:
      for (int r = 0; r < rows; ++r)
        for (int k = 0; k < cols; ++k) p.push_back(r * cols + (r % 2 ? cols - 1 - k : k));
      break;
    case ScanKind::SnakeColumn:
      for (int c = 0; c < cols; ++c)
        for (int k = 0; k < rows; ++k) p.push_back((c % 2 ? rows - 1 - k : k) * cols + c);
      break;
  }
  if (kind == ScanKind::RowReverse || kind == ScanKind::ColumnReverse) std::reverse(p.begin(), p.end());
  return p;
}

std::vector<int32_t> invert_permutation(const std::vector<int32_t>& perm) {
  std::vector<int32_t> inv(perm.size(), -1);
  for (size_t t = 0; t < perm.size(); ++t) {
    const int32_t i = perm[t];
    if (i < 0 || static_cast<size_t>(i) >= perm.size() || inv[i] != -1)
      throw Error("not a permutation (index " + std::to_string(i) + " at step " + std::to_string(t) + ")", "scan", "perm");
    inv[i] = static_cast<int32_t>(t);
  }
  return inv;
}

std::vector<ScanOrder> scan_set(const std::string& name, int rows, int cols) {
  std::vector<ScanKind> kinds;
  if (name == "bidirectional") kinds = {ScanKind::Row, ScanKind::RowReverse};
  else if (name == "cross") kinds = {ScanKind::Row, ScanKind::RowReverse, ScanKind::Column, ScanKind::ColumnReverse};
  else {
    size_t start = 0;
    while (start <= name.size()) {
      const size_t comma = name.find(',', start);
      const std::string part = name.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      if (!part.empty()) kinds.push_back(parse_scan_kind(part));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  if (kinds.empty()) throw Error("no scan orders named", "scan", "order", "use e.g. cross or row,col");
  std::vector<ScanOrder> out;
  for (ScanKind k : kinds) out.push_back({k, scan_kind_name(k), scan_permutation(k, rows, cols)});
  return out;
}

}  // namespace mambascope
