// `preprocess`, `tokenize`, `info`, `make-random-checkpoint`, `bench` and the dispatcher end to
// end, checked against the reference goldens where one exists.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "cli_runner.h"
#include "core/file.h"
#include "io/npy.h"
#include "support/fixtures.h"
#include "support/golden.h"

namespace internvl::test {
namespace {

const std::string kModel = "tiny-internvl3-qwen2";

std::string image(const char* name) { return fixture_path(std::string("images/") + name); }
std::string clip() { return fixture_path("video/clip_37f_10fps_ffv1.mkv"); }

Json run_ok(const std::vector<std::string>& args) {
  CliRun r = run_cli(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return parse_stdout_json(r);
}

std::vector<std::int32_t> golden_input_ids(const std::string& name) {
  return load_golden_json("goldens/models/" + kModel + "/generate.json")["cases"][name]["input_ids"][0]
      .get<std::vector<std::int32_t>>();
}

// ---- dispatcher ----

TEST(CliMain, UsageAndUnknownCommands) {
  CliRun none = run_cli({});
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_NE(none.err.find("usage: internvl <command>"), std::string::npos);
  CliRun help = run_cli({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  for (const char* c : {"run", "chat", "batch", "preprocess", "tokenize", "info", "make-random-checkpoint", "bench",
                        "serve"}) {
    EXPECT_NE(help.out.find(std::string("\n  ") + c + " "), std::string::npos) << c;
  }
  CliRun bad = run_cli({"frobnicate"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_EQ(bad.err, "internvl: unknown command 'frobnicate' (internvl --help lists them)\n");
  CliRun run_help = run_cli({"run", "--help"});
  EXPECT_EQ(run_help.exit_code, 0);
  EXPECT_NE(run_help.out.find("--max-new-tokens"), std::string::npos);
  EXPECT_NE(run_help.out.find("--num-frames"), std::string::npos);
}

TEST(CliMain, ServeIsDispatched) {
  // Whichever way the build went, `serve` is a known command that answers --help or says why not.
  CliRun r = run_cli({"serve", "--help"});
  EXPECT_LT(r.exit_code, 128);
  EXPECT_TRUE(r.exit_code == 0 || r.err.find("internvl serve: this build has no HTTP server") == 0) << r.err;
  EXPECT_EQ(r.err.find("unknown command"), std::string::npos);
}

// ---- preprocess ----

// (u8 / 255 - mean) / std in float32, as the reference normalizes (ImageNet statistics).
float normalized(std::uint8_t v, int channel) {
  const float mean[3] = {0.485f, 0.456f, 0.406f};
  const float std_[3] = {0.229f, 0.224f, 0.225f};
  const float x = static_cast<float>(v) * static_cast<float>(1.0 / 255.0);
  return (x - mean[channel]) / std_[channel];
}

// Tiles `ours_tiles[i]` of the dump against tile i of the golden's pixels_u8.
void expect_dump_matches(const std::string& npy, const std::string& golden_npz, const std::vector<int>& ours_tiles) {
  auto bytes = read_file(npy);
  ASSERT_TRUE(bytes.ok());
  auto dump = io::parse_npy(*bytes, npy);
  ASSERT_TRUE(dump.ok()) << dump.status().to_string();
  ASSERT_EQ(dump->dtype(), DType::kF32);
  auto gold = load_golden_npz("goldens/image_processor/" + golden_npz);
  const Tensor& u8 = gold.at("pixels_u8");  // [stored_tiles, 3, 448, 448]
  ASSERT_EQ(u8.dim(0), static_cast<std::int64_t>(ours_tiles.size()));
  const std::int64_t per_tile = 3 * 448 * 448;
  double worst = 0;
  for (std::size_t t = 0; t < ours_tiles.size(); ++t) {
    const float* ours = dump->data<float>() + ours_tiles[t] * per_tile;
    const std::uint8_t* ref = u8.data<std::uint8_t>() + static_cast<std::int64_t>(t) * per_tile;
    for (std::int64_t i = 0; i < per_tile; ++i) {
      worst = std::max(worst, static_cast<double>(std::fabs(ours[i] - normalized(ref[i], static_cast<int>(i / (448 * 448))))));
    }
  }
  EXPECT_LT(worst, 2e-6);
}

TEST(CliPreprocess, GridTokensAndDumpMatchTheReference) {
  const std::string dir = make_temp_dir("internvl-cli-pre");
  const Json j = run_ok({"preprocess", "-m", model_dir(kModel), "--image", image("small_600x300.png"), "-p",
                         "Describe this image.", "--dump", dir + "/small.npy", "--json"});
  ASSERT_EQ(j["media"].size(), 1u);
  EXPECT_EQ(j["media"][0]["grid"], Json::array({2, 1}));
  EXPECT_EQ(j["media"][0]["thumbnail"], true);
  EXPECT_EQ(j["media"][0]["tiles"], 3);
  EXPECT_EQ(j["image_tokens"], 768);
  EXPECT_EQ(j["prompt_tokens"].get<std::size_t>(), golden_input_ids("one_image").size());
  EXPECT_EQ(j["pixel_values_shape"], Json::array({3, 3, 448, 448}));
  expect_dump_matches(dir + "/small.npy", "small_600x300__default.npz", {0, 1, 2});

  const Json max6 = run_ok({"preprocess", "-m", model_dir(kModel), "--image", image("landscape_800x600.jpg"),
                            "--max-tiles", "6", "--dump", dir + "/max6.npy", "--json"});
  EXPECT_EQ(max6["tiles"], 7);
  expect_dump_matches(dir + "/max6.npy", "landscape_800x600__max6.npz", {0, 6});
}

TEST(CliPreprocess, VideoFramesAndTextOutput) {
  const Json v8 = run_ok({"preprocess", "-m", model_dir(kModel), "--video", clip(), "--json"});
  EXPECT_EQ(v8["media"][0]["frames"], 8);
  EXPECT_EQ(v8["media"][0]["video_frames"], 37);
  EXPECT_EQ(v8["image_tokens"], 8 * 256);
  const Json all = run_ok({"preprocess", "-m", model_dir(kModel), "--video", clip(), "--num-frames", "0", "--json"});
  EXPECT_EQ(all["tiles"], 37);
  CliRun text = run_cli({"preprocess", "-m", model_dir(kModel), "--image", image("small_600x300.png"), "--video",
                         clip(), "--num-frames", "4"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("600x300 -> 2x1 grid + thumbnail = 3 tiles, 768 image tokens"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("4 of 37 frames = 4 tiles, 1024 image tokens"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("total: 7 tiles, 1792 image tokens"), std::string::npos) << text.out;
}

// ---- tokenize ----

TEST(CliTokenize, TextMatchesTheTokenizerGoldens) {
  const Json cases = load_golden_json("goldens/tokenizer/encode.json")["cases"];
  int checked = 0;
  for (const Json& c : cases) {
    const std::string text = c["text"].get<std::string>();
    if (text.empty() || text.size() > 200 || text.find('\0') != std::string::npos || text[0] == '-') continue;
    const Json ids = run_ok({"tokenize", "-m", model_dir(kModel), "-p", text});
    EXPECT_EQ(ids, c["ids"]) << text;
    if (++checked == 6) break;
  }
  EXPECT_EQ(checked, 6);
}

TEST(CliTokenize, ConversationsMatchTheProcessorGoldens) {
  const Json one = run_ok({"tokenize", "-m", model_dir(kModel), "--chat", "--image", image("small_600x300.png"), "-p",
                           "Describe this image.", "--json"});
  EXPECT_EQ(one["ids"].get<std::vector<std::int32_t>>(), golden_input_ids("one_image"));
  EXPECT_EQ(one["count"].get<std::size_t>(), golden_input_ids("one_image").size());

  // The interleaved case as a Transformers-format messages file.
  const std::string dir = make_temp_dir("internvl-cli-tok");
  Json messages = Json::array({Json{{"role", "user"},
                                    {"content", Json::array({Json{{"type", "image"}, {"url", image("square_448.png")}},
                                                             Json{{"type", "text"}, {"text", "First a picture, "}},
                                                             Json{{"type", "video"}, {"path", clip()}},
                                                             Json{{"type", "text"}, {"text", "then a clip. Compare them."}}})}}});
  write_test_file(dir + "/conv.json", dump_json(Json{{"messages", messages}}));
  const Json inter = run_ok({"tokenize", "-m", model_dir(kModel), "--messages", dir + "/conv.json", "--json"});
  EXPECT_EQ(inter["ids"].get<std::vector<std::int32_t>>(), golden_input_ids("interleaved_image_video"));
  const Json golden_text = load_golden_json("goldens/models/" + kModel + "/generate.json")["cases"]["text_only"]["texts"][0];
  const Json text_only = run_ok({"tokenize", "-m", model_dir(kModel), "--chat", "-p", "Write a haiku", "--json"});
  EXPECT_EQ(text_only["text"], golden_text);
  EXPECT_EQ(text_only["ids"].get<std::vector<std::int32_t>>(), golden_input_ids("text_only"));
}

// ---- info ----

TEST(CliInfo, ParameterCountsMatchTheReferenceStateDict) {
  for (const std::string model : {"tiny-internvl3-qwen2", "tiny-internvl35-qwen3"}) {
    SCOPED_TRACE(model);
    const Json j = run_ok({"info", "-m", model_dir(model), "--json"});
    const Json shapes = load_golden_json("goldens/models/" + model + "/state_dict_shapes.json");
    std::int64_t total = 0, lm_head = 0;
    for (const auto& [name, shape] : shapes.items()) {
      std::int64_t n = 1;
      for (const Json& d : shape) n *= d.get<std::int64_t>();
      total += n;
      if (name == "lm_head.weight") lm_head = n;
    }
    // A tied lm_head is listed in the state dict but is the embedding's storage.
    const bool tied = j["text"]["tied_embeddings"].get<bool>();
    EXPECT_EQ(j["parameters"].get<std::int64_t>(), total - (tied ? lm_head : 0));
    EXPECT_EQ(j["text"]["model_type"], model == "tiny-internvl3-qwen2" ? "qwen2" : "qwen3");
    EXPECT_EQ(j["weight_dtype"], "bf16");
    EXPECT_TRUE(j["stored_dtypes"].contains("BF16"));
    EXPECT_GT(j["memory_bytes_full_context"].get<std::int64_t>(), j["weight_bytes"].get<std::int64_t>());
    // f32 compute keeps an f32 cache (head_dim 8 has no bf16 attention path either).
    const Json& t = j["text"];
    EXPECT_EQ(j["kv_bytes_per_token"].get<std::int64_t>(),
              2 * t["layers"].get<std::int64_t>() * t["kv_heads"].get<std::int64_t>() * t["head_dim"].get<std::int64_t>() * 4);
  }
  CliRun text = run_cli({"info", "-m", model_dir(kModel)});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("parameters     5.05M"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("memory needed"), std::string::npos);
}

// ---- make-random-checkpoint ----

TEST(CliMakeRandomCheckpoint, WritesALoadableDeterministicModel) {
  const std::string dir = make_temp_dir("internvl-cli-rand");
  const std::string config = fixture_path("models/tiny-internvl3-qwen2/config.json");
  CliRun a = run_cli({"make-random-checkpoint", "--config", config, "--out", dir + "/a", "--seed", "3"});
  ASSERT_EQ(a.exit_code, 0) << a.err;
  EXPECT_EQ(a.out.rfind("wrote " + dir + "/a", 0), 0u) << a.out;
  CliRun b = run_cli({"make-random-checkpoint", "--config", config, "--out", dir + "/b", "--seed", "3"});
  ASSERT_EQ(b.exit_code, 0) << b.err;
  CliRun c = run_cli({"make-random-checkpoint", "--config", config, "--out", dir + "/c", "--seed", "4"});
  ASSERT_EQ(c.exit_code, 0) << c.err;
  auto wa = read_file(dir + "/a/model.safetensors");
  auto wb = read_file(dir + "/b/model.safetensors");
  auto wc = read_file(dir + "/c/model.safetensors");
  ASSERT_TRUE(wa.ok() && wb.ok() && wc.ok());
  EXPECT_TRUE(*wa == *wb);
  EXPECT_FALSE(*wa == *wc);

  const Json info = run_ok({"info", "-m", dir + "/a", "--json"});
  const Json fixture = run_ok({"info", "-m", model_dir(kModel), "--json"});
  EXPECT_EQ(info["parameters"], fixture["parameters"]);
  const Json answer = run_ok({"run", "-m", dir + "/a", "--image", image("tiny_64x48.png"), "-p", "hi", "-n", "3", "--json"});
  EXPECT_EQ(answer["token_ids"].size(), 3u);
}

TEST(CliMakeRandomCheckpoint, ChecksTheFreeDiskSpaceFirst) {
  // The tiny config with a text model of about 350 TB: no disk has that much free.
  const std::string dir = make_temp_dir("internvl-cli-rand");
  auto config = load_json_file(fixture_path("models/tiny-internvl3-qwen2/config.json"));
  ASSERT_TRUE(config.ok());
  (*config)["text_config"]["intermediate_size"] = 2000000000;
  (*config)["text_config"]["num_hidden_layers"] = 1000;
  write_test_file(dir + "/huge.json", dump_json(*config));
  CliRun r = run_cli({"make-random-checkpoint", "--config", dir + "/huge.json", "--out", dir + "/out"});
  EXPECT_TRUE(fails_with_one_line(r, "make-random-checkpoint", "are free"));
  // Nothing was written.
  std::error_code ec;
  EXPECT_TRUE(!std::filesystem::exists(dir + "/out") || std::filesystem::is_empty(dir + "/out", ec));
}

// ---- quantize ----

TEST(CliQuantize, SavedDirectoryAnswersLikeQuantizingOnLoad) {
  const std::string dir = make_temp_dir("internvl-cli-quant");
  for (const char* q : {"q8", "q4"}) {
    const std::string out = dir + "/" + q;
    CliRun w = run_cli({"quantize", "-m", model_dir(kModel), "--quant", q, "--out", out});
    ASSERT_EQ(w.exit_code, 0) << w.err;
    EXPECT_EQ(w.out.rfind("wrote " + out, 0), 0u) << w.out;
    const std::vector<std::string> ask = {"--image", image("tiny_64x48.png"), "-p", "hi", "-n", "4", "--json"};
    std::vector<std::string> saved = {"run", "-m", out};
    std::vector<std::string> on_load = {"run", "-m", model_dir(kModel), "--quant", q};
    saved.insert(saved.end(), ask.begin(), ask.end());
    on_load.insert(on_load.end(), ask.begin(), ask.end());
    const Json a = run_ok(saved);
    const Json b = run_ok(on_load);
    EXPECT_EQ(a["token_ids"], b["token_ids"]) << q;
    EXPECT_EQ(a["first_token_top5"], b["first_token_top5"]) << q;
    saved.insert(saved.end(), {"--mmap", "off"});  // the saved quants copied into memory
    const Json c = run_ok(saved);
    EXPECT_EQ(a["token_ids"], c["token_ids"]) << q;
    EXPECT_EQ(a["first_token_top5"], c["first_token_top5"]) << q;
  }
  CliRun bad = run_cli({"quantize", "-m", model_dir(kModel), "--quant", "q3", "--out", dir + "/q3"});
  EXPECT_TRUE(fails_with_one_line(bad, "quantize", "q3"));
  CliRun none = run_cli({"quantize", "-m", model_dir(kModel), "--quant", "q8"});
  EXPECT_TRUE(fails_with_one_line(none, "quantize", "--out"));
}

// ---- bench ----

TEST(CliBench, SmallRunReportsEveryFigure) {
  const Json j = run_ok({"bench", "-m", model_dir(kModel), "--repeats", "1", "--tiles", "1", "--prefill", "16,32",
                         "--decode-steps", "2", "--decode-context", "40", "--batches", "1,2", "--no-rooflines",
                         "--no-scaling", "--json"});
  ASSERT_TRUE(j.is_object());
  EXPECT_EQ(j["prefill"].size(), 2u);
  EXPECT_EQ(j["decode"].size(), 2u);
  EXPECT_EQ(j["decode_context"].get<std::int64_t>(), 40);
}

}  // namespace
}  // namespace internvl::test
