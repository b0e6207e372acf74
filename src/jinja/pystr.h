// Python str semantics on UTF-8 text: code points, whitespace, case mapping, strip/split, repr.
// Jinja templates are Python code in disguise; these helpers make `|trim`, `.split()`, `~` and
// printing behave as CPython 3.11 does for the text chat templates see.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace internvl::jinja::py {

/// Decodes the code point at s[i] and advances i; an invalid byte decodes to U+FFFD.
char32_t next_cp(std::string_view s, std::size_t& i);
/// Appends cp as UTF-8 (surrogates and out-of-range values become U+FFFD).
void append_cp(std::string& out, char32_t cp);
/// All code points of s.
std::u32string to_u32(std::string_view s);
/// UTF-8 text of code points.
std::string from_u32(std::u32string_view s);
/// len(s): the number of code points.
std::size_t cp_count(std::string_view s);
/// True when every byte is below 0x80 (byte index == code point index).
bool is_ascii(std::string_view s);
/// Code point index of byte offset `byte_pos` (which must start a code point).
std::size_t cp_index(std::string_view s, std::size_t byte_pos);

/// str.isspace() for one code point (also what `\s` matches in Python's re).
bool is_space(char32_t c);
/// Approximates str.isalpha() / isdigit() / isalnum() / `\w` beyond ASCII.
bool is_alpha(char32_t c);
bool is_digit(char32_t c);
bool is_word(char32_t c);
/// Simple case mapping (ASCII, Latin-1, Latin Extended-A, Greek, Cyrillic, Armenian, fullwidth).
char32_t to_upper(char32_t c);
char32_t to_lower(char32_t c);
bool is_upper(char32_t c);
bool is_lower(char32_t c);

/// str.upper() / lower() / title() / capitalize() / swapcase().
std::string upper(std::string_view s);
std::string lower(std::string_view s);
std::string title(std::string_view s);
std::string capitalize(std::string_view s);
std::string swapcase(std::string_view s);
/// str.islower() / str.isupper(): at least one cased character and all of them in that case.
bool str_is_lower(std::string_view s);
bool str_is_upper(std::string_view s);

/// str.strip(chars) / lstrip / rstrip; chars == nullopt strips whitespace.
std::string strip(std::string_view s, std::optional<std::string_view> chars, bool left, bool right);
/// str.split(sep, maxsplit); sep == nullopt splits on whitespace runs. sep must be non-empty.
std::vector<std::string> split(std::string_view s, std::optional<std::string_view> sep,
                               std::int64_t maxsplit);
/// str.rsplit(sep, maxsplit).
std::vector<std::string> rsplit(std::string_view s, std::optional<std::string_view> sep,
                                std::int64_t maxsplit);
/// str.splitlines(keepends).
std::vector<std::string> splitlines(std::string_view s, bool keepends);
/// Non-overlapping occurrences of sub (an empty sub counts len+1 times, as Python does).
std::size_t count(std::string_view s, std::string_view sub);
/// str.replace(old, new, count); count < 0 replaces all.
std::string replace(std::string_view s, std::string_view old, std::string_view repl,
                    std::int64_t count);
/// Size in bytes that replace() would produce, without building it.
std::size_t replace_size(std::string_view s, std::string_view old, std::string_view repl,
                         std::int64_t count);

/// repr(str): quoted with ' (or " when the text holds ' and no "), escapes as CPython.
std::string repr(std::string_view s);
/// repr(float): the shortest round-trip digits, "1.0", "1e-05", "1e+16", "inf", "nan".
std::string float_repr(double x);
/// int(text, base) for base 2..36 or 0: whitespace, sign, underscores; nullopt when invalid or
/// outside int64.
std::optional<std::int64_t> parse_int(std::string_view text, int base);
/// float(text): decimal, exponent, inf/nan, underscores; nullopt when invalid.
std::optional<double> parse_float(std::string_view text);

}  // namespace internvl::jinja::py
