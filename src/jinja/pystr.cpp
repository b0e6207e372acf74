#include "jinja/pystr.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace internvl::jinja::py {

// ---- UTF-8 ----

char32_t next_cp(std::string_view s, std::size_t& i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  int n = 0;
  char32_t cp = 0;
  if ((b0 & 0xE0) == 0xC0) {
    n = 1;
    cp = b0 & 0x1F;
  } else if ((b0 & 0xF0) == 0xE0) {
    n = 2;
    cp = b0 & 0x0F;
  } else if ((b0 & 0xF8) == 0xF0) {
    n = 3;
    cp = b0 & 0x07;
  } else {
    ++i;
    return 0xFFFD;
  }
  if (i + static_cast<std::size_t>(n) >= s.size()) {  // truncated sequence
    ++i;
    return 0xFFFD;
  }
  for (int k = 1; k <= n; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) {
      ++i;
      return 0xFFFD;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  // Reject overlong forms, surrogates and values past U+10FFFF.
  static constexpr char32_t kMin[4] = {0, 0x80, 0x800, 0x10000};
  if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++i;
    return 0xFFFD;
  }
  i += n + 1;
  return cp;
}

void append_cp(std::string& out, char32_t cp) {
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::u32string to_u32(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) out.push_back(next_cp(s, i));
  return out;
}

std::string from_u32(std::u32string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char32_t c : s) append_cp(out, c);
  return out;
}

std::size_t cp_count(std::string_view s) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size();) {
    next_cp(s, i);
    ++n;
  }
  return n;
}

bool is_ascii(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

std::size_t cp_index(std::string_view s, std::size_t byte_pos) {
  return cp_count(s.substr(0, byte_pos));
}

// ---- character classes ----

bool is_space(char32_t c) {
  if (c <= 0x20) return c == 0x20 || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F);
  return c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 ||
         c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

bool is_digit(char32_t c) {
  return (c >= '0' && c <= '9') || (c >= 0xFF10 && c <= 0xFF19) || (c >= 0x660 && c <= 0x669);
}

bool is_alpha(char32_t c) {
  if (c < 0x80) return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  if (is_upper(c) || is_lower(c)) return true;
  // Letters without case: CJK, kana, Hangul, Arabic, Hebrew, Thai, Devanagari...
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
         (c >= 0x3041 && c <= 0x30FF) || (c >= 0xAC00 && c <= 0xD7A3) ||
         (c >= 0x5D0 && c <= 0x5EA) || (c >= 0x620 && c <= 0x64A) || (c >= 0xE01 && c <= 0xE30) ||
         (c >= 0x905 && c <= 0x939) || c == 0xAA || c == 0xBA || (c >= 0x20000 && c <= 0x2FA1F);
}

bool is_word(char32_t c) { return c == '_' || is_alpha(c) || is_digit(c); }

namespace {

struct CaseRange {
  char32_t lo, hi;  // upper-case range [lo, hi]
  int delta;        // lower = upper + delta
};
// Contiguous upper->lower blocks.
constexpr CaseRange kBlocks[] = {
    {0x41, 0x5A, 32},   {0xC0, 0xD6, 32},   {0xD8, 0xDE, 32},     {0x391, 0x3A1, 32},
    {0x3A3, 0x3AB, 32}, {0x388, 0x38A, 37}, {0x38E, 0x38F, 63},   {0x410, 0x42F, 32},
    {0x400, 0x40F, 80}, {0x531, 0x556, 48}, {0xFF21, 0xFF3A, 32}, {0x10A0, 0x10C5, 7264},
};
struct PairRange {
  char32_t lo, hi;  // alternating pairs: upper at lo (+2k), lower right after it
};
constexpr PairRange kPairs[] = {
    {0x100, 0x12F},   {0x132, 0x137},   {0x139, 0x148}, {0x14A, 0x177}, {0x179, 0x17E},
    {0x182, 0x185},   {0x1A0, 0x1A5},   {0x1DE, 0x1EF}, {0x1F8, 0x21F}, {0x222, 0x233},
    {0x3D8, 0x3EF},   {0x460, 0x481},   {0x48A, 0x4BF}, {0x4C1, 0x4CE}, {0x4D0, 0x52F},
    {0x1E00, 0x1E95}, {0x1EA0, 0x1EFF},
};

bool in_pair_range(char32_t c, const PairRange& r) { return c >= r.lo && c <= r.hi; }

}  // namespace

char32_t to_lower(char32_t c) {
  if (c < 0x80) return (c >= 'A' && c <= 'Z') ? c + 32 : c;
  for (const auto& b : kBlocks) {
    if (c >= b.lo && c <= b.hi) return static_cast<char32_t>(static_cast<int>(c) + b.delta);
  }
  for (const auto& p : kPairs) {
    if (in_pair_range(c, p)) return ((c - p.lo) % 2 == 0) ? c + 1 : c;
  }
  switch (c) {
    case 0x178:
      return 0xFF;
    case 0x386:
      return 0x3AC;
    case 0x38C:
      return 0x3CC;
    case 0x130:
      return 'i';
    default:
      return c;
  }
}

char32_t to_upper(char32_t c) {
  if (c < 0x80) return (c >= 'a' && c <= 'z') ? c - 32 : c;
  for (const auto& b : kBlocks) {
    const char32_t lo = static_cast<char32_t>(static_cast<int>(b.lo) + b.delta);
    const char32_t hi = static_cast<char32_t>(static_cast<int>(b.hi) + b.delta);
    if (c >= lo && c <= hi) return static_cast<char32_t>(static_cast<int>(c) - b.delta);
  }
  for (const auto& p : kPairs) {
    if (in_pair_range(c, p)) return ((c - p.lo) % 2 == 1) ? c - 1 : c;
  }
  switch (c) {
    case 0xFF:
      return 0x178;
    case 0xB5:
      return 0x39C;
    case 0x131:
      return 'I';
    case 0x17F:
      return 'S';
    case 0x3AC:
      return 0x386;
    case 0x3CC:
      return 0x38C;
    case 0x3C2:
      return 0x3A3;
    default:
      return c;
  }
}

bool is_upper(char32_t c) { return to_lower(c) != c || c == 0x130; }
bool is_lower(char32_t c) { return to_upper(c) != c || c == 0xDF; }

// ---- case conversion ----

namespace {

// str.upper() maps U+00DF to "SS"; every other mapping here is one code point.
void append_upper(std::string& out, char32_t c) {
  if (c == 0xDF) {
    out += "SS";
    return;
  }
  append_cp(out, to_upper(c));
}

bool is_cased(char32_t c) { return is_upper(c) || is_lower(c); }

}  // namespace

std::string upper(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) append_upper(out, next_cp(s, i));
  return out;
}

