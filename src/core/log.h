// Logging to stderr. Level from INTERNVL_LOG (error|warn|info|debug), default warn.
#pragma once

#include <string>

#include "core/str.h"

namespace internvl {

enum class LogLevel { kError = 0, kWarn = 1, kInfo = 2, kDebug = 3 };

LogLevel log_level();
void set_log_level(LogLevel level);
void log_message(LogLevel level, const std::string& msg);

template <typename... Args>
void log_warn(Args&&... args) {
  if (log_level() >= LogLevel::kWarn) log_message(LogLevel::kWarn, str_cat(std::forward<Args>(args)...));
}
template <typename... Args>
void log_info(Args&&... args) {
  if (log_level() >= LogLevel::kInfo) log_message(LogLevel::kInfo, str_cat(std::forward<Args>(args)...));
}
template <typename... Args>
void log_debug(Args&&... args) {
  if (log_level() >= LogLevel::kDebug) log_message(LogLevel::kDebug, str_cat(std::forward<Args>(args)...));
}

}  // namespace internvl
