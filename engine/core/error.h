#pragma once
// mambascope::Error: every failure a user can cause names where (file), what (field) and how to fix it.
#include <stdexcept>
#include <string>

namespace mambascope {

class Error : public std::runtime_error {
 public:
  // problem: what is wrong; file: the file or object it concerns (may be empty); field: the key, tensor or
  // argument inside it; fix: what the user should do.
  Error(std::string problem, std::string file = {}, std::string field = {}, std::string fix = {});

  const std::string& problem() const { return problem_; }
  const std::string& file() const { return file_; }
  const std::string& field() const { return field_; }
  const std::string& fix() const { return fix_; }

 private:
  std::string problem_, file_, field_, fix_;
};

// Throws Error(problem, file, field, fix) unless cond holds.
inline void require(bool cond, const std::string& problem, const std::string& file = {},
                    const std::string& field = {}, const std::string& fix = {}) {
  if (!cond) throw Error(problem, file, field, fix);
}

}  // namespace mambascope