std::string lower(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) append_cp(out, to_lower(next_cp(s, i)));
  return out;
}

std::string title(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool prev_cased = false;
  for (std::size_t i = 0; i < s.size();) {
    const char32_t c = next_cp(s, i);
    if (prev_cased) {
      append_cp(out, to_lower(c));
    } else {
      append_upper(out, c);
    }
    prev_cased = is_cased(c);
  }
  return out;
}

std::string capitalize(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool first = true;
  for (std::size_t i = 0; i < s.size();) {
    const char32_t c = next_cp(s, i);
    if (first) {
      append_upper(out, c);
      first = false;
    } else {
      append_cp(out, to_lower(c));
    }
  }
  return out;
}

std::string swapcase(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const char32_t c = next_cp(s, i);
    if (is_upper(c)) {
      append_cp(out, to_lower(c));
    } else if (is_lower(c)) {
      append_upper(out, c);
    } else {
      append_cp(out, c);
    }
  }
  return out;
}

bool str_is_lower(std::string_view s) {
  bool cased = false;
  for (std::size_t i = 0; i < s.size();) {
    const char32_t c = next_cp(s, i);
    if (is_upper(c)) return false;
    if (is_lower(c)) cased = true;
  }
  return cased;
}

bool str_is_upper(std::string_view s) {
  bool cased = false;
  for (std::size_t i = 0; i < s.size();) {
    const char32_t c = next_cp(s, i);
    if (is_lower(c)) return false;
    if (is_upper(c)) cased = true;
  }
  return cased;
}

// ---- strip / split ----

std::string strip(std::string_view s, std::optional<std::string_view> chars, bool left,
                  bool right) {
  std::u32string set;
  if (chars) set = to_u32(*chars);
  auto stripped = [&](char32_t c) {
    return chars ? set.find(c) != std::u32string::npos : is_space(c);
  };
  std::size_t begin = 0;
  std::size_t end = s.size();
  if (left) {
    while (begin < end) {
      std::size_t j = begin;
      if (!stripped(next_cp(s, j))) break;
      begin = j;
    }
  }
  if (right) {
    while (end > begin) {
      // Step back to the start of the last code point.
      std::size_t k = end - 1;
      while (k > begin && (static_cast<unsigned char>(s[k]) & 0xC0) == 0x80) --k;
      std::size_t j = k;
      const char32_t c = next_cp(s, j);
      if (j != end || !stripped(c)) break;
      end = k;
    }
  }
  return std::string(s.substr(begin, end - begin));
}

