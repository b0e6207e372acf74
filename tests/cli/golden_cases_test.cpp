// `internvl run --json` on the reference's generation cases, for every fixture checkpoint:
// the conversation is written as a user would type it on the command line, and the JSON must
// agree with Transformers: prompt_tokens = len(input_ids), num_tiles = pixel_values rows,
// token_ids = the greedy `generated` up to the first near-tie step (margin < 1e-2), and the
// first token's top-5 log-probabilities within 1e-3 of top5_per_step[0].
//
// `batch_text_and_image`, the reference's two-row padded batch, runs through `internvl batch`
// (BatchGolden below): each output line must match its row the same way.
//
// Not here: the hub-layout `video` and `batch_text_and_image` cases. The reference ran all cases
// on one model instance, and its dynamic RoPE kept the scaling of the earlier 3,357-position case;
// a fresh process (what a user runs) starts unscaled, so its logits differ by design. The model
// tests replay that history (tests/model/generate_golden_test.cpp).
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "cli_runner.h"
#include "support/fixtures.h"
#include "support/golden.h"

namespace internvl::test {
namespace {

constexpr double kNearTie = 1e-2;
constexpr double kLogprobTol = 1e-3;

struct GoldenCase {
  const char* model;
  const char* name;
};

std::string image(const char* name) { return fixture_path(std::string("images/") + name); }
std::string clip() { return fixture_path("video/clip_37f_10fps_ffv1.mkv"); }

// The command line for each case (tests/fixtures/README.md, "Generation cases").
std::vector<std::string> case_args(const std::string& name) {
  if (name == "text_only") return {"-p", "Write a haiku"};
  if (name == "one_image") return {"--image", image("small_600x300.png"), "-p", "Describe this image."};
  if (name == "one_image_tiled") {
    return {"--image", image("landscape_800x600.jpg"), "-p", "Please describe the image explicitly."};
  }
  if (name == "two_images") {
    return {"--image", image("square_448.png"), "--image", image("tiny_64x48.png"), "-p",
            "These images depict two different landmarks. Can you identify them?"};
  }
  if (name == "video") return {"--video", clip(), "-p", "What type of shot is the man performing?"};
  if (name == "interleaved_image_video") {
    return {"--image", image("square_448.png"), "--video", clip(), "-p",
            "<image>First a picture, <video>then a clip. Compare them."};
  }
  ADD_FAILURE() << "unknown case " << name;
  return {};
}

// Checks one answer (a `run --json` object or a `batch` output line) against row `row` of a
// generation case.
void expect_matches_golden(const Json& out, const Json& c, const Json& top5, std::size_t row,
                           std::int64_t expected_tiles) {
  // Exactly the documented keys.
  std::vector<std::string> keys;
  for (const auto& [k, v] : out.items()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"text", "token_ids", "prompt_tokens", "num_tiles", "first_token_top5",
                                            "timings"}));

  // The reference left-pads batch rows: the prompt is the attended part of input_ids.
  std::int64_t prompt = 0;
  for (const Json& m : c["attention_mask"][row]) prompt += m.get<std::int64_t>();
  EXPECT_EQ(out["prompt_tokens"].get<std::int64_t>(), prompt);
  EXPECT_EQ(out["num_tiles"].get<std::int64_t>(), expected_tiles);

  // Greedy tokens up to the first near-tie. Margins: step_margins, else top-1 minus top-2 of top5.
  const auto ref = c["generated"][row].get<std::vector<std::int32_t>>();
  const auto ours = out["token_ids"].get<std::vector<std::int32_t>>();
  ASSERT_EQ(ours.size(), ref.size());
  std::size_t steps = ref.size();
  for (std::size_t k = 0; k < ref.size(); ++k) {
    const double margin = c.contains("step_margins")
                              ? c["step_margins"][k]["margin"][row].get<double>()
                              : top5[k]["logprobs"][row][0].get<double>() - top5[k]["logprobs"][row][1].get<double>();
    if (margin < kNearTie) {
      steps = k;
      break;
    }
  }
  for (std::size_t k = 0; k < steps; ++k) EXPECT_EQ(ours[k], ref[k]) << "step " << k << " of " << steps;

  // First token: top-5 log-probabilities.
  const Json& first = out["first_token_top5"];
  const auto ref_ids = top5[0]["ids"][row].get<std::vector<std::int32_t>>();
  const auto ref_lp = top5[0]["logprobs"][row].get<std::vector<double>>();
  ASSERT_EQ(first.size(), 5u);
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_NEAR(first[i][1].get<double>(), ref_lp[i], kLogprobTol) << "rank " << i;
    // Ids must agree unless two alternatives are closer than the tolerance (their order may flip).
    const bool tied = (i > 0 && ref_lp[i - 1] - ref_lp[i] < 2 * kLogprobTol) ||
                      (i + 1 < 5 && ref_lp[i] - ref_lp[i + 1] < 2 * kLogprobTol);
    if (!tied) {
      EXPECT_EQ(first[i][0].get<std::int32_t>(), ref_ids[i]) << "rank " << i;
    }
  }
  EXPECT_EQ(out["text"].get<std::string>().empty(), false);
  EXPECT_EQ(out["timings"]["generated_tokens"].get<std::size_t>(), ref.size());
}

// Hub-layout goldens keep top5_per_step in generate.json; the others in generate_extra.json.
Json top5_of(const std::string& model, const std::string& name, const Json& c) {
  if (c.contains("top5_per_step")) return c["top5_per_step"];
  return load_golden_json("goldens/models/" + model + "/generate_extra.json")["cases"][name]["top5_per_step"];
}

