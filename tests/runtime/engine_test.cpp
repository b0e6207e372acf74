// The public Engine API end to end on a tiny fixture checkpoint.
#include "internvl/engine.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "core/file.h"
#include "core/json.h"

#include "media/image_decode.h"
#include "support/fixtures.h"
#include "support/golden.h"

namespace internvl::test {
namespace {

Engine& engine() {
  static std::unique_ptr<Engine> e = [] {
    EngineOptions o;
    o.model_dir = model_dir("tiny-internvl3-qwen2");
    auto r = Engine::load(o);
    if (!r.ok()) {
      ADD_FAILURE() << r.status().to_string();
      std::abort();
    }
    return std::move(r).value();
  }();
  return *e;
}

Message user_text(const std::string& t) { return Message{"user", {ContentPart::text_part(t)}}; }

std::vector<std::int32_t> golden_generated(const std::string& name, std::size_t row = 0) {
  Json g = load_golden_json("goldens/models/tiny-internvl3-qwen2/generate.json");
  return g["cases"][name]["generated"][row].get<std::vector<std::int32_t>>();
}

TEST(Engine, TextOnlyGreedyMatchesTheReferenceAndStreams) {
  GenerationOptions o;
  o.max_new_tokens = 12;
  o.top_logprobs = 5;
  std::string streamed;
  auto r = engine().generate({user_text("Write a haiku")}, o, [&](const TokenInfo&, std::string_view piece) {
    streamed += piece;
    return true;
  });
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->token_ids, golden_generated("text_only"));
  EXPECT_EQ(r->prompt_tokens, 12);
  EXPECT_EQ(r->finish_reason, "length");
  EXPECT_EQ(streamed, r->text);
  EXPECT_EQ(r->text, engine().detokenize(r->token_ids));
  ASSERT_EQ(r->tokens.size(), 12u);
  EXPECT_EQ(r->tokens[0].top_logprobs.size(), 5u);
  EXPECT_EQ(r->tokens[0].top_logprobs[0].first, r->token_ids[0]);
}

TEST(Engine, ImageConversationMatchesTheReference) {
  auto img = media::load_image_file(fixture_path("images/small_600x300.png"));
  ASSERT_TRUE(img.ok());
  Message m{"user", {ContentPart::image_part(*img), ContentPart::text_part("Describe this image.")}};
  GenerationOptions o;
  o.max_new_tokens = 12;
  auto prepared = engine().prepare({m}, o);
  ASSERT_TRUE(prepared.ok()) << prepared.status().to_string();
  EXPECT_EQ(prepared->tiles_per_media, std::vector<int>{3});
  EXPECT_EQ(prepared->pixel_values.shape(), (std::vector<std::int64_t>{3, 3, 448, 448}));
  auto r = engine().generate({m}, o);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->num_tiles, 3);
  // Greedy tokens up to the reference's first near-tie (step 3 for this case is not one).
  EXPECT_EQ(r->token_ids, golden_generated("one_image"));
}

TEST(Engine, StopStringsCutTheText) {
  GenerationOptions o;
  o.max_new_tokens = 12;
  auto full = engine().generate({user_text("Write a haiku")}, o);
  ASSERT_TRUE(full.ok());
  ASSERT_GT(full->text.size(), 8u);
  std::string stop = full->text.substr(5, 3);
  o.stop = {stop};
  std::string streamed;
  auto cut = engine().generate({user_text("Write a haiku")}, o, [&](const TokenInfo&, std::string_view p) {
    streamed += p;
    return true;
  });
  ASSERT_TRUE(cut.ok());
  EXPECT_EQ(cut->text, full->text.substr(0, full->text.find(stop)));
  EXPECT_EQ(streamed, cut->text);
  EXPECT_EQ(cut->finish_reason, "stop");
  EXPECT_LT(cut->token_ids.size(), full->token_ids.size());
}

TEST(Engine, CallbackCancels) {
  GenerationOptions o;
  o.max_new_tokens = 12;
  int n = 0;
  auto r = engine().generate({user_text("Write a haiku")}, o, [&](const TokenInfo&, std::string_view) { return ++n < 3; });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->token_ids.size(), 3u);
  EXPECT_EQ(r->finish_reason, "cancelled");
}

