#pragma once
// Sequence-length lists as users type them: "1k,4k,16384,101k,1m" (k = 1024, m = 1024^2). Note that the
// mmMamba paper's "103K tokens" is 103,424 = 101k here.
#include <cstdint>
#include <string>
#include <vector>

namespace mambascope {
std::vector<int64_t> parse_lengths(const std::string& s, const std::string& what = "--len");
int64_t parse_length(const std::string& s, const std::string& what = "--len");
std::string format_length(int64_t n);  // 1024 -> "1k", 103424 -> "101k", 1000 -> "1000"
}  // namespace mambascope