// Twelve tokens, as the reference generated; a longer context for the hub layout, whose config
// has 512 positions (x2 dynamic RoPE) while the reference runs longer prompts.
std::vector<std::string> common_args(const std::string& model) {
  std::vector<std::string> args = {"-m", model_dir(model), "-n", "12", "--min-new-tokens", "12"};
  if (model == "tiny-internvl3-hub-layout") args.insert(args.end(), {"--context-limit", "8192"});
  return args;
}

class RunJsonGolden : public ::testing::TestWithParam<GoldenCase> {};

TEST_P(RunJsonGolden, MatchesTheReference) {
  const std::string model = GetParam().model;
  const std::string name = GetParam().name;
  const Json gen = load_golden_json("goldens/models/" + model + "/generate.json");
  ASSERT_TRUE(gen.contains("cases") && gen["cases"].contains(name));
  const Json& c = gen["cases"][name];

  std::vector<std::string> args = {"run", "--json"};
  for (std::string& a : common_args(model)) args.push_back(std::move(a));
  for (std::string& a : case_args(name)) args.push_back(std::move(a));
  const CliRun run = run_cli(args);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const Json out = parse_stdout_json(run);
  ASSERT_TRUE(out.is_object());
  const bool has_pixels = c["pixel_values_shape"].is_array() && !c["pixel_values_shape"].empty();
  expect_matches_golden(out, c, top5_of(model, name, c), 0, has_pixels ? c["pixel_values_shape"][0].get<std::int64_t>() : 0);
}

// The reference's two-row padded batch (`batch_text_and_image`) through `internvl batch`: each
// output line must match its row.
class BatchGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(BatchGolden, RowsMatchTheReference) {
  const std::string model = GetParam();
  const Json c = load_golden_json("goldens/models/" + model + "/generate.json")["cases"]["batch_text_and_image"];
  const std::string input =
      R"({"messages": [{"role": "user", "content": "Write a haiku"}]})"
      "\n"
      R"({"messages": [{"role": "user", "content": [{"type": "image", "url": ")" +
      image("small_600x300.png") + R"("}, {"type": "text", "text": "Describe this image."}]}]})"
      "\n";
  std::vector<std::string> args = {"batch", "--batch-size", "2"};
  for (std::string& a : common_args(model)) args.push_back(std::move(a));
  const CliRun run = run_cli(args, input);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const std::size_t nl = run.out.find('\n');
  ASSERT_NE(nl, std::string::npos) << run.out;
  ASSERT_EQ(run.out.find('\n', nl + 1), run.out.size() - 1) << "expected two lines: " << run.out;
  const Json top5 = top5_of(model, "batch_text_and_image", c);
  const std::string lines[2] = {run.out.substr(0, nl), run.out.substr(nl + 1, run.out.size() - nl - 2)};
  // All pixel rows belong to the image row.
  const std::int64_t tiles[2] = {0, c["pixel_values_shape"][0].get<std::int64_t>()};
  for (std::size_t row = 0; row < 2; ++row) {
    SCOPED_TRACE("row " + std::to_string(row));
    auto out = parse_json(lines[row], "batch output line");
    ASSERT_TRUE(out.ok()) << lines[row];
    expect_matches_golden(*out, c, top5, row, tiles[row]);
  }
}

std::string model_name(const ::testing::TestParamInfo<std::string>& param) {
  std::string s = param.param;
  for (char& ch : s) {
    if (ch == '-') ch = '_';
  }
  return s;
}

// Not the hub layout: its reference batch ran after longer prompts (see the top of the file).
INSTANTIATE_TEST_SUITE_P(Cases, BatchGolden, ::testing::Values("tiny-internvl3-qwen2", "tiny-internvl35-qwen3"),
                         model_name);

std::string case_name(const ::testing::TestParamInfo<GoldenCase>& info) {
  std::string s = std::string(info.param.model) + "_" + info.param.name;
  for (char& ch : s) {
    if (ch == '-') ch = '_';
  }
  return s;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, RunJsonGolden,
    ::testing::Values(GoldenCase{"tiny-internvl3-qwen2", "text_only"}, GoldenCase{"tiny-internvl3-qwen2", "one_image"},
                      GoldenCase{"tiny-internvl3-qwen2", "one_image_tiled"},
                      GoldenCase{"tiny-internvl3-qwen2", "two_images"}, GoldenCase{"tiny-internvl3-qwen2", "video"},
                      GoldenCase{"tiny-internvl3-qwen2", "interleaved_image_video"},
                      GoldenCase{"tiny-internvl35-qwen3", "text_only"}, GoldenCase{"tiny-internvl35-qwen3", "one_image"},
                      GoldenCase{"tiny-internvl35-qwen3", "one_image_tiled"},
                      GoldenCase{"tiny-internvl35-qwen3", "two_images"}, GoldenCase{"tiny-internvl35-qwen3", "video"},
                      GoldenCase{"tiny-internvl35-qwen3", "interleaved_image_video"},
                      GoldenCase{"tiny-internvl3-hub-layout", "text_only"},
                      GoldenCase{"tiny-internvl3-hub-layout", "one_image"},
                      GoldenCase{"tiny-internvl3-hub-layout", "one_image_tiled"}),
    case_name);

}  // namespace
}  // namespace internvl::test
