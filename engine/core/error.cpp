#include "engine/core/error.h"

namespace mambascope {
namespace {
std::string compose(const std::string& problem, const std::string& file, const std::string& field,
                    const std::string& fix) {
  std::string s;
  if (!file.empty()) s += file + ": ";
  if (!field.empty()) s += field + ": ";
  s += problem;
  if (!fix.empty()) s += "\n  fix: " + fix;
  return s;
}
}  // namespace

Error::Error(std::string problem, std::string file, std::string field, std::string fix)
    : std::runtime_error(compose(problem, file, field, fix)),
      problem_(std::move(problem)),
      file_(std::move(file)),
      field_(std::move(field)),
      fix_(std::move(fix)) {}

}  // namespace mambascope