namespace {

// Splits on whitespace runs from the left; maxsplit < 0 means no limit.
std::vector<std::string> split_ws(std::string_view s, std::int64_t maxsplit) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (true) {
    while (i < s.size()) {
      std::size_t j = i;
      if (!is_space(next_cp(s, j))) break;
      i = j;
    }
    if (i >= s.size()) break;
    if (maxsplit >= 0 && static_cast<std::int64_t>(out.size()) == maxsplit) {
      // Once maxsplit is reached the remainder keeps its trailing whitespace.
      out.emplace_back(s.substr(i));
      break;
    }
    std::size_t start = i;
    while (i < s.size()) {
      std::size_t j = i;
      if (is_space(next_cp(s, j))) break;
      i = j;
    }
    out.emplace_back(s.substr(start, i - start));
  }
  return out;
}

}  // namespace

std::vector<std::string> split(std::string_view s, std::optional<std::string_view> sep,
                               std::int64_t maxsplit) {
  if (!sep) return split_ws(s, maxsplit);
  std::vector<std::string> out;
  std::size_t start = 0;
  while (maxsplit < 0 || static_cast<std::int64_t>(out.size()) < maxsplit) {
    const std::size_t pos = s.find(*sep, start);
    if (pos == std::string_view::npos) break;
    out.emplace_back(s.substr(start, pos - start));
    start = pos + sep->size();
  }
  out.emplace_back(s.substr(start));
  return out;
}

std::vector<std::string> rsplit(std::string_view s, std::optional<std::string_view> sep,
                                std::int64_t maxsplit) {
  if (maxsplit < 0) return split(s, sep, maxsplit);
  std::vector<std::string> out;
  if (!sep) {
    std::size_t end = s.size();
    while (true) {
      // Skip trailing whitespace.
      while (end > 0) {
        std::size_t k = end - 1;
        while (k > 0 && (static_cast<unsigned char>(s[k]) & 0xC0) == 0x80) --k;
        std::size_t j = k;
        if (!is_space(next_cp(s, j))) break;
        end = k;
      }
      if (end == 0) break;
      if (static_cast<std::int64_t>(out.size()) == maxsplit) {
        out.emplace_back(s.substr(0, end));
        break;
      }
      std::size_t begin = end;
      while (begin > 0) {
        std::size_t k = begin - 1;
        while (k > 0 && (static_cast<unsigned char>(s[k]) & 0xC0) == 0x80) --k;
        std::size_t j = k;
        if (is_space(next_cp(s, j))) break;
        begin = k;
      }
      out.emplace_back(s.substr(begin, end - begin));
      end = begin;
    }
  } else {
    std::size_t end = s.size();
    while (static_cast<std::int64_t>(out.size()) < maxsplit) {
      if (end < sep->size()) break;
      const std::size_t pos = s.rfind(*sep, end - sep->size());
      if (pos == std::string_view::npos) break;
      out.emplace_back(s.substr(pos + sep->size(), end - pos - sep->size()));
      end = pos;
    }
    out.emplace_back(s.substr(0, end));
  }
  return std::vector<std::string>(out.rbegin(), out.rend());
}

std::vector<std::string> splitlines(std::string_view s, bool keepends) {
  std::vector<std::string> out;
  std::size_t start = 0;
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t j = i;
    const char32_t c = next_cp(s, j);
    const bool brk = c == '\n' || c == '\r' || c == 0x0B || c == 0x0C || c == 0x1C || c == 0x1D ||
                     c == 0x1E || c == 0x85 || c == 0x2028 || c == 0x2029;
    if (!brk) {
      i = j;
      continue;
    }
    if (c == '\r' && j < s.size() && s[j] == '\n') ++j;
    out.emplace_back(s.substr(start, (keepends ? j : i) - start));
    start = i = j;
  }
  if (start < s.size()) out.emplace_back(s.substr(start));
  return out;
}

