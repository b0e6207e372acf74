// The pre-tokenizer regex: Oniguruma -> PCRE2 rewriting, and the Qwen2 split pattern checked
// against an independent, direct implementation of its alternatives (Oniguruma semantics).
#include "tokenizer/regex.h"

#include <gtest/gtest.h>
#include <utf8proc.h>

#include <random>

#include "core/file.h"
#include "support/fixtures.h"
#include "tokenizer/qwen2_split.h"
#include "tokenizer/utf8.h"

namespace internvl::tokenizer {
namespace {

std::vector<std::string> split(const Regex& re, std::string_view text) {
  std::vector<std::string_view> views;
  re.split_isolated(text, &views);
  return {views.begin(), views.end()};
}

std::shared_ptr<const Regex> compile(std::string_view pattern, bool fast = true) {
  auto re = Regex::compile(pattern, "test", fast);
  EXPECT_TRUE(re.ok()) << re.status().to_string();
  return re.ok() ? *re : nullptr;
}

TEST(OnigToPcre2, RewritesClassesWhoseMeaningDiffers) {
  EXPECT_EQ(*onig_to_pcre2(R"(\s+)"), R"([\t-\r\x{85}\p{Z}]+)");
  EXPECT_EQ(*onig_to_pcre2(R"([^\s\p{L}])"), R"([^\t-\r\x{85}\p{Z}\p{L}])");
  EXPECT_EQ(*onig_to_pcre2(R"(\S)"), R"([^\t-\r\x{85}\p{Z}])");
  EXPECT_EQ(*onig_to_pcre2(R"(\w\d)"), R"([\p{L}\p{M}\p{N}\p{Pc}]\p{Nd})");
  EXPECT_EQ(*onig_to_pcre2(R"(^a$)"), R"((?m:^)a(?m:$))");
  EXPECT_EQ(*onig_to_pcre2(R"((?i:'s)\x41\x{e9})"), R"((?i:'s)\x41\x{e9})");
  EXPECT_EQ(*onig_to_pcre2(R"([\^\]x])"), R"([\^\]x])");
}

TEST(OnigToPcre2, RefusesWhatItCannotMapExactly) {
  for (const char* p : {R"(\b)", R"([\S])", R"([[:alpha:]])", R"((?m:a))", R"(\xff)", R"([a&&b])",
                        R"(a\)", R"([abc)", R"(\K)", R"((?x)a)"}) {
    auto r = onig_to_pcre2(p);
    ASSERT_FALSE(r.ok()) << p;
    EXPECT_EQ(r.status().code(), StatusCode::kUnsupported) << p;
    EXPECT_NE(r.status().message().find("not supported"), std::string::npos) << p;
  }
}

TEST(Regex, CompileErrorIsAStatus) {
  auto re = Regex::compile("(a", "tokenizer.json: pre_tokenizer");
  ASSERT_FALSE(re.ok());
  EXPECT_NE(re.status().message().find("tokenizer.json: pre_tokenizer"), std::string::npos);
}

TEST(Regex, OnigurumaWhitespaceIncludesNextLine) {
  // PCRE2's own \s lacks U+0085; Oniguruma's (and tokenizers') has it.
  auto re = compile(R"(\s+)");
  EXPECT_EQ(split(*re,
                  "a\xC2\x85\xC2\xA0"
                  "b"),
            (std::vector<std::string>{"a", "\xC2\x85\xC2\xA0", "b"}));
  auto qwen = compile(kQwen2SplitPattern);
  EXPECT_EQ(split(*qwen,
                  "\xC2\x85\xC2\x85"
                  "a"),
            (std::vector<std::string>{"\xC2\x85",
                                      "\xC2\x85"
                                      "a"}));
}

TEST(Regex, IsolatedKeepsGapsAndSkipsEmptyMatches) {
  auto re = compile("b*");
  EXPECT_EQ(split(*re, "abba"), (std::vector<std::string>{"a", "bb", "a"}));
  auto digits = compile(R"(\d)");
  EXPECT_EQ(split(*digits, "ab12c"), (std::vector<std::string>{"ab", "1", "2", "c"}));
}

TEST(Regex, FixturePatternIsTheOneWithAFastPath) {
  auto text = read_file(test::fixture_path("tokenizer/tokenizer.json"));
  ASSERT_TRUE(text.ok());
  // The pattern as escaped in the JSON file.
  std::string escaped;
  for (char c : kQwen2SplitPattern) {
    if (c == '\\') escaped += '\\';
    escaped += c;
  }
  EXPECT_NE(text->find(escaped), std::string::npos);
}

// ---- reference implementation of the Qwen2 pattern, straight from its alternatives ----

bool is_letter(std::uint32_t cp) {
  const auto c = utf8proc_category(static_cast<utf8proc_int32_t>(cp));
  return c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_LO;
}
bool is_number(std::uint32_t cp) {
  const auto c = utf8proc_category(static_cast<utf8proc_int32_t>(cp));
  return c >= UTF8PROC_CATEGORY_ND && c <= UTF8PROC_CATEGORY_NO;
}
bool is_space(std::uint32_t cp) {  // Oniguruma's Unicode \s
  const auto c = utf8proc_category(static_cast<utf8proc_int32_t>(cp));
  return (cp >= 9 && cp <= 13) || cp == 0x85 || c == UTF8PROC_CATEGORY_ZS ||
         c == UTF8PROC_CATEGORY_ZL || c == UTF8PROC_CATEGORY_ZP;
}
bool is_newline(std::uint32_t cp) { return cp == '\r' || cp == '\n'; }

std::vector<std::string> reference_split(std::string_view text) {
  std::vector<std::uint32_t> cps;
  std::vector<std::size_t> offs;
  for (std::size_t i = 0; i < text.size();) {
    offs.push_back(i);
    cps.push_back(next_code_point(text, i));
  }
  offs.push_back(text.size());
  const std::size_t n = cps.size();
  auto at = [&](std::size_t k) -> std::uint32_t { return k < n ? cps[k] : 0xFFFFFFFFu; };
  auto letters = [&](std::size_t k) {
    std::size_t j = k;
    while (j < n && is_letter(cps[j])) ++j;
    return j - k;
  };
  auto lower_is = [&](std::size_t k, char c) {
    const std::uint32_t cp = at(k);
    if (c == 's' && cp == 0x17F) return true;  // LATIN SMALL LETTER LONG S folds to s
    return cp < 128 && (static_cast<char>(cp) | 0x20) == c;
  };
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < n) {
    std::size_t len = 0;
    const std::uint32_t c = cps[i];
    if (c == '\'' && (lower_is(i + 1, 's') || lower_is(i + 1, 't') || lower_is(i + 1, 'm') ||
                      lower_is(i + 1, 'd'))) {
      len = 2;
    } else if (c == '\'' && ((lower_is(i + 1, 'r') && lower_is(i + 2, 'e')) ||
                             (lower_is(i + 1, 'v') && lower_is(i + 2, 'e')) ||
                             (lower_is(i + 1, 'l') && lower_is(i + 2, 'l')))) {
      len = 3;
    } else if (!is_newline(c) && !is_letter(c) && !is_number(c) && letters(i + 1) > 0) {
      len = 1 + letters(i + 1);
    } else if (is_letter(c)) {
      len = letters(i);
    } else if (is_number(c)) {
      len = 1;
    } else {
      auto other = [&](std::uint32_t cp) {
        return !is_space(cp) && !is_letter(cp) && !is_number(cp);
      };
      const std::size_t s = (c == ' ' && i + 1 < n && other(at(i + 1))) ? i + 1 : i;
      if (s < n && other(cps[s])) {
        std::size_t j = s;
        while (j < n && other(cps[j])) ++j;
        while (j < n && is_newline(cps[j])) ++j;
        len = j - i;
      } else {
        std::size_t j = i;
        std::size_t last_nl = n;
        while (j < n && is_space(cps[j])) {
          if (is_newline(cps[j])) last_nl = j;
          ++j;
        }
        if (last_nl < n)
          len = last_nl + 1 - i;
        else if (j == n || j - i == 1)
          len = j - i;
        else
          len = j - 1 - i;
      }
    }
    out.emplace_back(text.substr(offs[i], offs[i + len] - offs[i]));
    i += len;
  }
  return out;
}

// Characters whose classes are the same in the Unicode versions of PCRE2, utf8proc and
// Oniguruma, chosen to hit every branch: letters of several scripts, marks, numbers of every
// kind, the Unicode spaces, format characters, symbols, emoji.
std::string random_text(std::mt19937& rng, bool mostly_ascii) {
  static const std::uint32_t kPool[] = {
      'a',     'Z',     's',     'S',     't',     'r',    'e',    'v',    'm',    'l',    'L',
      'd',     'D',     '\'',    '\'',    '0',     '7',    ' ',    ' ',    ' ',    '\t',   '\n',
      '\n',    '\r',    '\v',    '\f',    '!',     '.',    ',',    '-',    '(',    '"',    '#',
      '_',     0,       0x1F,    0x7F,    0x85,    0xA0,   0xAA,   0xB2,   0xB5,   0xBC,   0xBF,
      0xD7,    0xDF,    0xE9,    0x17F,   0x301,   0x345,  0x3A9,  0x416,  0x5D0,  0x627,  0x663,
      0x915,   0x94D,   0xE01,   0x1680,  0x180E,  0x2003, 0x200B, 0x200D, 0x2028, 0x2029, 0x202F,
      0x205F,  0x2177,  0x2460,  0x3000,  0x3042,  0x4E2D, 0xAC00, 0xFEFF, 0xFF01, 0x378,  0xE000,
      0x1F1EB, 0x1F3FD, 0x1F44D, 0x1F600, 0x10FFFF};
  static const char kAscii[] = "abcXYZ sS'tTrReEvVmMlLdD 0123 ,.!?-\n\r\t  ";
  std::string s;
  const int len = static_cast<int>(rng() % 24);
  for (int k = 0; k < len; ++k) {
    if (mostly_ascii && rng() % 8 != 0) {
      s.push_back(kAscii[rng() % (sizeof(kAscii) - 1)]);
    } else {
      append_code_point(kPool[rng() % (sizeof(kPool) / sizeof(kPool[0]))], &s);
    }
  }
  return s;
}

TEST(Qwen2Split, Pcre2MatchesReferenceOnRandomUnicode) {
  auto pcre = compile(kQwen2SplitPattern, /*fast=*/false);
  ASSERT_TRUE(pcre);
  std::mt19937 rng(42);
  for (int iter = 0; iter < 40000; ++iter) {
    const std::string s = random_text(rng, iter % 2 == 0);
    ASSERT_EQ(split(*pcre, s), reference_split(s)) << testing::PrintToString(s);
  }
}

TEST(Qwen2Split, AsciiFastPathMatchesPcre2) {
  auto pcre = compile(kQwen2SplitPattern, /*fast=*/false);
  auto fast = compile(kQwen2SplitPattern, /*fast=*/true);
  ASSERT_TRUE(pcre && fast);
  std::mt19937 rng(43);
  for (int iter = 0; iter < 60000; ++iter) {
    const std::string s = random_text(rng, iter % 4 != 0);
    ASSERT_EQ(split(*fast, s), split(*pcre, s)) << testing::PrintToString(s);
  }
}

TEST(Qwen2Split, Examples) {
  auto re = compile(kQwen2SplitPattern);
  EXPECT_EQ(split(*re, "I'm here, they'LL go"),
            (std::vector<std::string>{"I", "'m", " here", ",", " they", "'LL", " go"}));
  EXPECT_EQ(split(*re, "  two  spaces  "),
            (std::vector<std::string>{" ", " two", " ", " spaces", "  "}));
  EXPECT_EQ(split(*re, "x=12;\n\n  y"),
            (std::vector<std::string>{"x", "=", "1", "2", ";\n\n", " ", " y"}));
  EXPECT_EQ(split(*re, "a \n b"), (std::vector<std::string>{"a", " \n", " b"}));
}

}  // namespace
}  // namespace internvl::tokenizer
