#include "app/gui/job.h"

#include <algorithm>

namespace mambascope::gui {

void JobProgress::report(double fraction, const std::string& message) {
  fraction_ = std::clamp(fraction, 0.0, 1.0);
  std::lock_guard<std::mutex> lock(mutex_);
  message_ = message;
}

std::string JobProgress::message() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return message_;
}

std::string describe_exception(std::exception_ptr e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    return x.what();  // an Error's what() already names the file, the field and the fix
  } catch (...) {
    return "unknown error";
  }
}

}  // namespace mambascope::gui