std::size_t count(std::string_view s, std::string_view sub) {
  if (sub.empty()) return cp_count(s) + 1;
  std::size_t n = 0;
  for (std::size_t pos = s.find(sub); pos != std::string_view::npos;
       pos = s.find(sub, pos + sub.size())) {
    ++n;
  }
  return n;
}

std::size_t replace_size(std::string_view s, std::string_view old, std::string_view repl,
                         std::int64_t max_count) {
  std::size_t n = count(s, old);
  if (max_count >= 0 && static_cast<std::size_t>(max_count) < n) {
    n = static_cast<std::size_t>(max_count);
  }
  return s.size() + n * repl.size() - n * old.size();
}

std::string replace(std::string_view s, std::string_view old, std::string_view repl,
                    std::int64_t max_count) {
  std::string out;
  std::int64_t done = 0;
  if (old.empty()) {
    // Python inserts repl before every code point and at the end.
    std::size_t i = 0;
    while (i < s.size()) {
      if (max_count < 0 || done < max_count) {
        out += repl;
        ++done;
      }
      std::size_t j = i;
      next_cp(s, j);
      out.append(s.substr(i, j - i));
      i = j;
    }
    if (max_count < 0 || done < max_count) out += repl;
    return out;
  }
  std::size_t start = 0;
  while (max_count < 0 || done < max_count) {
    const std::size_t pos = s.find(old, start);
    if (pos == std::string_view::npos) break;
    out.append(s.substr(start, pos - start));
    out += repl;
    start = pos + old.size();
    ++done;
  }
  out.append(s.substr(start));
  return out;
}

// ---- repr ----

namespace {

bool printable(char32_t c) {
  if (c < 0x20 || c == 0x7F) return false;
  if (c < 0x7F) return true;
  if (c <= 0xA0 || c == 0xAD) return false;
  if (c == 0x1680 || (c >= 0x2000 && c <= 0x200F) || (c >= 0x2028 && c <= 0x202F) ||
      (c >= 0x205F && c <= 0x206F) || c == 0x3000 || c == 0xFEFF || (c >= 0xFFF9 && c <= 0xFFFB)) {
    return false;
  }
  if ((c >= 0xD800 && c <= 0xF8FF) || c >= 0xF0000 || (c >= 0xE0000 && c <= 0xE0FFF)) return false;
  return true;
}

void append_hex(std::string& out, char32_t c, int digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (int k = digits - 1; k >= 0; --k) out.push_back(kHex[(c >> (4 * k)) & 0xF]);
}

}  // namespace

std::string repr(std::string_view s) {
  const bool has_single = s.find('\'') != std::string_view::npos;
  const bool has_double = s.find('"') != std::string_view::npos;
  const char quote = (has_single && !has_double) ? '"' : '\'';
  std::string out;
  out.reserve(s.size() + 2);
  out.push_back(quote);
  for (std::size_t i = 0; i < s.size();) {
    const char32_t c = next_cp(s, i);
    if (c == static_cast<char32_t>(quote) || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (printable(c)) {
      append_cp(out, c);
    } else if (c < 0x100) {
      out += "\\x";
      append_hex(out, c, 2);
    } else if (c < 0x10000) {
      out += "\\u";
      append_hex(out, c, 4);
    } else {
      out += "\\U";
      append_hex(out, c, 8);
    }
  }
  out.push_back(quote);
  return out;
}

std::string float_repr(double x) {
  if (std::isnan(x)) return "nan";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  char buf[64];
  // Shortest round-trip digits, as CPython's repr (David Gay's mode 0).
  const auto res = std::to_chars(buf, buf + sizeof(buf), x, std::chars_format::scientific);
  std::string_view sci(buf, static_cast<std::size_t>(res.ptr - buf));
  std::string sign;
  if (!sci.empty() && sci[0] == '-') {
    sign = "-";
    sci.remove_prefix(1);
  }
  const std::size_t epos = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, epos)) {
    if (c != '.') digits.push_back(c);
  }
  const int exp10 = std::atoi(std::string(sci.substr(epos + 1)).c_str());
  const int decpt = exp10 + 1;  // digits d1d2... with the point after decpt of them
  const int nd = static_cast<int>(digits.size());
  std::string out = sign;
  if (decpt > -4 && decpt <= 16) {
    if (decpt <= 0) {
      out += "0.";
      out.append(static_cast<std::size_t>(-decpt), '0');
      out += digits;
    } else if (decpt >= nd) {
      out += digits;
      out.append(static_cast<std::size_t>(decpt - nd), '0');
      out += ".0";
    } else {
      out += digits.substr(0, static_cast<std::size_t>(decpt));
      out += '.';
      out += digits.substr(static_cast<std::size_t>(decpt));
    }
    return out;
  }
  out += digits[0];
  if (nd > 1) {
    out += '.';
    out += digits.substr(1);
  }
  const int e = decpt - 1;
  char ebuf[16];
  std::snprintf(ebuf, sizeof(ebuf), "e%c%02d", e < 0 ? '-' : '+', e < 0 ? -e : e);
  out += ebuf;
  return out;
}

