#include "engine/core/log.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <set>

namespace mambascope {
namespace {
LogLevel initial_level() {
  const char* e = std::getenv("MAMBASCOPE_LOG");
  if (!e) return LogLevel::Warn;
  if (!std::strcmp(e, "debug")) return LogLevel::Debug;
  if (!std::strcmp(e, "info")) return LogLevel::Info;
  if (!std::strcmp(e, "error")) return LogLevel::Error;
  if (!std::strcmp(e, "off")) return LogLevel::Off;
  return LogLevel::Warn;
}
std::atomic<int> g_level{static_cast<int>(initial_level())};
std::mutex g_mu;
}  // namespace

LogLevel log_level() { return static_cast<LogLevel>(g_level.load()); }
void set_log_level(LogLevel l) { g_level.store(static_cast<int>(l)); }

void log(LogLevel l, const std::string& msg) {
  if (static_cast<int>(l) < g_level.load()) return;
  static const char* names[] = {"debug", "info", "warn", "error"};
  std::lock_guard lock(g_mu);
  std::fprintf(stderr, "[mambascope %s] %s\n", names[static_cast<int>(l)], msg.c_str());
}

void log_once(LogLevel l, const std::string& key, const std::string& msg) {
  static std::set<std::string> seen;
  {
    std::lock_guard lock(g_mu);
    if (!seen.insert(key).second) return;
  }
  log(l, msg);
}

}  // namespace mambascope
