// Added tokens: the matcher against tokenizers' own AddedVocabulary tests, and the flags end to
// end through a small tokenizer.json.
#include "tokenizer/added_tokens.h"

#include <gtest/gtest.h>

#include "tiny_tokenizer.h"
#include "tokenizer/tokenizer.h"

namespace internvl::tokenizer {
namespace {

using Split = std::vector<std::pair<std::string, std::int32_t>>;

Split run(const AddedTokenMatcher& m, std::string_view text) {
  std::vector<Segment> segs;
  m.split(text, &segs);
  Split out;
  for (const Segment& s : segs) out.emplace_back(std::string(s.text), s.id);
  return out;
}

// The expectations below are those of huggingface/tokenizers added_vocabulary.rs tests
// (options_use_cases, test_single_word_is_correct, test_single_word_is_unicode_correct,
// test_lstrip_unicode_space), with their Lowercase normalizer applied to the inputs by hand.
TEST(AddedTokenMatcher, TokenizersOptionsUseCases) {
  AddedTokenMatcher m;
  m.add("my", {0, false, true, true});
  m.add("name", {1, false, false, false});
  m.add("ony", {2, true, false, false});
  m.add("[CLS]", {3, false, false, false});
  m.add("[SEP]", {4, false, false, false});
  EXPECT_EQ(run(m, "[CLS] my name is anthony [SEP]"),
            (Split{{"[CLS]", 3}, {" my ", 0}, {"name", 1}, {" is anthony ", -1}, {"[SEP]", 4}}));
}

TEST(AddedTokenMatcher, TokenizersSingleWord) {
  AddedTokenMatcher m;
  m.add("<mask>", {0, true, false, false});
  EXPECT_EQ(run(m, "<mask> my name <mask> a<mask> <mask>ony <mask>"),
            (Split{{"<mask>", 0},
                   {" my name ", -1},
                   {"<mask>", 0},
                   {" a<mask> <mask>ony ", -1},
                   {"<mask>", 0}}));
  // Punctuation is not a word character; a combining mark (U+0330) is.
  EXPECT_EQ(
      run(m, "<mask>, <mask>- \xE2\x97\x8C\xCC\xB0<mask>"),
      (Split{{"<mask>", 0}, {", ", -1}, {"<mask>", 0}, {"- \xE2\x97\x8C\xCC\xB0<mask>", -1}}));
}

TEST(AddedTokenMatcher, TokenizersLstripUnicodeSpace) {
  AddedTokenMatcher m;
  m.add("<mask>", {0, true, true, true});
  EXPECT_EQ(run(m, "hi <mask> there\t<mask>\t<mask>\xE2\x80\x80"),
            (Split{{"hi", -1},
                   {" <mask> ", 0},
                   {"there", -1},
                   {"\t<mask>\t", 0},
                   {"<mask>\xE2\x80\x80", 0}}));
}

TEST(AddedTokenMatcher, LeftmostThenLongest) {
  AddedTokenMatcher m;
  m.add("<a>", {0});
  m.add("<a><b>", {1});
  m.add("bcd", {2});
  m.add("ab", {3});
  EXPECT_EQ(run(m, "<a><b><a>"), (Split{{"<a><b>", 1}, {"<a>", 0}}));
  EXPECT_EQ(run(m, "xabcd"), (Split{{"x", -1}, {"ab", 3}, {"cd", -1}}));
  EXPECT_TRUE(run(m, "").empty());
}

using test::TinyAddedToken;

Tokenizer load_tiny(const std::vector<TinyAddedToken>& added,
                    std::vector<std::pair<std::string, std::string>> merges = {}) {
  auto tok = Tokenizer::load(test::write_tokenizer_json(test::tiny_tokenizer_json(merges, added)));
  EXPECT_TRUE(tok.ok()) << tok.status().to_string();
  return std::move(*tok);
}

TEST(AddedTokens, StripFlagsSwallowWhitespace) {
  const Tokenizer tok = load_tiny({{.content = "<mask>", .lstrip = true, .rstrip = true}});
  const std::int32_t mask = *tok.token_to_id("<mask>");
  EXPECT_EQ(mask, 256);
  EXPECT_EQ(tok.encode("a  <mask>  b"), (std::vector<std::int32_t>{'a', mask, 'b'}));
  EXPECT_EQ(tok.decode(tok.encode("a  <mask>  b"), false), "a<mask>b");
}

TEST(AddedTokens, SingleWordOnlyBetweenNonWordCharacters) {
  const Tokenizer tok = load_tiny({{.content = "<m>", .single_word = true}});
  const std::int32_t m = *tok.token_to_id("<m>");
  // The tiny vocabulary gives each byte its own value as id.
  EXPECT_EQ(tok.encode("x<m>"), (std::vector<std::int32_t>{'x', '<', 'm', '>'}));
  EXPECT_EQ(tok.encode("x <m>."), (std::vector<std::int32_t>{'x', ' ', m, '.'}));
  EXPECT_EQ(tok.encode("<m>y"), (std::vector<std::int32_t>{'<', 'm', '>', 'y'}));
}

TEST(AddedTokens, NormalizedTokensMatchTheNfcText) {
  // Content "e" + U+0301 is matched in its NFC form U+00E9, in text written either way.
  const Tokenizer tok = load_tiny({{.content = "e\xCC\x81", .special = false, .normalized = true},
                                   {.content = "<raw>", .normalized = false}});
  const std::int32_t e = *tok.token_to_id("e\xCC\x81");
  const std::int32_t raw = *tok.token_to_id("<raw>");
  EXPECT_EQ(tok.encode("x\xC3\xA9y"), (std::vector<std::int32_t>{'x', e, 'y'}));
  EXPECT_EQ(tok.encode("xe\xCC\x81y"), (std::vector<std::int32_t>{'x', e, 'y'}));
  EXPECT_EQ(tok.encode("<raw>e\xCC\x81"), (std::vector<std::int32_t>{raw, e}));
  EXPECT_FALSE(tok.is_special(e));
  EXPECT_TRUE(tok.is_special(raw));
}

TEST(AddedTokens, SkipSpecialDropsOnlySpecialTokens) {
  const Tokenizer tok =
      load_tiny({{.content = "<s>", .special = true}, {.content = "<tool>", .special = false}});
  const auto ids = tok.encode("a<s>b<tool>c");
  ASSERT_EQ(ids.size(), 5u);
  EXPECT_EQ(tok.decode(ids, false), "a<s>b<tool>c");
  EXPECT_EQ(tok.decode(ids, true), "ab<tool>c");
}

TEST(AddedTokens, NonAsciiContentDecodesThroughTheByteLevelAlphabet) {
  // tokenizers passes added tokens through the ByteLevel decoder too: U+00E9 is the alphabet's
  // stand-in for byte 0xE9, so "éé" decodes to two lone 0xE9 bytes, i.e. two U+FFFD. "中" is
  // outside the alphabet, so it decodes to itself.
  const Tokenizer tok = load_tiny({{.content = "\xC3\xA9\xC3\xA9"}, {.content = "\xE4\xB8\xAD"}});
  ASSERT_EQ(tok.encode("\xC3\xA9\xC3\xA9").size(), 1u);
  EXPECT_EQ(tok.decode(tok.encode("\xC3\xA9\xC3\xA9"), false), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(tok.decode(tok.encode("\xE4\xB8\xAD"), false), "\xE4\xB8\xAD");
}

TEST(AddedTokens, IdsMustBeTheOnesTokenizersAssigns) {
  Json j = test::tiny_tokenizer_json({}, {{.content = "<a>"}, {.content = "<b>"}});
  j["added_tokens"][1]["id"] = 300;  // tokenizers would give 257 and warn
  const std::string path = test::write_tokenizer_json(j);
  auto tok = Tokenizer::load(path);
  ASSERT_FALSE(tok.ok());
  EXPECT_EQ(tok.status().code(), StatusCode::kCorrupt);
  EXPECT_NE(tok.status().message().find(path), std::string::npos);
  EXPECT_NE(tok.status().message().find("<b>"), std::string::npos);
}

}  // namespace
}  // namespace internvl::tokenizer
