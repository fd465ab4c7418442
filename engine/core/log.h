#pragma once
// Minimal leveled logging to stderr. MAMBASCOPE_LOG=debug|info|warn|error|off sets the level (default warn).
#include <string>

namespace mambascope {

enum class LogLevel { Debug = 0, Info = 1, Warn = 2, Error = 3, Off = 4 };
LogLevel log_level();
void set_log_level(LogLevel l);
void log(LogLevel l, const std::string& msg);
// Logs `msg` once per distinct `key` for the life of the process.
void log_once(LogLevel l, const std::string& key, const std::string& msg);

inline void log_debug(const std::string& m) { log(LogLevel::Debug, m); }
inline void log_info(const std::string& m) { log(LogLevel::Info, m); }
inline void log_warn(const std::string& m) { log(LogLevel::Warn, m); }

}  // namespace mambascope
