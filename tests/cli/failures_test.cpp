// Every way a user, a file or a request can make the program fail: each run must exit non-zero
// (2 for a bad command line, 1 otherwise) with exactly one stderr line naming the problem, and
// never crash. Malformed JSONL lines are covered in batch_chat_test.cpp.
#include <gtest/gtest.h>

#include <filesystem>

#include "cli_runner.h"
#include "core/file.h"
#include "support/fixtures.h"

namespace internvl::test {
namespace {

namespace fs = std::filesystem;

const std::string kModel = "tiny-internvl3-qwen2";

std::string image(const char* name) { return fixture_path(std::string("images/") + name); }

CliRun run_with(std::vector<std::string> extra) {
  std::vector<std::string> args = {"run", "-m", model_dir(kModel), "-n", "2"};
  args.insert(args.end(), extra.begin(), extra.end());
  return run_cli(args);
}

// A copy of the fixture model directory (links) where `file` is replaced by `bytes`, or left
// out when `bytes` is nullopt.
std::string model_with(const std::string& file, std::optional<std::string> bytes) {
  const std::string dir = make_temp_dir("internvl-cli-model");
  for (const auto& e : fs::directory_iterator(model_dir(kModel))) {
    const std::string name = e.path().filename().string();
    if (name == file) continue;
    fs::create_symlink(fs::canonical(e.path()), fs::path(dir) / name);
  }
  if (bytes) write_test_file(dir + "/" + file, *bytes);
  return dir;
}

// ---- images ----

TEST(CliFailures, Images) {
  const std::string dir = make_temp_dir("internvl-cli-img");
  EXPECT_TRUE(fails_with_one_line(run_with({"--image", dir + "/missing.png", "-p", "hi"}), "run",
                                  "'" + dir + "/missing.png' does not exist"));
  auto png = read_file(image("small_600x300.png"));
  ASSERT_TRUE(png.ok());
  write_test_file(dir + "/truncated.png", png->substr(0, 300));
  EXPECT_TRUE(fails_with_one_line(run_with({"--image", dir + "/truncated.png", "-p", "hi"}), "run", "truncated.png"));
  std::string flipped = *png;
  for (std::size_t i = 100; i < flipped.size(); i += 7) flipped[i] = static_cast<char>(flipped[i] ^ 0x5a);
  write_test_file(dir + "/corrupt.png", flipped);
  EXPECT_TRUE(fails_with_one_line(run_with({"--image", dir + "/corrupt.png", "-p", "hi"}), "run", "corrupt.png"));
  write_test_file(dir + "/notes.png", "just some text\n");
  EXPECT_TRUE(fails_with_one_line(run_with({"--image", dir + "/notes.png", "-p", "hi"}), "run", "not a supported image"));
  write_test_file(dir + "/scan.tif", std::string("II*\0\x08\0\0\0", 8) + std::string(64, '\0'));
  EXPECT_TRUE(fails_with_one_line(run_with({"--image", dir + "/scan.tif", "-p", "hi"}), "run", "TIFF"));
  // The same through the other commands that read images.
  EXPECT_TRUE(fails_with_one_line(run_cli({"preprocess", "-m", model_dir(kModel), "--image", dir + "/notes.png"}),
                                  "preprocess", "not a supported image"));
  EXPECT_TRUE(fails_with_one_line(
      run_cli({"tokenize", "-m", model_dir(kModel), "--chat", "--image", dir + "/missing.png", "-p", "x"}), "tokenize",
      "does not exist"));
}

// ---- videos ----

TEST(CliFailures, Videos) {
  const std::string dir = make_temp_dir("internvl-cli-vid");
  // The H.264 clip with its sample data zeroed: the container is fine, no frame decodes.
  auto mp4 = read_file(fixture_path("video/clip_37f_10fps_h264.mp4"));
  ASSERT_TRUE(mp4.ok());
  std::string zeroed = *mp4;
  const std::size_t mdat = zeroed.find("mdat");
  ASSERT_NE(mdat, std::string::npos);
  const auto* p = reinterpret_cast<const unsigned char*>(zeroed.data() + mdat - 4);
  const std::size_t size = (std::size_t{p[0]} << 24) | (std::size_t{p[1]} << 16) | (std::size_t{p[2]} << 8) | p[3];
  ASSERT_LE(mdat - 4 + size, zeroed.size());
  std::fill(zeroed.begin() + static_cast<std::ptrdiff_t>(mdat + 4),
            zeroed.begin() + static_cast<std::ptrdiff_t>(mdat - 4 + size), '\0');
  write_test_file(dir + "/blank.mp4", zeroed);
  EXPECT_TRUE(fails_with_one_line(run_with({"--video", dir + "/blank.mp4", "-p", "hi"}), "run", "no decodable frames"));
  // A truncated FFV1 file: the header survives, no frame does.
  auto mkv = read_file(fixture_path("video/clip_37f_10fps_ffv1.mkv"));
  ASSERT_TRUE(mkv.ok());
  write_test_file(dir + "/cut.mkv", mkv->substr(0, 3000));
  EXPECT_TRUE(fails_with_one_line(run_with({"--video", dir + "/cut.mkv", "-p", "hi"}), "run", "no frames"));
  write_test_file(dir + "/notes.mp4", "not a video\n");
  EXPECT_TRUE(fails_with_one_line(run_with({"--video", dir + "/notes.mp4", "-p", "hi"}), "run", "notes.mp4"));
  EXPECT_TRUE(fails_with_one_line(run_with({"--video", dir + "/missing.mp4", "-p", "hi"}), "run", "does not exist"));
  // More frames than the video has.
  EXPECT_TRUE(fails_with_one_line(
      run_with({"--video", fixture_path("video/clip_37f_10fps_ffv1.mkv"), "--num-frames", "40", "-p", "hi"}), "run",
      "exceeds"));
}

// ---- model directories ----

TEST(CliFailures, ModelDirectories) {
  EXPECT_TRUE(fails_with_one_line(run_cli({"run", "-m", "/nonexistent/model", "-p", "hi"}), "run", "/nonexistent/model"));
  EXPECT_TRUE(fails_with_one_line(run_cli({"run", "-p", "hi"}), "run", "give -m DIR"));
  EXPECT_TRUE(fails_with_one_line(run_cli({"run", "-m", model_with("config.json", std::nullopt), "-p", "hi"}), "run",
                                  "config.json"));
  EXPECT_TRUE(fails_with_one_line(run_cli({"run", "-m", model_with("config.json", "{\"vision_config\": "), "-p", "hi"}),
                                  "run", "config.json"));
  EXPECT_TRUE(fails_with_one_line(run_cli({"run", "-m", model_with("model.safetensors", std::nullopt), "-p", "hi"}),
                                  "run", "safetensors"));
  auto weights = read_file(model_dir(kModel) + "/model.safetensors");
  ASSERT_TRUE(weights.ok());
  EXPECT_TRUE(fails_with_one_line(
      run_cli({"run", "-m", model_with("model.safetensors", weights->substr(0, weights->size() / 2)), "-p", "hi"}),
      "run", "model.safetensors"));
  EXPECT_TRUE(fails_with_one_line(
      run_cli({"run", "-m", model_with("model.safetensors", std::string("\xff\xff\xff\xff\xff\xff\xff\x7f{}", 10)),
               "-p", "hi"}),
      "run", "model.safetensors"));
  EXPECT_TRUE(fails_with_one_line(run_cli({"run", "-m", model_with("tokenizer.json", std::nullopt), "-p", "hi"}), "run",
                                  "tokenizer.json"));
  EXPECT_TRUE(fails_with_one_line(run_cli({"run", "-m", model_with("tokenizer.json", "{\"model\": 3"), "-p", "hi"}),
                                  "run", "tokenizer.json"));
  EXPECT_TRUE(fails_with_one_line(
      run_cli({"info", "-m", model_with("model.safetensors", weights->substr(0, 100))}), "info", "model.safetensors"));
  EXPECT_TRUE(fails_with_one_line(
      run_cli({"preprocess", "-m", model_with("processor_config.json", "[1, 2"), "--image", image("tiny_64x48.png")}),
      "preprocess", "processor_config.json"));
  EXPECT_TRUE(fails_with_one_line(
      run_cli({"batch", "-m", model_with("config.json", std::nullopt)}, "{\"messages\": []}\n"), "batch", "config.json"));
  EXPECT_TRUE(fails_with_one_line(run_cli({"chat", "-m", "/nonexistent/model"}, "hi\n"), "chat", "/nonexistent/model"));
  EXPECT_TRUE(fails_with_one_line(run_cli({"bench", "-m", "/nonexistent/model"}), "bench", "/nonexistent/model"));
}

// ---- prompts ----

TEST(CliFailures, PromptLongerThanTheContext) {
  EXPECT_TRUE(fails_with_one_line(run_with({"--context-limit", "12", "-p", "Write a haiku"}), "run",
                                  "more than the context limit of 12"));
  EXPECT_TRUE(fails_with_one_line(
      run_with({"--context-limit", "300", "--image", image("small_600x300.png"), "-p", "Describe this image."}), "run",
      "context limit of 300"));
}

TEST(CliFailures, MediaAndMarkersMustAgree) {
  const std::string img = image("tiny_64x48.png");
  const std::string vid = fixture_path("video/clip_37f_10fps_ffv1.mkv");
  EXPECT_TRUE(fails_with_one_line(run_with({"--image", img, "--image", img, "-p", "<image> what is this?"}), "run",
                                  "1 <image> marker but 2 images were given"));
  EXPECT_TRUE(fails_with_one_line(run_with({"-p", "<image> and <image>?"}), "run",
                                  "2 <image> markers but 0 images were given"));
  EXPECT_TRUE(fails_with_one_line(run_with({"--image", img, "--video", vid, "-p", "<image> only"}), "run",
                                  "0 <video> markers but 1 video was given"));
  EXPECT_TRUE(fails_with_one_line(run_with({"--image", img, "-p", "<image> then <video>"}), "run",
                                  "1 <video> marker but 0 videos were given"));
  EXPECT_TRUE(fails_with_one_line(run_with({}), "run", "nothing to ask"));
}

// ---- flags ----

TEST(CliFailures, OutOfRangeAndMalformedFlags) {
  struct Case {
    std::vector<std::string> args;
    const char* needle;
  };
  const std::vector<Case> cases = {
      {{"--temperature", "-1"}, "--temperature: -1 is out of range [0, 100]"},
      {{"--top-p", "0"}, "--top-p: 0 is out of range (0, 1]"},
      {{"--top-p", "1.5"}, "--top-p: 1.5 is out of range"},
      {{"--top-k", "-3"}, "--top-k: -3 is out of range"},
      {{"--repetition-penalty", "0"}, "--repetition-penalty: 0 is out of range"},
      {{"--max-tiles", "0"}, "--max-tiles: 0 is out of range [1, 128]"},
      {{"--max-tiles", "129"}, "--max-tiles: 129 is out of range"},
      {{"--min-tiles", "5", "--max-tiles", "2"}, "min_tiles (5) is larger than max_tiles (2)"},
      {{"--num-frames", "-1"}, "--num-frames: -1 is out of range"},
      {{"--num-frames", "4", "--fps", "2"}, "give num_frames or fps, not both"},
      {{"--fps", "0"}, "--fps: 0 is out of range"},
      {{"--threads", "-1"}, "--threads: -1 is out of range"},
      {{"--context-limit", "-5"}, "--context-limit: -5 is out of range"},
      {{"--quant", "q3"}, "--quant: 'q3' is not one of none|q8|q4"},
      {{"--mmap", "maybe"}, "--mmap: 'maybe' is not one of on|off"},
      {{"-n", "abc"}, "--max-new-tokens: expected an integer, got 'abc'"},
      {{"-n", "2.5"}, "--max-new-tokens: expected an integer"},
      {{"--temperature", "warm"}, "--temperature: expected a number"},
      {{"--min-new-tokens", "9", "-n", "3"}, "min_new_tokens (9) is larger than max_new_tokens (3)"},
      {{"--no-such-flag"}, "--no-such-flag"},
      {{"--image"}, "--image"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args = {"run", "-m", model_dir(kModel), "-p", "hi"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    CliRun r = run_cli(args);
    EXPECT_TRUE(fails_with_one_line(r, "run", c.needle)) << c.needle;
    EXPECT_EQ(r.exit_code, 2) << c.needle;
  }
  EXPECT_TRUE(fails_with_one_line(run_cli({"batch", "-m", model_dir(kModel), "--batch-size", "0"}), "batch",
                                  "--batch-size: 0 is out of range [1, 256]"));
  EXPECT_TRUE(fails_with_one_line(run_cli({"chat", "-m", model_dir(kModel), "--top-p", "2"}), "chat", "--top-p"));
  EXPECT_TRUE(fails_with_one_line(run_cli({"preprocess", "-m", model_dir(kModel), "--max-tiles", "0", "--image",
                                           image("tiny_64x48.png")}),
                                  "preprocess", "--max-tiles"));
  EXPECT_TRUE(fails_with_one_line(run_cli({"preprocess", "-m", model_dir(kModel)}), "preprocess",
                                  "at least one --image or --video"));
  EXPECT_TRUE(fails_with_one_line(run_cli({"tokenize", "-m", model_dir(kModel)}), "tokenize", "nothing to tokenize"));
  EXPECT_TRUE(fails_with_one_line(run_cli({"bench", "-m", model_dir(kModel), "--repeats", "0"}), "bench",
                                  "--repeats: 0 is out of range"));
  EXPECT_TRUE(fails_with_one_line(run_cli({"bench", "-m", model_dir(kModel), "--quant", "q3"}), "bench", "q3"));
  EXPECT_TRUE(fails_with_one_line(run_cli({"bench", "-m", model_dir(kModel), "--decode-context", "0"}), "bench",
                                  "--decode-context: 0 is out of range"));
  EXPECT_TRUE(fails_with_one_line(run_cli({"bench", "-m", model_dir(kModel), "--mmap", "no"}), "bench",
                                  "--mmap: 'no' is not one of on|off"));
  EXPECT_TRUE(fails_with_one_line(run_cli({"make-random-checkpoint", "--config", "/nonexistent/config.json", "--out",
                                           make_temp_dir("internvl-cli-rand") + "/x"}),
                                  "make-random-checkpoint", "/nonexistent/config.json"));
  EXPECT_TRUE(fails_with_one_line(run_cli({"make-random-checkpoint", "--config", "c.json", "--out", "x", "--dtype",
                                           "int8"}),
                                  "make-random-checkpoint", "--dtype: 'int8'"));
  EXPECT_TRUE(fails_with_one_line(run_cli({"make-random-checkpoint", "--out", "x"}), "make-random-checkpoint",
                                  "--config"));
}

TEST(CliFailures, BadConversationFiles) {
  const std::string dir = make_temp_dir("internvl-cli-conv");
  write_test_file(dir + "/broken.json", "[{\"role\": \"user\", \"content\": ");
  EXPECT_TRUE(fails_with_one_line(run_cli({"tokenize", "-m", model_dir(kModel), "--messages", dir + "/broken.json"}),
                                  "tokenize", "broken.json"));
  write_test_file(dir + "/odd.json", R"([{"role": "user", "content": [{"type": "audio", "url": "x.wav"}]}])");
  EXPECT_TRUE(fails_with_one_line(run_cli({"tokenize", "-m", model_dir(kModel), "--messages", dir + "/odd.json"}),
                                  "tokenize", "unsupported content type 'audio'"));
  EXPECT_TRUE(fails_with_one_line(run_cli({"batch", "-m", model_dir(kModel), "-i", dir + "/missing.jsonl"}), "batch",
                                  "missing.jsonl"));
}

}  // namespace
}  // namespace internvl::test
