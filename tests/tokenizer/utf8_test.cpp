#include "tokenizer/utf8.h"

#include <gtest/gtest.h>

#include <random>

#include "tokenizer/byte_level.h"

namespace internvl::tokenizer {
namespace {

const std::string R(kReplacementChar);

// Expected values: Python 3.11 bytes.decode("utf-8", errors="replace").
TEST(Utf8, LossyMatchesPythonReplace) {
  const std::pair<std::string, std::string> cases[] = {
      {"abc", "abc"},
      {"\x80", R},
      {"\xC3", R},
      {"\xC3\xA9", "\xC3\xA9"},
      {"\xE4\xB8", R},
      {"\xE4\xB8\xAD", "\xE4\xB8\xAD"},
      {"\xE0\x80\x80", R + R + R},  // overlong: every byte on its own
      {"\xED\xA0\x80", R + R + R},  // a surrogate
      {"\xF0\x9F\x98", R},          // one truncated sequence: one U+FFFD
      {"\xF0\x9F\x98\x80", "\xF0\x9F\x98\x80"},
      {"\xF4\x90\x80\x80", R + R + R + R},  // above U+10FFFF
      {"\xFF\xFE", R + R},
      {"a\xE4\xB8"
       "b",
       "a" + R + "b"},
      {"\xC0\xAF", R + R},
      {"\xF0\x9F\x98"
       "a",
       R + "a"},
      {"\xE4\xB8\xE4\xB8\xAD", R + "\xE4\xB8\xAD"},
      {std::string("\0x", 2), std::string("\0x", 2)},
  };
  for (const auto& [in, want] : cases) {
    EXPECT_EQ(utf8_lossy(in), want) << testing::PrintToString(in);
    EXPECT_EQ(is_valid_utf8(in), in == want) << testing::PrintToString(in);
  }
}

TEST(Utf8, IncompleteTail) {
  EXPECT_EQ(utf8_incomplete_tail(""), 0u);
  EXPECT_EQ(utf8_incomplete_tail("abc"), 0u);
  EXPECT_EQ(utf8_incomplete_tail("a\xE4"), 1u);
  EXPECT_EQ(utf8_incomplete_tail("a\xE4\xB8"), 2u);
  EXPECT_EQ(utf8_incomplete_tail("a\xE4\xB8\xAD"), 0u);
  EXPECT_EQ(utf8_incomplete_tail("\xF0\x9F\x98"), 3u);
  EXPECT_EQ(utf8_incomplete_tail("\xF0\x9F\x98\x80"), 0u);
  EXPECT_EQ(utf8_incomplete_tail("\x80"), 0u);      // can never complete
  EXPECT_EQ(utf8_incomplete_tail("\xE0\x80"), 0u);  // overlong: already invalid
  EXPECT_EQ(utf8_incomplete_tail("\xED\xA0"), 0u);  // surrogate: already invalid
  EXPECT_EQ(utf8_incomplete_tail("\xE4\xC3"), 1u);  // E4 is dead, C3 may complete
  EXPECT_EQ(utf8_incomplete_tail("\xF5"), 0u);
}

// Cutting before the incomplete tail never changes the lossy decoding: the property the
// streaming decoder relies on.
TEST(Utf8, LossyOfPrefixPlusRestEqualsWhole) {
  std::mt19937 rng(7);
  const unsigned char interesting[] = {0x41, 0x80, 0xBF, 0xC2, 0xC3, 0xE0, 0xE4, 0xED,
                                       0xF0, 0xF4, 0xF5, 0xA0, 0x9F, 0x8F, 0x90, 0xFF};
  for (int iter = 0; iter < 20000; ++iter) {
    std::string s;
    const int n = static_cast<int>(rng() % 12);
    for (int i = 0; i < n; ++i)
      s.push_back(static_cast<char>(interesting[rng() % sizeof(interesting)]));
    std::string out;
    std::string pending;
    for (char c : s) {
      pending.push_back(c);
      const std::size_t keep = utf8_incomplete_tail(pending);
      out += utf8_lossy(std::string_view(pending).substr(0, pending.size() - keep));
      pending.erase(0, pending.size() - keep);
    }
    out += utf8_lossy(pending);
    ASSERT_EQ(out, utf8_lossy(s)) << testing::PrintToString(s);
  }
}

TEST(Utf8, CodePoints) {
  const std::string s = "a\xC3\xA9\xE4\xB8\xAD\xF0\x9F\x98\x80";
  std::size_t i = 0;
  EXPECT_EQ(next_code_point(s, i), 0x61u);
  EXPECT_EQ(next_code_point(s, i), 0xE9u);
  EXPECT_EQ(next_code_point(s, i), 0x4E2Du);
  EXPECT_EQ(next_code_point(s, i), 0x1F600u);
  EXPECT_EQ(i, s.size());
  EXPECT_EQ(prev_code_point(s, i), 0x1F600u);
  EXPECT_EQ(prev_code_point(s, i), 0x4E2Du);
  std::string back;
  for (std::uint32_t cp : {0x61u, 0xE9u, 0x4E2Du, 0x1F600u}) append_code_point(cp, &back);
  EXPECT_EQ(back, s);
}

TEST(ByteLevel, AlphabetRoundTrip) {
  EXPECT_EQ(byte_level_code_point(' '), 0x120u);   // 'Ġ'
  EXPECT_EQ(byte_level_code_point('\n'), 0x10Au);  // 'Ċ'
  EXPECT_EQ(byte_level_code_point('a'), static_cast<std::uint32_t>('a'));
  for (int b = 0; b < 256; ++b) {
    EXPECT_EQ(byte_level_byte(byte_level_code_point(static_cast<std::uint8_t>(b))), b);
  }
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  EXPECT_EQ(byte_level_to_bytes(bytes_to_byte_level(all)), all);
  EXPECT_EQ(bytes_to_byte_level(" world"), "\xC4\xA0world");
  // A character outside the alphabet: the decoder keeps the token's own UTF-8.
  EXPECT_FALSE(byte_level_to_bytes("a b").has_value());
  EXPECT_EQ(byte_level_decode_token("a b"), "a b");
  EXPECT_EQ(byte_level_decode_token("<|im_end|>"), "<|im_end|>");
}

}  // namespace
}  // namespace internvl::tokenizer
