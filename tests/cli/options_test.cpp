// The options registry (src/app/options.h): text and JSON parsing, ranges, the CLI11 binding.
#include "app/options.h"

#include <CLI/CLI.hpp>
#include <gtest/gtest.h>

#include <set>

namespace internvl::app {
namespace {

const OptionDef& def(std::string_view key) {
  const OptionDef* d = find_option_by_key(key);
  EXPECT_NE(d, nullptr) << key;
  return *d;
}

TEST(OptionsRegistry, NamesAreUniqueAndEveryNumberHasARange) {
  std::set<std::string> flags, keys;
  for (const OptionDef& d : option_defs()) {
    EXPECT_TRUE(flags.insert(std::string(d.long_flag())).second) << d.flags;
    if (!d.key.empty()) {
      EXPECT_TRUE(keys.insert(std::string(d.key)).second) << d.key;
    }
    if (d.type == OptionType::kInt || d.type == OptionType::kFloat) {
      EXPECT_LT(d.range.lo, d.range.hi) << d.flags;
    }
    EXPECT_NE(d.assign, nullptr);
    EXPECT_FALSE(d.help.empty());
  }
  EXPECT_EQ(find_option_by_key("max_tokens"), find_option_by_key("max_new_tokens"));
  EXPECT_EQ(find_option_by_key("nope"), nullptr);
  EXPECT_EQ(find_option_by_key(""), nullptr);
}

TEST(OptionsRegistry, TextValues) {
  Options o;
  EXPECT_TRUE(set_option_text(def("temperature"), "0.7", &o).ok());
  EXPECT_FLOAT_EQ(*o.sampling.temperature, 0.7f);
  EXPECT_TRUE(set_option_text(def("top_p"), "1", &o).ok());
  Status st = set_option_text(def("top_p"), "0", &o);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(st.message(), "--top-p: 0 is out of range (0, 1]");
  EXPECT_EQ(set_option_text(def("max_new_tokens"), "12x", &o).message(),
            "--max-new-tokens: expected an integer, got '12x'");
  EXPECT_FALSE(set_option_text(def("temperature"), "nan", &o).ok());
  EXPECT_FALSE(set_option_text(def("temperature"), "inf", &o).ok());
  EXPECT_FALSE(set_option_text(def("top_k"), "99999999999999999999", &o).ok());
  EXPECT_TRUE(set_option_text(def("seed"), "+42", &o).ok());
  EXPECT_EQ(*o.sampling.seed, 42u);
  EXPECT_TRUE(set_option_text(def("num_frames"), "0", &o).ok());
  EXPECT_EQ(*o.media.num_frames, 0);
}

TEST(OptionsRegistry, JsonValues) {
  Options o;
  EXPECT_TRUE(set_option_json(def("max_tokens"), Json(16), &o).ok());
  EXPECT_EQ(*o.sampling.max_new_tokens, 16);
  EXPECT_TRUE(set_option_json(def("max_new_tokens"), Json(8.0), &o).ok());  // integral float
  EXPECT_EQ(*o.sampling.max_new_tokens, 8);
  EXPECT_EQ(set_option_json(def("max_new_tokens"), Json(8.5), &o).message(),
            "'max_new_tokens' must be an integer in [0, 1048576]");
  EXPECT_EQ(set_option_json(def("temperature"), Json("hot"), &o).message(), "'temperature' must be a number in [0, 100]");
  EXPECT_EQ(set_option_json(def("temperature"), Json(101), &o).message(),
            "'temperature' must be a number in [0, 100], got 101");
  EXPECT_TRUE(set_option_json(def("stop"), Json("###"), &o).ok());
  EXPECT_EQ(o.sampling.stop, std::vector<std::string>{"###"});
  EXPECT_TRUE(set_option_json(def("stop"), Json::array({"a", "b"}), &o).ok());
  EXPECT_EQ(o.sampling.stop, (std::vector<std::string>{"a", "b"}));
  EXPECT_FALSE(set_option_json(def("stop"), Json::array({"a", 1}), &o).ok());
}

TEST(OptionsRegistry, ApplyJsonKeepsOtherKeysAndChecksCrossFieldRules) {
  Options o;
  Json body = {{"temperature", 0.5}, {"top_k", nullptr}, {"model", "x"}, {"max_tiles", 4}, {"messages", Json::array()}};
  EXPECT_TRUE(apply_json_options(body, {OptionGroup::kSampling}, &o).ok());
  EXPECT_FLOAT_EQ(*o.sampling.temperature, 0.5f);
  EXPECT_FALSE(o.sampling.top_k.has_value());
  EXPECT_FALSE(o.media.max_tiles.has_value());  // not in the groups asked for
  EXPECT_TRUE(apply_json_options(body, {OptionGroup::kMedia}, &o).ok());
  EXPECT_EQ(*o.media.max_tiles, 4);
  Json bad = {{"min_tiles", 6}};
  EXPECT_EQ(apply_json_options(bad, {OptionGroup::kMedia}, &o).message(), "min_tiles (6) is larger than max_tiles (4)");
  EXPECT_FALSE(apply_json_options(Json::array(), {OptionGroup::kMedia}, &o).ok());
}

TEST(OptionsRegistry, CliBinding) {
  Options o;
  CliOptions cli(&o, {OptionGroup::kModel, OptionGroup::kSampling, OptionGroup::kMedia});
  CLI::App app("test", "t");
  cli.add_to(app);
  std::vector<std::string> args = {"t", "-m", "dir", "-n", "5", "-n", "7", "--stop", "a", "--stop", "b", "--quant", "none",
                                   "--num-frames", "0"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  app.parse(static_cast<int>(argv.size()), argv.data());
  ASSERT_TRUE(cli.apply().ok());
  EXPECT_EQ(o.model.model_dir, "dir");
  EXPECT_EQ(o.model.quant, "");
  EXPECT_EQ(*o.sampling.max_new_tokens, 7);  // the last occurrence wins
  EXPECT_EQ(o.sampling.stop, (std::vector<std::string>{"a", "b"}));
  EXPECT_FALSE(o.sampling.temperature.has_value());

  const EngineOptions e = engine_options(o.model);
  EXPECT_EQ(e.model_dir, "dir");
  EXPECT_EQ(e.threads, 0);
  const GenerationOptions g = generation_options(o.sampling);
  EXPECT_EQ(g.max_new_tokens, 7);
  EXPECT_EQ(g.stop.size(), 2u);
  EXPECT_FALSE(g.temperature.has_value());
  // --num-frames 0: every frame, no default applied.
  const VideoSampling all = video_sampling(o.media, 8);
  EXPECT_FALSE(all.num_frames.has_value());
  EXPECT_FALSE(all.fps.has_value());
  EXPECT_EQ(*video_sampling(MediaOptions{}, 8).num_frames, 8);
  EXPECT_NE(sampling_key(o.sampling), sampling_key(SamplingOptions{}));
}

}  // namespace
}  // namespace internvl::app
