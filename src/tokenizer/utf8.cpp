#include "tokenizer/utf8.h"

#include <cstring>

namespace internvl::tokenizer {
namespace {

// Length of the well-formed sequence that starts at p[0] (n bytes available), or -k when it is
// ill-formed, k being the length of its maximal subpart (k bytes become one U+FFFD).
// Ranges: Unicode 15 table 3-7 (well-formed UTF-8 byte sequences).
int sequence_length(const unsigned char* p, std::size_t n) {
  const unsigned char b0 = p[0];
  if (b0 < 0x80) return 1;
  int need = 0;
  unsigned char lo = 0x80;
  unsigned char hi = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    need = 1;
  } else if (b0 == 0xE0) {
    need = 2;
    lo = 0xA0;
  } else if ((b0 >= 0xE1 && b0 <= 0xEC) || b0 == 0xEE || b0 == 0xEF) {
    need = 2;
  } else if (b0 == 0xED) {
    need = 2;
    hi = 0x9F;  // excludes the surrogates U+D800..U+DFFF
  } else if (b0 == 0xF0) {
    need = 3;
    lo = 0x90;
  } else if (b0 >= 0xF1 && b0 <= 0xF3) {
    need = 3;
  } else if (b0 == 0xF4) {
    need = 3;
    hi = 0x8F;  // nothing above U+10FFFF
  } else {
    return -1;  // 0x80..0xC1, 0xF5..0xFF never start a sequence
  }
  for (int k = 1; k <= need; ++k) {
    if (static_cast<std::size_t>(k) >= n) return -k;
    const unsigned char b = p[k];
    const bool ok = k == 1 ? (b >= lo && b <= hi) : (b >= 0x80 && b <= 0xBF);
    if (!ok) return -k;
  }
  return need + 1;
}

bool is_lead_byte(unsigned char b) { return b >= 0xC2 && b <= 0xF4; }

}  // namespace

bool is_ascii(std::string_view s) {
  const char* p = s.data();
  std::size_t n = s.size();
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, p + i, 8);
    if (w & 0x8080808080808080ull) return false;
  }
  for (; i < n; ++i) {
    if (static_cast<unsigned char>(p[i]) >= 0x80) return false;
  }
  return true;
}

bool is_valid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  std::size_t i = 0;
  while (i < n) {
    if (i + 8 <= n) {
      std::uint64_t w;
      std::memcpy(&w, p + i, 8);
      if ((w & 0x8080808080808080ull) == 0) {
        i += 8;
        continue;
      }
    }
    const int len = sequence_length(p + i, n - i);
    if (len < 0) return false;
    i += static_cast<std::size_t>(len);
  }
  return true;
}

void append_utf8_lossy(std::string_view s, std::string* out) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  out->reserve(out->size() + n);
  std::size_t run_start = 0;  // start of the pending well-formed run, copied in one go
  std::size_t i = 0;
  while (i < n) {
    if (p[i] < 0x80) {
      ++i;
      continue;
    }
    const int len = sequence_length(p + i, n - i);
    if (len > 0) {
      i += static_cast<std::size_t>(len);
      continue;
    }
    out->append(s.data() + run_start, i - run_start);
    out->append(kReplacementChar);
    i += static_cast<std::size_t>(-len);
    run_start = i;
  }
  out->append(s.data() + run_start, n - run_start);
}

std::string utf8_lossy(std::string_view s) {
  std::string out;
  append_utf8_lossy(s, &out);
  return out;
}

std::size_t utf8_incomplete_tail(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  const std::size_t first = n > 3 ? n - 3 : 0;
  for (std::size_t start = first; start < n; ++start) {
    if (!is_lead_byte(p[start])) continue;
    const std::size_t avail = n - start;
    const int len = sequence_length(p + start, avail);
    // Truncated by the end of s (not by a bad byte): -len equals the bytes available.
    if (len < 0 && static_cast<std::size_t>(-len) == avail) return avail;
  }
  return 0;
}

std::uint32_t prev_code_point(std::string_view s, std::size_t& i) {
  std::size_t j = i - 1;
  while (j > 0 && (static_cast<unsigned char>(s[j]) & 0xC0) == 0x80) --j;
  std::size_t k = j;
  const std::uint32_t cp = next_code_point(s, k);
  i = j;
  return cp;
}

void append_code_point(std::uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

}  // namespace internvl::tokenizer