// ---- number parsing ----

namespace {

// Removes underscores that sit between two digits; nullopt if any other underscore is present.
std::optional<std::string> drop_underscores(std::string_view t, bool (*is_dig)(char)) {
  std::string out;
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (t[i] == '_') {
      if (i == 0 || i + 1 >= t.size() || !is_dig(t[i - 1]) || !is_dig(t[i + 1])) {
        return std::nullopt;
      }
      continue;
    }
    out.push_back(t[i]);
  }
  return out;
}

bool is_alnum_ascii(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_dec(char c) { return c >= '0' && c <= '9'; }

}  // namespace

std::optional<std::int64_t> parse_int(std::string_view text, int base) {
  std::string s = strip(text, std::nullopt, true, true);
  std::string_view t = s;
  bool neg = false;
  if (!t.empty() && (t[0] == '+' || t[0] == '-')) {
    neg = t[0] == '-';
    t.remove_prefix(1);
  }
  auto has_prefix = [&](char p) {
    return t.size() >= 2 && t[0] == '0' && (t[1] == p || t[1] == (p - 32));
  };
  if ((base == 16 || base == 0) && has_prefix('x')) {
    base = 16;
    t.remove_prefix(2);
  } else if ((base == 8 || base == 0) && has_prefix('o')) {
    base = 8;
    t.remove_prefix(2);
  } else if ((base == 2 || base == 0) && has_prefix('b')) {
    base = 2;
    t.remove_prefix(2);
  } else if (base == 0) {
    base = 10;
  }
  if (!t.empty() && t[0] == '_') t.remove_prefix(1);  // "0x_1f" is valid Python
  auto clean = drop_underscores(t, is_alnum_ascii);
  if (!clean || clean->empty() || base < 2 || base > 36) return std::nullopt;
  std::uint64_t v = 0;
  const auto r = std::from_chars(clean->data(), clean->data() + clean->size(), v, base);
  if (r.ec != std::errc() || r.ptr != clean->data() + clean->size()) return std::nullopt;
  if (neg) {
    if (v > static_cast<std::uint64_t>(INT64_MAX) + 1) return std::nullopt;
    return static_cast<std::int64_t>(0 - v);
  }
  if (v > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
  return static_cast<std::int64_t>(v);
}

std::optional<double> parse_float(std::string_view text) {
  std::string s = strip(text, std::nullopt, true, true);
  std::string_view t = s;
  bool neg = false;
  std::string_view body = t;
  if (!body.empty() && (body[0] == '+' || body[0] == '-')) {
    neg = body[0] == '-';
    body.remove_prefix(1);
  }
  const std::string low = lower(body);
  if (low == "inf" || low == "infinity") return neg ? -HUGE_VAL : HUGE_VAL;
  if (low == "nan") return std::nan("");
  auto clean = drop_underscores(body, is_dec);
  if (!clean || clean->empty()) return std::nullopt;
  // Python accepts digits, one '.', and an exponent; nothing else (no hex floats).
  bool digit_seen = false;
  for (std::size_t i = 0; i < clean->size(); ++i) {
    const char c = (*clean)[i];
    if (is_dec(c)) {
      digit_seen = true;
    } else if (c != '.' && c != 'e' && c != 'E' && c != '+' && c != '-') {
      return std::nullopt;
    }
  }
  if (!digit_seen) return std::nullopt;
  double v = 0;
  const auto r = std::from_chars(clean->data(), clean->data() + clean->size(), v);
  if (r.ec == std::errc::result_out_of_range) {
    // Overflow gives inf in Python's float(); underflow gives 0.
    v = std::strtod(clean->c_str(), nullptr);
  } else if (r.ec != std::errc() || r.ptr != clean->data() + clean->size()) {
    return std::nullopt;
  }
  return neg ? -v : v;
}

}  // namespace internvl::jinja::py
