#include "engine/bench/lengths.h"

#include <cctype>

#include "engine/core/error.h"

namespace mambascope {

int64_t parse_length(const std::string& s0, const std::string& what) {
  std::string s;
  for (char c : s0)
    if (!std::isspace(static_cast<unsigned char>(c)) && c != '_') s += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const auto bad = [&] {
    return Error("'" + s0 + "' is not a length", "command line", what, "write lengths like 1024, 4k (= 4096) or 1m (= 1048576)");
  };
  if (s.empty()) throw bad();
  int64_t mult = 1;
  if (s.back() == 'k') mult = 1024;
  if (s.back() == 'm') mult = 1024 * 1024;
  if (mult != 1) s.pop_back();
  if (s.empty()) throw bad();
  int64_t v = 0;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) throw bad();
    v = v * 10 + (c - '0');
    if (v > (int64_t{1} << 40)) throw bad();
  }
  if (v <= 0) throw Error("length must be positive", "command line", what);
  return v * mult;
}

std::vector<int64_t> parse_lengths(const std::string& s, const std::string& what) {
  std::vector<int64_t> out;
  size_t start = 0;
  while (start <= s.size()) {
    const size_t comma = s.find(',', start);
    const std::string part = s.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!part.empty()) out.push_back(parse_length(part, what));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (out.empty()) throw Error("no lengths given", "command line", what, "write e.g. 1k,4k,16k");
  return out;
}

std::string format_length(int64_t n) {
  if (n >= (1 << 20) && n % (1 << 20) == 0) return std::to_string(n >> 20) + "m";
  if (n >= 1024 && n % 1024 == 0) return std::to_string(n >> 10) + "k";
  return std::to_string(n);
}

}  // namespace mambascope
