// UTF-8 helpers for the tokenizer: validation, lossy repair and code point iteration.
//
// Invalid input is repaired the way Python's bytes.decode("utf-8", errors="replace") and Rust's
// String::from_utf8_lossy do it: every maximal subpart of an ill-formed sequence (Unicode 15,
// section 3.9, "U+FFFD substitution of maximal subparts") becomes one U+FFFD.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace internvl::tokenizer {

inline constexpr std::string_view kReplacementChar = "\xEF\xBF\xBD";  // U+FFFD

/// True when every byte is below 0x80.
bool is_ascii(std::string_view s);

/// True when s is well-formed UTF-8 (no surrogates, no overlongs, nothing above U+10FFFF).
bool is_valid_utf8(std::string_view s);

/// Appends s to out, replacing each maximal ill-formed subpart with U+FFFD.
void append_utf8_lossy(std::string_view s, std::string* out);

/// s with each maximal ill-formed subpart replaced by U+FFFD.
std::string utf8_lossy(std::string_view s);

/// Number of trailing bytes of s (0-3) that start a well-formed sequence not yet complete.
/// Cutting s before them leaves a prefix whose lossy decoding does not depend on what follows.
std::size_t utf8_incomplete_tail(std::string_view s);

/// Decodes the code point at s[i] (s must be valid UTF-8) and advances i past it.
inline std::uint32_t next_code_point(std::string_view s, std::size_t& i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    i += 1;
    return b0;
  }
  if (b0 < 0xE0) {
    std::uint32_t cp = ((b0 & 0x1Fu) << 6) | (static_cast<unsigned char>(s[i + 1]) & 0x3Fu);
    i += 2;
    return cp;
  }
  if (b0 < 0xF0) {
    std::uint32_t cp = ((b0 & 0x0Fu) << 12) |
                       ((static_cast<unsigned char>(s[i + 1]) & 0x3Fu) << 6) |
                       (static_cast<unsigned char>(s[i + 2]) & 0x3Fu);
    i += 3;
    return cp;
  }
  std::uint32_t cp = ((b0 & 0x07u) << 18) | ((static_cast<unsigned char>(s[i + 1]) & 0x3Fu) << 12) |
                     ((static_cast<unsigned char>(s[i + 2]) & 0x3Fu) << 6) |
                     (static_cast<unsigned char>(s[i + 3]) & 0x3Fu);
  i += 4;
  return cp;
}

/// Decodes the code point that ends at s[i - 1] (s valid UTF-8) and moves i back to its start.
std::uint32_t prev_code_point(std::string_view s, std::size_t& i);

/// Appends the UTF-8 encoding of cp (cp <= 0x10FFFF, not a surrogate).
void append_code_point(std::uint32_t cp, std::string* out);

}  // namespace internvl::tokenizer
