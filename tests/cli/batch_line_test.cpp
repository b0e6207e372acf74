// Parsing `internvl batch` lines (src/cli/batch_line.h), media loading off.
#include "cli/batch_line.h"

#include <gtest/gtest.h>

namespace internvl::cli {
namespace {

BatchMediaPolicy no_files() {
  BatchMediaPolicy p;
  p.source.allow_files = false;
  p.source.allow_urls = false;
  p.default_frames = 8;
  return p;
}

TEST(BatchLine, ParsesMessagesIdAndSettings) {
  app::Options defaults;
  defaults.sampling.max_new_tokens = 32;
  defaults.sampling.temperature = 0.0f;
  auto line = parse_batch_line(
      R"({"id": [1, "x"], "max_tokens": 5, "stop": "###", "messages": [{"role": "system", "content": "Be brief."},)"
      R"( {"role": "user", "content": [{"type": "text", "text": "hi"}]}]})",
      defaults, no_files());
  ASSERT_TRUE(line.ok()) << line.status().to_string();
  EXPECT_EQ(line->id, Json::array({1, "x"}));
  EXPECT_EQ(*line->options.sampling.max_new_tokens, 5);
  EXPECT_FLOAT_EQ(*line->options.sampling.temperature, 0.0f);  // from the command line
  EXPECT_EQ(line->options.sampling.stop, std::vector<std::string>{"###"});
  ASSERT_EQ(line->messages.size(), 2u);
  EXPECT_EQ(line->messages[0].role, "system");
  EXPECT_EQ(line->messages[1].content[0].text, "hi");
}

TEST(BatchLine, FrameSamplingOfALineReplacesTheCommandLines) {
  app::Options defaults;
  defaults.media.fps = 2.0;
  auto line = parse_batch_line(R"({"num_frames": 4, "messages": [{"role": "user", "content": "x"}]})", defaults,
                               no_files());
  ASSERT_TRUE(line.ok()) << line.status().to_string();
  EXPECT_EQ(*line->options.media.num_frames, 4);
  EXPECT_FALSE(line->options.media.fps.has_value());
  auto both = parse_batch_line(R"({"num_frames": 4, "fps": 1, "messages": [{"role": "user", "content": "x"}]})",
                               defaults, no_files());
  EXPECT_EQ(both.status().message(), "give num_frames or fps, not both");
}

TEST(BatchLine, ErrorsNameTheProblem) {
  const app::Options d;
  const BatchMediaPolicy p = no_files();
  auto msg = [&](std::string_view line) { return parse_batch_line(line, d, p).status().message(); };
  EXPECT_EQ(msg("   "), "empty line (expected a JSON object with 'messages')");
  EXPECT_NE(msg(R"({"messages": )").find("invalid JSON"), std::string::npos);
  EXPECT_EQ(msg("[1, 2]"), "a line must be a JSON object with 'messages'");
  EXPECT_EQ(msg(R"({"id": 1})"), "the line has no 'messages'");
  EXPECT_EQ(msg(R"({"messages": []})"), "'messages' is empty");
  EXPECT_NE(msg(R"({"messages": [], "temprature": 1})").find("unknown key 'temprature'"), std::string::npos);
  EXPECT_NE(msg(R"({"messages": [], "threads": 4})").find("unknown key 'threads'"), std::string::npos);
  EXPECT_EQ(msg(R"({"messages": [{"role": "user", "content": "x"}], "top_p": 3})"),
            "'top_p' must be a number in (0, 1], got 3");
  EXPECT_EQ(msg(R"({"messages": [{"content": "x"}]})"), "messages[0] needs a string 'role'");
  // Files are refused by this policy, and the refusal names the part.
  EXPECT_NE(msg(R"({"messages": [{"role": "user", "content": [{"type": "image", "url": "/etc/passwd"}]}]})")
                .find("messages[0].content[0]"),
            std::string::npos);
  EXPECT_EQ(batch_line_id(R"({"id": "a", "messages": 3})"), Json("a"));
  EXPECT_TRUE(batch_line_id("nope").is_null());
}

}  // namespace
}  // namespace internvl::cli
