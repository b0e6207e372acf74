// Tokenizer behaviour beyond the goldens: bad input, big input, bad files, threads.
#include <gtest/gtest.h>

#include <random>
#include <thread>

#include "core/file.h"
#include "core/timer.h"
#include "real_tokenizer.h"
#include "tiny_tokenizer.h"
#include "tokenizer/normalizer.h"
#include "tokenizer/utf8.h"

namespace internvl::tokenizer {
namespace {

using test::real_tokenizer;

TEST(Tokenizer, EmptyText) {
  EXPECT_TRUE(real_tokenizer().encode("").empty());
  EXPECT_EQ(real_tokenizer().decode({}, false), "");
}

TEST(Tokenizer, InvalidUtf8IsRepairedLikePythonReplace) {
  const Tokenizer& tok = real_tokenizer();
  const std::string bad =
      "ab\xFF"
      "c\xE4\xB8 \xED\xA0\x80<|im_end|>\xF0\x9F\x98";
  const std::vector<std::int32_t> ids = tok.encode(bad);
  EXPECT_EQ(ids, tok.encode(utf8_lossy(bad)));
  EXPECT_EQ(tok.decode(ids, false), utf8_lossy(bad));
  EXPECT_EQ(tok.decode(ids, true), utf8_lossy("ab\xFF"
                                              "c\xE4\xB8 \xED\xA0\x80\xF0\x9F\x98"));
  // Every byte value alone.
  for (int b = 0; b < 256; ++b) {
    const std::string s(1, static_cast<char>(b));
    EXPECT_EQ(tok.decode(tok.encode(s), false), utf8_lossy(s)) << b;
  }
}

TEST(Tokenizer, DecodeSkipsIdsThatAreNotTokens) {
  const Tokenizer& tok = real_tokenizer();
  EXPECT_EQ(tok.vocab_size(), 151674);
  const std::vector<std::int32_t> ids = {9707, -1, 151674, 999999999, -2147483647 - 1, 1879};
  EXPECT_EQ(tok.decode(ids, false), "Hello world");
  EXPECT_EQ(tok.id_to_token(-1), "");
  EXPECT_EQ(tok.id_to_token(151674), "");
  EXPECT_EQ(tok.token_bytes(151674), "");
  EXPECT_FALSE(tok.is_special(-1));
  EXPECT_FALSE(tok.is_special(151674));
}

TEST(Tokenizer, TokenStrings) {
  const Tokenizer& tok = real_tokenizer();
  EXPECT_EQ(tok.token_to_id("\xC4\xA0world"), 1879);  // "Ġworld"
  EXPECT_EQ(tok.id_to_token(1879), "\xC4\xA0world");
  EXPECT_EQ(tok.token_bytes(1879), " world");
  EXPECT_EQ(tok.token_to_id("<tool_call>"), 151657);
  EXPECT_FALSE(tok.is_special(151657));  // added but not special
  EXPECT_FALSE(tok.is_special(1879));
  EXPECT_FALSE(tok.token_to_id("no such token").has_value());
}

// Byte-level BPE loses nothing: decode(encode(s)) is NFC(s) for any (repaired) text.
TEST(Tokenizer, RoundTripOnRandomUnicode) {
  const Tokenizer& tok = real_tokenizer();
  static const std::uint32_t kPool[] = {
      'a',    'Z',    ' ',    ' ',     '\n',    '\t',    '\'',   's',      '1',    '.',    0x85,
      0xA0,   0xE9,   0x301,  0x416,   0x627,   0x94D,   0x3000, 0x4E2D,   0x6587, 0xAC00, 0x1100,
      0x1161, 0x200D, 0xFEFF, 0x1F600, 0x1F3FD, 0x1F1EB, 0xFFFD, 0x10FFFF, 0};
  std::mt19937 rng(11);
  for (int iter = 0; iter < 3000; ++iter) {
    std::string s;
    const int len = static_cast<int>(rng() % 30);
    for (int k = 0; k < len; ++k) append_code_point(kPool[rng() % (sizeof(kPool) / 4)], &s);
    std::string storage;
    const std::string want(nfc(s, &storage));
    ASSERT_EQ(tok.decode(tok.encode(s), false), want) << testing::PrintToString(s);
  }
}

TEST(Tokenizer, VideoPlaceholderIsPlainText) {
  const Tokenizer& tok = real_tokenizer();
  // Same ids as the text around it would give: "<video>" is not an added token here.
  const auto ids = tok.encode("a<video>\n");
  EXPECT_EQ(tok.decode(ids, true), "a<video>\n");
  for (std::int32_t id : ids) EXPECT_LT(id, 151643);
}

// A megabyte of several shapes, each of which could expose a quadratic step: one huge word
// (BPE merge loop), one huge run of spaces or newlines (regex backtracking), CJK, prose.
TEST(Tokenizer, MegabyteInputsStayLinear) {
  const Tokenizer& tok = real_tokenizer();
  const std::size_t n = 1 << 20;
  std::string prose;
  while (prose.size() < n) prose += "The quick brown fox, it's said, jumps over 12 lazy dogs.\n";
  std::string cjk;
  while (cjk.size() < n) cjk += "\xE4\xBD\xA0\xE5\xA5\xBD\xEF\xBC\x8C\xE4\xB8\x96\xE7\x95\x8C ";
  std::string letters;
  std::mt19937 rng(3);
  while (letters.size() < n) letters.push_back(static_cast<char>('a' + rng() % 26));
  const std::pair<const char*, std::string> inputs[] = {
      {"prose", prose},
      {"cjk", cjk},
      {"a*", std::string(n, 'a')},
      {"random letters", letters},
      {"spaces", std::string(n, ' ') + "x"},
      {"newlines", std::string(n, '\n')},
      {"space-newline",
       [&] {
         std::string s;
         while (s.size() < n) s += " \n";
         return s;
       }()},
  };
  for (const auto& [name, text] : inputs) {
    Timer t;
    const auto ids = tok.encode(text);
    const double ms = t.elapsed_ms();
    EXPECT_LT(ms, 15000.0) << name;  // generous: linear work is ~0.1 s even on a loaded machine
    EXPECT_EQ(tok.decode(ids, false), text) << name;
    EXPECT_GT(ids.size(), 0u);
  }
}

TEST(Tokenizer, ConcurrentEncodeAndDecode) {
  const Tokenizer& tok = real_tokenizer();
  std::vector<std::string> texts;
  for (int i = 0; i < 8; ++i) {
    std::string s;
    for (int k = 0; k < 400; ++k) s += "word" + std::to_string(i * 1000 + k) + " \xE4\xB8\xAD ";
    texts.push_back(s);
  }
  std::vector<std::vector<std::int32_t>> want;
  for (const auto& t : texts) want.push_back(tok.encode(t));
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int th = 0; th < 4; ++th) {
    threads.emplace_back([&, th] {
      const Tokenizer copy = tok;  // copies share the data and the cache
      for (int r = 0; r < 20; ++r) {
        for (std::size_t i = 0; i < texts.size(); ++i) {
          const auto& t = texts[(i + th) % texts.size()];
          const auto ids = copy.encode(t);
          if (ids != want[(i + th) % texts.size()] || copy.decode(ids, false) != t) ++failures[th];
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int f : failures) EXPECT_EQ(f, 0);
}

TEST(Tokenizer, FromAssembledModelDirs) {
  for (const char* name :
       {"tiny-internvl3-qwen2", "tiny-internvl35-qwen3", "tiny-internvl3-hub-layout"}) {
    auto tok = Tokenizer::from_dir(internvl::test::model_dir(name));
    ASSERT_TRUE(tok.ok()) << name << ": " << tok.status().to_string();
    EXPECT_EQ(tok->eos_id(), std::optional<std::int32_t>(151645)) << name;
    EXPECT_EQ(tok->pad_id(), std::optional<std::int32_t>(151643)) << name;
    EXPECT_FALSE(tok->bos_id().has_value()) << name;
    EXPECT_EQ(tok->encode("Write a haiku"), (std::vector<std::int32_t>{7985, 264, 6386, 38242}));
  }
}

// ---- loading errors ----

void expect_error(const Result<Tokenizer>& r, StatusCode code,
                  const std::vector<std::string>& words) {
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), code) << r.status().to_string();
  for (const auto& w : words) {
    EXPECT_NE(r.status().message().find(w), std::string::npos)
        << "'" << w << "' not in: " << r.status().message();
  }
}

TEST(TokenizerLoad, MissingFile) {
  expect_error(Tokenizer::load("/nonexistent/tokenizer.json"), StatusCode::kNotFound,
               {"/nonexistent/tokenizer.json"});
  const std::string dir = internvl::test::make_temp_dir("tok-empty");
  expect_error(Tokenizer::from_dir(dir), StatusCode::kNotFound, {dir, "tokenizer.json"});
}

TEST(TokenizerLoad, TruncatedOrMalformedJson) {
  auto text = read_file(internvl::test::fixture_path("tokenizer/tokenizer.json"));
  ASSERT_TRUE(text.ok());
  for (std::size_t keep :
       {std::size_t{0}, std::size_t{1}, std::size_t{1000}, text->size() / 2, text->size() - 2}) {
    const std::string path = test::write_tokenizer_text(text->substr(0, keep));
    expect_error(Tokenizer::load(path), StatusCode::kCorrupt, {path});
  }
  for (const char* bad : {"[1, 2]", "\"x\"", "{\"model\": 3}", "{}", "{\"a\": }"}) {
    const std::string path = test::write_tokenizer_text(bad);
    expect_error(Tokenizer::load(path), StatusCode::kCorrupt, {path});
  }
}

TEST(TokenizerLoad, UnsupportedFeaturesAreNamed) {
  struct Case {
    const char* name;
    void (*edit)(Json&);
    std::vector<std::string> words;
  };
  const Case cases[] = {
      {"NFKC",
       [](Json& j) {
         j["normalizer"] = {{"type", "NFKC"}};
       },
       {"normalizer", "NFKC"}},
      {"WordPiece", [](Json& j) { j["model"]["type"] = "WordPiece"; }, {"model", "WordPiece"}},
      {"Metaspace",
       [](Json& j) {
         j["pre_tokenizer"] = {{"type", "Metaspace"}};
       },
       {"pre_tokenizer", "Metaspace"}},
      {"no ByteLevel",
       [](Json& j) { j["pre_tokenizer"]["pretokenizers"].erase(1); },
       {"ByteLevel"}},
      {"Removed",
       [](Json& j) { j["pre_tokenizer"]["pretokenizers"][0]["behavior"] = "Removed"; },
       {"behavior", "Removed"}},
      {"decoder",
       [](Json& j) {
         j["decoder"] = {{"type", "WordPiece"}};
       },
       {"decoder", "WordPiece"}},
      {"template",
       [](Json& j) {
         j["post_processor"] = {{"type", "TemplateProcessing"}};
       },
       {"post_processor", "TemplateProcessing"}},
      {"dropout", [](Json& j) { j["model"]["dropout"] = 0.1; }, {"dropout"}},
      {"prefix",
       [](Json& j) { j["model"]["continuing_subword_prefix"] = "##"; },
       {"continuing_subword_prefix"}},
      {"regex \\b",
       [](Json& j) { j["pre_tokenizer"]["pretokenizers"][0]["pattern"]["Regex"] = "\\bx"; },
       {"\\b", "pre_tokenizer"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Json j = test::tiny_tokenizer_json({{"a", "b"}}, {});
    c.edit(j);
    const std::string path = test::write_tokenizer_json(j);
    std::vector<std::string> words = c.words;
    words.push_back(path);
    expect_error(Tokenizer::load(path), StatusCode::kUnsupported, words);
  }
}

TEST(TokenizerLoad, InconsistentModelIsCorrupt) {
  {
    Json j = test::tiny_tokenizer_json({{"a", "b"}}, {});
    j["model"]["merges"].push_back(Json::array({"a", "\xE2\x98\x83"}));  // not in the vocab
    expect_error(Tokenizer::load(test::write_tokenizer_json(j)), StatusCode::kCorrupt,
                 {"merges[1]", "\xE2\x98\x83"});
  }
  {
    Json j = test::tiny_tokenizer_json({}, {});
    j["model"]["vocab"]["zz"] = 5;  // id 5 already belongs to byte 0x05's character
    expect_error(Tokenizer::load(test::write_tokenizer_json(j)), StatusCode::kCorrupt,
                 {"id 5", "zz"});
  }
  {
    Json j = test::tiny_tokenizer_json({}, {});
    j["model"]["vocab"]["a"] = "x";
    expect_error(Tokenizer::load(test::write_tokenizer_json(j)), StatusCode::kCorrupt,
                 {"model.vocab", "integer"});
  }
  {
    Json j = test::tiny_tokenizer_json({}, {});
    j["model"]["merges"] = Json::array({"a b c"});
    expect_error(Tokenizer::load(test::write_tokenizer_json(j)), StatusCode::kCorrupt,
                 {"merges[0]"});
  }
}

TEST(TokenizerLoad, LegacyMergesAndModelFlags) {
  // "a b" strings instead of pairs.
  Json j = test::tiny_tokenizer_json({{"a", "b"}}, {});
  j["model"]["merges"] = Json::array({"a b"});
  auto tok = Tokenizer::load(test::write_tokenizer_json(j));
  ASSERT_TRUE(tok.ok()) << tok.status().to_string();
  EXPECT_EQ(tok->encode("ab"), (std::vector<std::int32_t>{256}));

  // ignore_merges: a vocabulary word is taken whole even without merges leading to it.
  Json im = test::tiny_tokenizer_json({}, {});
  im["model"]["vocab"]["xyz"] = 256;
  auto plain = Tokenizer::load(test::write_tokenizer_json(im));
  im["model"]["ignore_merges"] = true;
  auto whole = Tokenizer::load(test::write_tokenizer_json(im));
  ASSERT_TRUE(plain.ok() && whole.ok());
  EXPECT_EQ(plain->encode("xyz"), (std::vector<std::int32_t>{'x', 'y', 'z'}));
  EXPECT_EQ(whole->encode("xyz"), (std::vector<std::int32_t>{256}));

  // A byte whose character is missing: unk (fused or not), byte_fallback, or dropped.
  Json u = test::tiny_tokenizer_json({}, {});
  u["model"]["vocab"].erase("q");
  u["model"]["vocab"]["<unk>"] = 'q';
  u["model"]["unk_token"] = "<unk>";
  auto unk = Tokenizer::load(test::write_tokenizer_json(u));
  u["model"]["fuse_unk"] = true;
  auto fused = Tokenizer::load(test::write_tokenizer_json(u));
  ASSERT_TRUE(unk.ok() && fused.ok()) << unk.status().to_string();
  const std::int32_t q = 'q';
  EXPECT_EQ(unk->encode("aqqb"), (std::vector<std::int32_t>{'a', q, q, 'b'}));
  EXPECT_EQ(fused->encode("aqqb"), (std::vector<std::int32_t>{'a', q, 'b'}));
  Json f = test::tiny_tokenizer_json({}, {});
  f["model"]["vocab"].erase("q");
  f["model"]["vocab"]["<0x71>"] = 'q';
  f["model"]["byte_fallback"] = true;
  auto fallback = Tokenizer::load(test::write_tokenizer_json(f));
  f["model"]["byte_fallback"] = false;
  auto dropped = Tokenizer::load(test::write_tokenizer_json(f));
  ASSERT_TRUE(fallback.ok() && dropped.ok());
  EXPECT_EQ(fallback->encode("aqb"), (std::vector<std::int32_t>{'a', q, 'b'}));
  EXPECT_EQ(dropped->encode("aqb"), (std::vector<std::int32_t>{'a', 'b'}));
}

TEST(TokenizerLoad, ConfigTokens) {
  const std::string dir = internvl::test::make_temp_dir("tok-cfg");
  Json j = test::tiny_tokenizer_json({}, {{.content = "<eos>"}, {.content = "<pad>"}});
  ASSERT_TRUE(write_file(path_join(dir, "tokenizer.json"), dump_json(j)).ok());
  ASSERT_TRUE(write_file(path_join(dir, "tokenizer_config.json"),
                         R"({"eos_token": {"content": "<eos>", "special": true},
                             "pad_token": "<pad>", "bos_token": null, "add_bos_token": true})")
                  .ok());
  auto tok = Tokenizer::from_dir(dir);
  ASSERT_TRUE(tok.ok()) << tok.status().to_string();
  EXPECT_EQ(tok->eos_id(), std::optional<std::int32_t>(256));
  EXPECT_EQ(tok->pad_id(), std::optional<std::int32_t>(257));
  EXPECT_EQ(tok->pad_token(), std::optional<std::string>("<pad>"));
  EXPECT_FALSE(tok->bos_id().has_value());
  EXPECT_TRUE(tok->add_bos_token());

  ASSERT_TRUE(
      write_file(path_join(dir, "tokenizer_config.json"), R"({"eos_token": "<nope>"})").ok());
  expect_error(Tokenizer::from_dir(dir), StatusCode::kCorrupt, {"eos_token", "<nope>"});
  ASSERT_TRUE(write_file(path_join(dir, "tokenizer_config.json"), R"({"eos_token": 5})").ok());
  expect_error(Tokenizer::from_dir(dir), StatusCode::kCorrupt,
               {"eos_token", "tokenizer_config.json"});
}

}  // namespace
}  // namespace internvl::tokenizer
