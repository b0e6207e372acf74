// `internvl run --json` on the reference's generation cases, for every fixture checkpoint:
// the conversation is written as a user would type it on the command line, and the JSON must
// agree with Transformers: prompt_tokens = len(input_ids), num_tiles = pixel_values rows,
// token_ids = the greedy `generated` up to the first near-tie step (margin < 1e-2), and the
// first token's top-5 log-probabilities within 1e-3 of top5_per_step[0].
//
// Not here: the hub-layout `video` and `batch_text_and_image` cases. The reference ran all cases
// on one model instance, and its dynamic RoPE kept the scaling of the earlier 3,357-position case;
// a fresh process (what a user runs) starts unscaled, so its logits differ by design. The model
// tests replay that history (tests/model/generate_golden_test.cpp).
#include <gtest/gtest.h>

#include <cmath>

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

class RunJsonGolden : public ::testing::TestWithParam<GoldenCase> {};

TEST_P(RunJsonGolden, MatchesTheReference) {
  const std::string model = GetParam().model;
  const std::string name = GetParam().name;
  const Json gen = load_golden_json("goldens/models/" + model + "/generate.json");
  ASSERT_TRUE(gen.contains("cases") && gen["cases"].contains(name));
  const Json& c = gen["cases"][name];
  // Hub-layout goldens keep top5_per_step in generate.json; the others in generate_extra.json.
  const Json top5 = c.contains("top5_per_step")
                        ? c["top5_per_step"]
                        : load_golden_json("goldens/models/" + model + "/generate_extra.json")["cases"][name]["top5_per_step"];

  std::vector<std::string> args = {"run", "-m", model_dir(model), "-n", "12", "--min-new-tokens", "12", "--json"};
  // The hub-layout config has 512 positions (x2 dynamic RoPE); the reference runs longer prompts.
  if (model == "tiny-internvl3-hub-layout") args.insert(args.end(), {"--context-limit", "8192"});
  for (std::string& a : case_args(name)) args.push_back(std::move(a));
  const CliRun run = run_cli(args);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const Json out = parse_stdout_json(run);
  ASSERT_TRUE(out.is_object());

  // Exactly the documented keys.
  std::vector<std::string> keys;
  for (const auto& [k, v] : out.items()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"text", "token_ids", "prompt_tokens", "num_tiles", "first_token_top5",
                                            "timings"}));

  EXPECT_EQ(out["prompt_tokens"].get<std::int64_t>(), static_cast<std::int64_t>(c["input_ids"][0].size()));
  EXPECT_EQ(out["num_tiles"].get<std::int64_t>(),
            c["pixel_values_shape"].is_array() && !c["pixel_values_shape"].empty() ? c["pixel_values_shape"][0].get<std::int64_t>() : 0);

  // Greedy tokens up to the first near-tie. Margins: step_margins, else top-1 minus top-2 of top5.
  const auto ref = c["generated"][0].get<std::vector<std::int32_t>>();
  const auto ours = out["token_ids"].get<std::vector<std::int32_t>>();
  ASSERT_EQ(ours.size(), ref.size());
  std::size_t steps = ref.size();
  for (std::size_t k = 0; k < ref.size(); ++k) {
    const double margin = c.contains("step_margins")
                              ? c["step_margins"][k]["margin"][0].get<double>()
                              : top5[k]["logprobs"][0][0].get<double>() - top5[k]["logprobs"][0][1].get<double>();
    if (margin < kNearTie) {
      steps = k;
      break;
    }
  }
  for (std::size_t k = 0; k < steps; ++k) EXPECT_EQ(ours[k], ref[k]) << "step " << k << " of " << steps;

  // First token: top-5 log-probabilities.
  const Json& first = out["first_token_top5"];
  const auto ref_ids = top5[0]["ids"][0].get<std::vector<std::int32_t>>();
  const auto ref_lp = top5[0]["logprobs"][0].get<std::vector<double>>();
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
  EXPECT_EQ(out["timings"]["generated_tokens"].get<int>(), 12);
}

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
