// `internvl run` (streamed), `batch` and `chat` end to end on the tiny fixture checkpoint:
// batch lines equal per-line `run --json`, bad lines get error lines while the rest completes,
// and a piped chat equals the same conversation through the Engine API.
#include <gtest/gtest.h>

#include <stdlib.h>

#include <cmath>

#include "cli_runner.h"
#include "core/file.h"
#include "internvl/engine.h"
#include "media/image_decode.h"
#include "support/fixtures.h"

namespace internvl::test {
namespace {

const std::string kModel = "tiny-internvl3-qwen2";

std::string image(const char* name) { return fixture_path(std::string("images/") + name); }
std::string clip() { return fixture_path("video/clip_37f_10fps_ffv1.mkv"); }

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    out.push_back(text.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return out;
}

Json run_json(std::vector<std::string> extra) {
  std::vector<std::string> args = {"run", "-m", model_dir(kModel), "--json"};
  args.insert(args.end(), extra.begin(), extra.end());
  CliRun r = run_cli(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return parse_stdout_json(r);
}

// A batch answer equals the `run --json` answer (timings aside; log-probabilities may differ by
// float rounding between a padded batch and a single run).
void expect_same_answer(const Json& batch, const Json& single, const std::string& what) {
  SCOPED_TRACE(what);
  ASSERT_TRUE(batch.contains("text")) << dump_json(batch);
  EXPECT_EQ(batch["text"], single["text"]);
  EXPECT_EQ(batch["token_ids"], single["token_ids"]);
  EXPECT_EQ(batch["prompt_tokens"], single["prompt_tokens"]);
  EXPECT_EQ(batch["num_tiles"], single["num_tiles"]);
  ASSERT_EQ(batch["first_token_top5"].size(), single["first_token_top5"].size());
  for (std::size_t i = 0; i < batch["first_token_top5"].size(); ++i) {
    EXPECT_EQ(batch["first_token_top5"][i][0], single["first_token_top5"][i][0]);
    EXPECT_NEAR(batch["first_token_top5"][i][1].get<double>(), single["first_token_top5"][i][1].get<double>(), 1e-4);
  }
}

TEST(CliRun, StreamedTextEqualsTheJsonText) {
  const Json j = run_json({"-p", "Write a haiku", "-n", "8"});
  CliRun r = run_cli({"run", "-m", model_dir(kModel), "-p", "Write a haiku", "-n", "8"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, j["text"].get<std::string>() + "\n");
  EXPECT_EQ(r.err, "");  // nothing but results when piped
}

TEST(CliRun, ProgressLinesOnlyOnATerminal) {
  const std::vector<std::string> args = {"run", "-m", model_dir(kModel), "--image", image("small_600x300.png"), "-p",
                                         "Describe this image.", "-n", "4"};
  // Delay 0: every step draws at once, however fast this machine is.
  const CliRun tty = run_cli_with_terminal_stderr(args, {"INTERNVL_PROGRESS_DELAY_MS=0"});
  ASSERT_EQ(tty.exit_code, 0) << tty.err;
  EXPECT_NE(tty.err.find("loading " + model_dir(kModel) + " ["), std::string::npos) << tty.err;
  EXPECT_NE(tty.err.find("encoding 3 tiles and prefilling ["), std::string::npos) << tty.err;
  EXPECT_NE(tty.err.find("\r\033[2K"), std::string::npos) << "the line is erased";

  setenv("INTERNVL_PROGRESS_DELAY_MS", "0", 1);
  const CliRun piped = run_cli(args);
  unsetenv("INTERNVL_PROGRESS_DELAY_MS");
  ASSERT_EQ(piped.exit_code, 0) << piped.err;
  EXPECT_EQ(piped.err, "");
  EXPECT_EQ(tty.out, piped.out);  // stdout holds the answer either way
}

TEST(CliRun, SystemMessageAndStopStrings) {
  const Json plain = run_json({"-p", "Write a haiku", "-n", "12"});
  const Json sys = run_json({"--system", "You are terse.", "-p", "Write a haiku", "-n", "12"});
  EXPECT_GT(sys["prompt_tokens"].get<int>(), plain["prompt_tokens"].get<int>());
  const std::string text = plain["text"].get<std::string>();
  ASSERT_GT(text.size(), 8u);
  // Three bytes from a character boundary after the first few, whole characters only.
  auto boundary = [&](std::size_t i) {
    while (i < text.size() && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) ++i;
    return i;
  };
  const std::size_t from = boundary(4);
  const std::string stop = text.substr(from, boundary(from + 3) - from);
  const Json cut = run_json({"-p", "Write a haiku", "-n", "12", "--stop", stop});
  EXPECT_EQ(cut["text"].get<std::string>(), text.substr(0, text.find(stop)));
  EXPECT_EQ(cut["timings"]["finish_reason"], "stop");
}

TEST(CliRun, SamplingIsSeededAndTemperatureZeroIsGreedy) {
  const Json greedy = run_json({"-p", "Write a haiku", "-n", "8"});
  const Json a = run_json({"-p", "Write a haiku", "-n", "8", "--temperature", "1.5", "--seed", "7"});
  const Json b = run_json({"-p", "Write a haiku", "-n", "8", "--temperature", "1.5", "--seed", "7"});
  const Json zero = run_json({"-p", "Write a haiku", "-n", "8", "--temperature", "0"});
  EXPECT_EQ(a["token_ids"], b["token_ids"]);
  EXPECT_EQ(zero["token_ids"], greedy["token_ids"]);
}

TEST(CliBatch, EachLineEqualsItsRunAndBadLinesFailAlone) {
  const std::string dir = make_temp_dir("internvl-cli-batch");
  const std::string small = image("small_600x300.png");
  std::vector<std::string> lines = {
      R"({"id": "haiku", "messages": [{"role": "user", "content": "Write a haiku"}]})",
      R"({"messages": [{"role": "user", "content": [{"type": "image", "url": ")" + small +
          R"("}, {"type": "text", "text": "Describe this image."}]}]})",
      R"({"messages": [)",
      R"({"id": 4, "messages": [{"role": "user", "content": "hi"}], "temprature": 1})",
      R"({"id": 5, "messages": [{"role": "user", "content": [{"type": "image", "path": "/nonexistent/cat.png"}]}]})",
      R"({"messages": [{"role": "user", "content": [{"type": "image", "url": ")" + image("square_448.png") +
          R"("}, {"type": "image", "url": ")" + image("tiny_64x48.png") +
          R"("}, {"type": "text", "text": "These images depict two different landmarks. Can you identify them?"}]}]})",
      "",
      R"({"id": "v", "num_frames": 4, "messages": [{"role": "user", "content": [{"type": "video", "path": ")" +
          clip() + R"("}, {"type": "text", "text": "What is happening?"}]}]})",
      R"({"id": "short", "max_new_tokens": 3, "messages": [{"role": "user", "content": "Write a haiku"}]})",
  };
  std::string input;
  for (const auto& l : lines) input += l + "\n";
  write_test_file(dir + "/in.jsonl", input);
  CliRun r = run_cli({"batch", "-m", model_dir(kModel), "-i", dir + "/in.jsonl", "-n", "6", "--batch-size", "3"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err.rfind("internvl batch: 4 of 9 lines failed (first: line 3:", 0), 0u) << r.err;
  const auto out = lines_of(r.out);
  ASSERT_EQ(out.size(), lines.size()) << r.out;
  std::vector<Json> j;
  for (const auto& l : out) {
    auto p = parse_json(l, "output line");
    ASSERT_TRUE(p.ok()) << l;
    j.push_back(*p);
  }
  expect_same_answer(j[0], run_json({"-p", "Write a haiku", "-n", "6"}), "line 1");
  EXPECT_EQ(j[0]["id"], "haiku");
  expect_same_answer(j[1], run_json({"--image", small, "-p", "Describe this image.", "-n", "6"}), "line 2");
  EXPECT_EQ(j[2]["error"]["code"], "corrupt");
  EXPECT_NE(j[2]["error"]["message"].get<std::string>().find("line 3:"), std::string::npos);
  EXPECT_EQ(j[3]["id"], 4);
  EXPECT_NE(j[3]["error"]["message"].get<std::string>().find("temprature"), std::string::npos);
  EXPECT_EQ(j[4]["id"], 5);
  EXPECT_NE(j[4]["error"]["message"].get<std::string>().find("/nonexistent/cat.png"), std::string::npos);
  expect_same_answer(j[5],
                     run_json({"--image", image("square_448.png"), "--image", image("tiny_64x48.png"), "-p",
                               "These images depict two different landmarks. Can you identify them?", "-n", "6"}),
                     "line 6");
  EXPECT_NE(j[6]["error"]["message"].get<std::string>().find("line 7: empty line"), std::string::npos);
  expect_same_answer(j[7], run_json({"--video", clip(), "--num-frames", "4", "-p", "What is happening?", "-n", "6"}),
                     "line 8");
  EXPECT_EQ(j[7]["num_tiles"], 4);
  expect_same_answer(j[8], run_json({"-p", "Write a haiku", "-n", "3"}), "line 9");
  EXPECT_EQ(j[8]["token_ids"].size(), 3u);
}

