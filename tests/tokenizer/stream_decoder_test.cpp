// StreamDecoder: pushing ids one at a time gives, concatenated, exactly Tokenizer::decode.
#include <gtest/gtest.h>

#include <random>

#include "real_tokenizer.h"
#include "support/golden.h"
#include "tokenizer/utf8.h"

namespace internvl::tokenizer {
namespace {

// Streams ids; checks every emitted chunk is valid UTF-8 and returns the concatenation.
std::string stream(const Tokenizer& tok, std::span<const std::int32_t> ids, bool skip) {
  StreamDecoder dec(tok, skip);
  std::string out;
  for (std::int32_t id : ids) {
    const std::string chunk = dec.push(id);
    EXPECT_TRUE(is_valid_utf8(chunk));
    out += chunk;
  }
  out += dec.flush();
  return out;
}

TEST(StreamDecoder, EqualsFullDecodeOnGoldenCases) {
  const Tokenizer& tok = test::real_tokenizer();
  const Json golden = internvl::test::load_golden_json("goldens/tokenizer/encode.json");
  for (const Json& c : golden.at("cases")) {
    const auto ids = c.at("ids").get<std::vector<std::int32_t>>();
    for (bool skip : {false, true}) {
      EXPECT_EQ(stream(tok, ids, skip), tok.decode(ids, skip)) << c.at("text").get<std::string>();
      EXPECT_EQ(stream(tok, ids, skip),
                c.at(skip ? "decoded_skip_special" : "decoded").get<std::string>());
    }
  }
}

TEST(StreamDecoder, HoldsBackSplitCharacters) {
  const Tokenizer& tok = test::real_tokenizer();
  // " 👍🏽" is split over byte tokens (golden ids 61804 = " " + 3 bytes of U+1F44D, 235, ...).
  const std::vector<std::int32_t> ids = {61804, 235, 145375};
  ASSERT_EQ(tok.token_bytes(61804), " \xF0\x9F\x91");
  StreamDecoder dec(tok, false);
  std::string out;
  std::vector<std::string> chunks;
  for (std::int32_t id : ids) chunks.push_back(dec.push(id));
  chunks.push_back(dec.flush());
  EXPECT_EQ(chunks.front(), " ") << "only the space is complete";
  for (const auto& c : chunks) out += c;
  EXPECT_EQ(out, tok.decode(ids, false));
  EXPECT_EQ(out.find(kReplacementChar), std::string::npos);
}

TEST(StreamDecoder, FlushEmitsAnIncompleteTailAsReplacement) {
  const Tokenizer& tok = test::real_tokenizer();
  StreamDecoder dec(tok, false);
  EXPECT_EQ(dec.push(61804), " ");  // then the lead bytes of a 4-byte character
  EXPECT_EQ(dec.flush(), std::string(kReplacementChar));
  EXPECT_EQ(dec.flush(), "");
  EXPECT_EQ(dec.push(9707), "Hello");  // reusable after flush
}

TEST(StreamDecoder, EqualsFullDecodeOnRandomIds) {
  const Tokenizer& tok = test::real_tokenizer();
  // Ids whose bytes split characters (byte tokens, pieces of emoji and CJK), whole CJK words,
  // ASCII, special and non-special added tokens, and ids that are not tokens at all.
  std::vector<std::int32_t> pool = {
      9707,   1879,   220,    198,    108386, 3837,    99489,  6313,   141334,    144858,
      61804,  235,    145375, 378,    225,    101,     145233, 151643, 151644,    151645,
      151657, 151665, 151667, 151673, -1,     -100000, 151674, 200000, 2147483647};
  // Every single-byte token of the byte-level alphabet (ids 0-255 in Qwen2's vocab order).
  for (std::int32_t id = 0; id < 256; ++id) pool.push_back(id);
  std::mt19937 rng(5);
  for (int iter = 0; iter < 3000; ++iter) {
    std::vector<std::int32_t> ids(rng() % 20);
    for (auto& id : ids) id = pool[rng() % pool.size()];
    for (bool skip : {false, true}) {
      ASSERT_EQ(stream(tok, ids, skip), tok.decode(ids, skip)) << testing::PrintToString(ids);
    }
  }
}

}  // namespace
}  // namespace internvl::tokenizer