TEST(Engine, BatchEqualsSingleRunsAndIsolatesBadRows) {
  auto img = media::load_image_file(fixture_path("images/small_600x300.png"));
  ASSERT_TRUE(img.ok());
  std::vector<std::vector<Message>> convs = {
      {user_text("Write a haiku")},
      {Message{"user", {ContentPart::image_part(*img), ContentPart::text_part("Describe this image.")}}},
      {Message{"", {ContentPart::text_part("no role")}}},
  };
  GenerationOptions o;
  o.max_new_tokens = 6;
  auto batch = engine().generate_batch(convs, o);
  ASSERT_EQ(batch.size(), 3u);
  ASSERT_TRUE(batch[0].ok() && batch[1].ok());
  EXPECT_FALSE(batch[2].ok());
  for (int i = 0; i < 2; ++i) {
    auto single = engine().generate(convs[static_cast<std::size_t>(i)], o);
    ASSERT_TRUE(single.ok());
    EXPECT_EQ(batch[static_cast<std::size_t>(i)]->token_ids, single->token_ids);
    EXPECT_EQ(batch[static_cast<std::size_t>(i)]->text, single->text);
  }
}

TEST(Engine, OptionErrorsAndInfo) {
  GenerationOptions o;
  o.top_p = 0.0f;
  EXPECT_EQ(engine().generate({user_text("hi")}, o).status().code(), StatusCode::kInvalidArgument);
  GenerationOptions t;
  t.temperature = -1.0f;
  EXPECT_FALSE(engine().generate({user_text("hi")}, t).ok());
  GenerationOptions big;
  big.max_new_tokens = 40000;
  EXPECT_EQ(engine().generate({user_text("hi")}, big).status().code(), StatusCode::kOutOfRange);
  ModelInfo info = engine().info();
  EXPECT_EQ(info.text_model_type, "qwen2");
  EXPECT_EQ(info.tokens_per_tile, 256);
  EXPECT_GT(info.text_params, 151674 * 32);
  EXPECT_EQ(info.weight_dtype, "bf16");
  EngineOptions missing;
  missing.model_dir = "/nonexistent";
  EXPECT_FALSE(Engine::load(missing).ok());
  EngineOptions bad_quant;
  bad_quant.model_dir = model_dir("tiny-internvl3-qwen2");
  bad_quant.quant = "q3";
  EXPECT_FALSE(Engine::load(bad_quant).ok());
}

TEST(Engine, SamplingFollowsTemperatureAndSeed) {
  GenerationOptions o;
  o.max_new_tokens = 8;
  o.temperature = 1.5f;
  o.seed = 5;
  auto a = engine().generate({user_text("Write a haiku")}, o);
  auto b = engine().generate({user_text("Write a haiku")}, o);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->token_ids, b->token_ids);
  o.temperature = 0.0f;  // greedy
  auto g = engine().generate({user_text("Write a haiku")}, o);
  ASSERT_TRUE(g.ok());
  auto ref = golden_generated("text_only");
  EXPECT_EQ(g->token_ids, std::vector<std::int32_t>(ref.begin(), ref.begin() + 8));
}

TEST(Engine, RefusesATokenizerFromAnotherCheckpoint) {
  namespace fs = std::filesystem;
  std::string dir = make_temp_dir("internvl-engine");
  for (const auto& e : fs::directory_iterator(model_dir("tiny-internvl3-qwen2"))) {
    fs::copy_file(fs::canonical(e.path()), fs::path(dir) / e.path().filename());
  }
  std::string cfg_path = dir + "/config.json";
  Json cfg = *load_json_file(cfg_path);
  cfg["image_token_id"] = 151666;  // </img> in this tokenizer
  ASSERT_TRUE(write_file(cfg_path, cfg.dump()).ok());
  EngineOptions o;
  o.model_dir = dir;
  auto r = Engine::load(o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("<IMG_CONTEXT>"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("151666"), std::string::npos);
  fs::remove_all(dir);
}

TEST(ChatSession, SecondTurnReusesTheCacheAndMatchesAFreshRun) {
  auto img = media::load_image_file(fixture_path("images/small_600x300.png"));
  ASSERT_TRUE(img.ok());
  ChatSession chat(engine());
  chat.add(Message{"system", {ContentPart::text_part("You are terse.")}});
  GenerationOptions o;
  o.max_new_tokens = 5;
  auto first = chat.send({ContentPart::image_part(*img), ContentPart::text_part("Describe this image.")}, o);
  ASSERT_TRUE(first.ok()) << first.status().to_string();
  EXPECT_EQ(chat.reused_tokens(), 0);
  auto second = chat.send({ContentPart::text_part("And the colours?")}, o);
  ASSERT_TRUE(second.ok()) << second.status().to_string();
  EXPECT_GT(chat.reused_tokens(), 256);  // the system prompt, the image and the first turn
  ASSERT_EQ(chat.messages().size(), 5u);
  // The same conversation from scratch gives the same answer.
  std::vector<Message> history(chat.messages().begin(), chat.messages().end() - 1);
  auto fresh = engine().generate(history, o);
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ(second->token_ids, fresh->token_ids);
  EXPECT_EQ(second->prompt_tokens, fresh->prompt_tokens);
  chat.reset();
  EXPECT_TRUE(chat.messages().empty());
}

}  // namespace
}  // namespace internvl::test