TEST(CliBatch, SummaryIsOneLineAndOutputFileWorks) {
  const std::string dir = make_temp_dir("internvl-cli-batch");
  const std::string input = R"({"messages": [{"role": "user", "content": "Write a haiku"}]})"
                            "\nnot json\n";
  CliRun r = run_cli({"batch", "-m", model_dir(kModel), "-n", "4", "-o", dir + "/out.jsonl"}, input);
  // Errors are in the output lines; stderr carries one summary line and the exit code is 1.
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err.rfind("internvl batch: 1 of 2 lines failed (first: line 2:", 0), 0u) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1);
  auto written = read_file(dir + "/out.jsonl");
  ASSERT_TRUE(written.ok());
  const auto out = lines_of(*written);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_NE(out[0].find("\"token_ids\""), std::string::npos);
  EXPECT_NE(out[1].find("\"error\""), std::string::npos);

  CliRun ok = run_cli({"batch", "-m", model_dir(kModel), "-n", "2"}, input.substr(0, input.find('\n') + 1));
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(lines_of(ok.out).size(), 1u);
}

// ---- chat ----

Engine& engine() {
  static std::unique_ptr<Engine> e = [] {
    EngineOptions o;
    o.model_dir = model_dir(kModel);
    auto r = Engine::load(o);
    if (!r.ok()) {
      ADD_FAILURE() << r.status().to_string();
      std::abort();
    }
    return std::move(r).value();
  }();
  return *e;
}

