// Small string helpers shared by every layer.
#pragma once

#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace internvl {

/// Streams every argument into one string: str_cat("tensor '", name, "' has ", n, " rows").
template <typename... Args>
std::string str_cat(Args&&... args) {
  std::ostringstream os;
  (os << ... << std::forward<Args>(args));
  return os.str();
}

/// "[2, 3, 448]" for a shape.
std::string shape_str(const std::vector<std::int64_t>& shape);

/// Joins items with a separator.
std::string join(const std::vector<std::string>& items, std::string_view sep);

/// Splits on every occurrence of sep (keeps empty pieces).
std::vector<std::string> split(std::string_view text, std::string_view sep);

bool starts_with(std::string_view s, std::string_view prefix);
bool ends_with(std::string_view s, std::string_view suffix);

/// Quotes a user-supplied string for an error message, cutting it to max_len bytes.
std::string quote_for_message(std::string_view s, std::size_t max_len = 80);

/// Formats a byte count as "1.50 GiB".
std::string human_bytes(double bytes);

}  // namespace internvl
