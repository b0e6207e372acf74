// The two BPE merge loops (quadratic for short pieces, heap for long ones) agree, and the cache
// returns what it was given.
#include "tokenizer/bpe.h"

#include <gtest/gtest.h>

#include <random>

#include "core/file.h"
#include "support/fixtures.h"
#include "tokenizer/tokenizer_json.h"

namespace internvl::tokenizer {
namespace {

struct RealBpe {
  TokenizerSpec spec;
  Vocabulary vocab;
  BpeModel bpe;
};

const RealBpe& real_bpe() {
  static const RealBpe* m = [] {
    auto* r = new RealBpe();
    const std::string path = internvl::test::fixture_path("tokenizer/tokenizer.json");
    auto text = read_file(path);
    auto spec = parse_tokenizer_json(*text, path);
    EXPECT_TRUE(spec.ok());
    r->spec = std::move(*spec);
    std::vector<std::string_view> by_id(r->spec.model.vocab_ids.size());
    for (std::size_t i = 0; i < by_id.size(); ++i) {
      by_id[static_cast<std::size_t>(r->spec.model.vocab_ids[i])] = r->spec.model.vocab_tokens[i];
    }
    EXPECT_EQ(r->vocab.build(by_id), -1);
    auto bpe = BpeModel::create(r->spec.model, r->vocab, path);
    EXPECT_TRUE(bpe.ok()) << bpe.status().to_string();
    r->bpe = std::move(*bpe);
    return r;
  }();
  return *m;
}

std::vector<std::int32_t> encode(const BpeModel& bpe, std::string_view piece, bool heap) {
  std::vector<std::int32_t> ids;
  bpe.encode_piece_uncached(piece, &ids, heap);
  return ids;
}

TEST(Bpe, HeapLoopEqualsSimpleLoop) {
  const BpeModel& bpe = real_bpe().bpe;
  std::mt19937 rng(9);
  const std::string alphabets[] = {"abcdefghijklmnopqrstuvwxyz",
                                   "aaaaab",
                                   " \n\t",
                                   "ab ",
                                   "\xE4\xB8\xAD\xE6\x96\x87\xF0\x9F\x98\x80",
                                   "0123456789.,"};
  for (int iter = 0; iter < 20000; ++iter) {
    const std::string& alpha = alphabets[iter % 6];
    std::string piece;
    const std::size_t len = 1 + rng() % BpeModel::kSmallPiece;
    while (piece.size() < len) piece.push_back(alpha[rng() % alpha.size()]);
    piece.resize(len);
    ASSERT_EQ(encode(bpe, piece, true), encode(bpe, piece, false)) << testing::PrintToString(piece);
  }
}

TEST(Bpe, KnownWords) {
  const BpeModel& bpe = real_bpe().bpe;
  EXPECT_EQ(encode(bpe, " world", false), (std::vector<std::int32_t>{1879}));
  EXPECT_EQ(encode(bpe, "Hello", false), (std::vector<std::int32_t>{9707}));
  EXPECT_EQ(encode(bpe, "\xE4\xBD\xA0\xE5\xA5\xBD", false), (std::vector<std::int32_t>{108386}));
  EXPECT_TRUE(encode(bpe, "", false).empty());
}

TEST(Bpe, CachedEqualsUncached) {
  const BpeModel& bpe = real_bpe().bpe;
  PieceCache local(64);
  std::mt19937 rng(10);
  for (int iter = 0; iter < 5000; ++iter) {
    std::string piece;
    const std::size_t len = 1 + rng() % 12;
    while (piece.size() < len) piece.push_back(static_cast<char>('a' + rng() % 4));
    std::vector<std::int32_t> cached = {-7};  // appended to, not overwritten
    bpe.encode_piece(piece, iter % 3 == 0 ? nullptr : &local, &cached);
    std::vector<std::int32_t> want = {-7};
    bpe.encode_piece_uncached(piece, &want);
    ASSERT_EQ(cached, want) << piece;
  }
  EXPECT_LE(local.size(), 64u);
}

}  // namespace
}  // namespace internvl::tokenizer
