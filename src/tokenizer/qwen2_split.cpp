#include "tokenizer/qwen2_split.h"

#include <array>
#include <cstdint>

namespace internvl::tokenizer {
namespace {

// ASCII classes as the pattern sees them: \p{L} = [A-Za-z], \p{N} = [0-9], \s = [\t-\r ],
// [\r\n] = newline. Every byte >= 0x80 starts a character whose class needs Unicode tables.
enum Cls : std::uint8_t { kOther, kLetter, kDigit, kSpace, kNewline, kNonAscii, kEnd };

constexpr std::array<Cls, 256> make_table() {
  std::array<Cls, 256> t{};
  for (int b = 0; b < 256; ++b) {
    Cls c = kOther;
    if (b >= 0x80)
      c = kNonAscii;
    else if ((b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z'))
      c = kLetter;
    else if (b >= '0' && b <= '9')
      c = kDigit;
    else if (b == '\n' || b == '\r')
      c = kNewline;
    else if (b == ' ' || b == '\t' || b == '\v' || b == '\f')
      c = kSpace;
    t[static_cast<std::size_t>(b)] = c;
  }
  return t;
}
constexpr std::array<Cls, 256> kTable = make_table();

class Scanner {
 public:
  explicit Scanner(std::string_view t) : t_(t) {}
  Cls cls(std::size_t k) const {
    return k < t_.size() ? kTable[static_cast<unsigned char>(t_[k])] : kEnd;
  }
  char lower(std::size_t k) const { return k < t_.size() ? static_cast<char>(t_[k] | 0x20) : 0; }
  // Length of the run of `c` from k, or 0 when a non-ASCII character ends it (it might belong).
  std::size_t run(std::size_t k, Cls c) const {
    std::size_t j = k;
    while (cls(j) == c) ++j;
    return cls(j) == kNonAscii ? 0 : j - k;
  }
  std::size_t size() const { return t_.size(); }

 private:
  std::string_view t_;
};

// ` ?[^\s\p{L}\p{N}]+[\r\n]*` from k, the optional space already consumed.
std::size_t others_then_newlines(const Scanner& s, std::size_t k) {
  const std::size_t others = s.run(k, kOther);
  if (others == 0) return 0;
  std::size_t j = k + others;
  while (s.cls(j) == kNewline) ++j;
  return j - k;
}

}  // namespace

std::size_t qwen2_ascii_match(std::string_view text, std::size_t i) {
  const Scanner s(text);
  const Cls c = s.cls(i);
  if (c == kNonAscii) return 0;

  // (?i:'s|'t|'re|'ve|'m|'ll|'d) -- 's' also matches U+017F, hence the bail-out on non-ASCII.
  if (text[i] == '\'') {
    if (s.cls(i + 1) == kNonAscii) return 0;
    if (s.cls(i + 1) == kLetter) {
      const char l1 = s.lower(i + 1);
      if (l1 == 's' || l1 == 't' || l1 == 'm' || l1 == 'd') return 2;
      const char l2 = s.cls(i + 2) == kLetter ? s.lower(i + 2) : 0;
      if (((l1 == 'r' || l1 == 'v') && l2 == 'e') || (l1 == 'l' && l2 == 'l')) return 3;
    }
  }

  switch (c) {
    case kLetter:  // [^\r\n\p{L}\p{N}]?\p{L}+ without the optional character
      return s.run(i, kLetter);
    case kDigit:  // \p{N}
      return 1;
    case kOther: {
      // [^\r\n\p{L}\p{N}]?\p{L}+ with this character as the optional one
      const Cls next = s.cls(i + 1);
      if (next == kNonAscii) return 0;
      if (next == kLetter) {
        const std::size_t letters = s.run(i + 1, kLetter);
        return letters == 0 ? 0 : 1 + letters;
      }
      return others_then_newlines(s, i);  //  ?[^\s\p{L}\p{N}]+[\r\n]*
    }
    case kSpace:
    case kNewline: {
      const Cls next = s.cls(i + 1);
      if (c == kSpace) {
        // \t, \v, \f and ' ' are [^\r\n\p{L}\p{N}]: the letters alternative comes first.
        if (next == kNonAscii) return 0;
        if (next == kLetter) {
          const std::size_t letters = s.run(i + 1, kLetter);
          return letters == 0 ? 0 : 1 + letters;
        }
        if (text[i] == ' ' && next == kOther) {
          const std::size_t rest = others_then_newlines(s, i + 1);
          return rest == 0 ? 0 : 1 + rest;
        }
      }
      // The whitespace alternatives, on the whole run of whitespace from i.
      std::size_t j = i;
      std::size_t last_newline = text.size();
      while (s.cls(j) == kSpace || s.cls(j) == kNewline) {
        if (s.cls(j) == kNewline) last_newline = j;
        ++j;
      }
      if (s.cls(j) == kNonAscii) return 0;  // U+0085, U+00A0, U+3000, ... would extend it
      if (last_newline < text.size()) return last_newline + 1 - i;  // \s*[\r\n]+
      if (j == text.size()) return j - i;                           // \s+(?!\S) at the end
      if (j - i >= 2) return j - 1 - i;                             // \s+(?!\S)
      return 1;                                                     // \s+
    }
    default:
      return 0;
  }
}

}  // namespace internvl::tokenizer
