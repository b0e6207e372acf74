// Invariant checks for bugs (never for user input: that returns a Status).
#pragma once

#include <cstdio>
#include <cstdlib>

#include "core/str.h"

namespace internvl::detail {
[[noreturn]] void check_failed(const char* file, int line, const char* cond, const std::string& msg);
}  // namespace internvl::detail

/// Always-on check: aborts with file, line, condition and the streamed message.
#define INTERNVL_CHECK(cond, ...)                                                      \
  do {                                                                                 \
    if (!(cond)) [[unlikely]] {                                                        \
      ::internvl::detail::check_failed(__FILE__, __LINE__, #cond,                      \
                                       ::internvl::str_cat("" __VA_OPT__(, ) __VA_ARGS__)); \
    }                                                                                  \
  } while (0)

#ifdef NDEBUG
#define INTERNVL_DCHECK(cond, ...) \
  do {                             \
  } while (0)
#else
/// Debug-only check for hot loops and kernel shape contracts.
#define INTERNVL_DCHECK(cond, ...) INTERNVL_CHECK(cond __VA_OPT__(, ) __VA_ARGS__)
#endif