std::string answer(const std::vector<Message>& conversation, int n) {
  GenerationOptions o;
  o.max_new_tokens = n;
  auto r = engine().generate(conversation, o);
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  return r.ok() ? r->text : "";
}

TEST(CliChat, PipedTurnsEqualTheConversationThroughTheApi) {
  const std::string small = image("small_600x300.png");
  const std::string script = "/image " + small + "\nDescribe this image.\nAnd the colours?\n/reset\nWrite a haiku\n/quit\nignored\n";
  CliRun r = run_cli({"chat", "-m", model_dir(kModel), "-n", "5", "--system", "You are terse."}, script);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");

  auto img = media::load_image_file(small);
  ASSERT_TRUE(img.ok());
  const Message sys{"system", {ContentPart::text_part("You are terse.")}};
  const Message u1{"user", {ContentPart::image_part(*img), ContentPart::text_part("Describe this image.")}};
  const std::string a1 = answer({sys, u1}, 5);
  const std::string a2 =
      answer({sys, u1, Message{"assistant", {ContentPart::text_part(a1)}}, Message{"user", {ContentPart::text_part("And the colours?")}}}, 5);
  const std::string a3 = answer({sys, Message{"user", {ContentPart::text_part("Write a haiku")}}}, 5);
  EXPECT_EQ(r.out, a1 + "\n" + a2 + "\n" + a3 + "\n");
}

TEST(CliChat, ErrorsAreOneLineEachAndTheSessionGoesOn) {
  const std::string script = "/image /nonexistent/cat.png\n/bogus\nWrite a haiku\n<image> what?\n";
  CliRun r = run_cli({"chat", "-m", model_dir(kModel), "-n", "4"}, script);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, answer({Message{"user", {ContentPart::text_part("Write a haiku")}}}, 4) + "\n");
  const auto err = lines_of(r.err);
  ASSERT_EQ(err.size(), 3u) << r.err;
  EXPECT_NE(err[0].find("internvl chat: file '/nonexistent/cat.png' does not exist"), std::string::npos) << err[0];
  EXPECT_NE(err[1].find("unknown command '/bogus'"), std::string::npos) << err[1];
  EXPECT_NE(err[2].find("1 <image> marker but 0 images"), std::string::npos) << err[2];
}

TEST(CliChat, VideoTurn) {
  CliRun r = run_cli({"chat", "-m", model_dir(kModel), "-n", "3", "--num-frames", "4"},
                     "/video " + clip() + "\nWhat is happening?\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Json j = run_json({"--video", clip(), "--num-frames", "4", "-p", "What is happening?", "-n", "3"});
  EXPECT_EQ(r.out, j["text"].get<std::string>() + "\n");
}

}  // namespace
}  // namespace internvl::test
