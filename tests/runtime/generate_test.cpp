// Generation behaviour on a tiny fixture model: batching, seeding, the sampled distribution,
// limits and input errors.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "kernels/softmax.h"
#include "model_test_util.h"
#include "runtime/forward.h"
#include "runtime/generator.h"
#include "stats.h"
#include "support/golden.h"

namespace internvl::test {
namespace {

const std::vector<std::int32_t> kHaiku = {151644, 872, 198, 7985, 264, 6386, 38242, 151645, 198, 151644, 77091, 198};

std::vector<std::int32_t> image_prompt(const model::InternVLModel& m, int tiles) {
  std::vector<std::int32_t> ids = {151644, 872, 198, 151665};
  ids.insert(ids.end(), static_cast<std::size_t>(tiles * m.config().tokens_per_tile()), m.config().image_token_id);
  for (std::int32_t t : {151666, 198, 74785, 419, 2168, 13, 151645, 198, 151644, 77091, 198}) ids.push_back(t);
  return ids;
}

runtime::PromptInput one_image_row(const model::InternVLModel& m) {
  runtime::PromptInput r;
  r.pixel_values = normalize_u8_tiles(load_golden_npz("goldens/image_processor/small_600x300__default.npz")["pixels_u8"]);
  r.ids = image_prompt(m, 3);
  return r;
}

TEST(Generate, BatchedRowsEqualSingleRuns) {
  const auto& m = fixture_model("tiny-internvl3-qwen2");
  std::vector<runtime::PromptInput> rows(2);
  rows[0].ids = kHaiku;
  rows[1] = one_image_row(m);
  runtime::GenerateParams p;
  p.max_new_tokens = 8;
  p.top_logprobs = 5;
  auto batch = runtime::generate(m, rows, p);
  ASSERT_TRUE(batch.ok()) << batch.status().to_string();
  for (std::size_t r = 0; r < rows.size(); ++r) {
    auto single = runtime::generate(m, {rows[r]}, p);
    ASSERT_TRUE(single.ok());
    EXPECT_EQ((*batch)[r].tokens, (*single)[0].tokens) << "row " << r;
    for (std::size_t s = 0; s < (*single)[0].steps.size(); ++s) {
      const auto& a = (*batch)[r].steps[s].top;
      const auto& b = (*single)[0].steps[s].top;
      for (std::size_t j = 0; j < a.size(); ++j) {
        EXPECT_EQ(a[j].first, b[j].first);
        EXPECT_NEAR(a[j].second, b[j].second, 1e-4) << "row " << r << " step " << s;
      }
    }
  }
}

TEST(Generate, FixedSeedReproducesAndGreedyLimitsHold) {
  const auto& m = fixture_model("tiny-internvl35-qwen3");
  runtime::PromptInput row;
  row.ids = kHaiku;
  runtime::GenerateParams p;
  p.max_new_tokens = 10;
  p.sampling.do_sample = true;
  p.sampling.temperature = 1.5f;
  p.sampling.seed = 1234;
  auto a = runtime::generate(m, {row}, p);
  auto b = runtime::generate(m, {row}, p);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ((*a)[0].tokens, (*b)[0].tokens);
  p.sampling.seed = 99;
  auto c = runtime::generate(m, {row}, p);
  ASSERT_TRUE(c.ok());
  EXPECT_NE((*a)[0].tokens, (*c)[0].tokens);
  // top_k = 1 and top_p -> 0 reproduce greedy decoding.
  runtime::GenerateParams g;
  g.max_new_tokens = 10;
  auto greedy = runtime::generate(m, {row}, g);
  ASSERT_TRUE(greedy.ok());
  runtime::GenerateParams k1 = p;
  k1.sampling.top_k = 1;
  EXPECT_EQ((*runtime::generate(m, {row}, k1))[0].tokens, (*greedy)[0].tokens);
  runtime::GenerateParams p0 = p;
  p0.sampling.top_k = 0;
  p0.sampling.top_p = 1e-9f;
  EXPECT_EQ((*runtime::generate(m, {row}, p0))[0].tokens, (*greedy)[0].tokens);
}

// 20,000 one-step samples follow softmax(logits / T) restricted by top-k / top-p.
TEST(Generate, SampledFrequenciesMatchTheWarpedDistribution) {
  const auto& m = fixture_model("tiny-internvl3-qwen2");
  runtime::ForwardInput f;
  f.input_ids = {kHaiku};
  f.logits_to_keep = 1;
  auto out = runtime::forward(m, f);
  ASSERT_TRUE(out.ok());
  const std::int64_t v = out->logits[0].dim(1);
  const float* logits = out->logits[0].data<float>();
  runtime::SamplingParams p;
  p.do_sample = true;
  p.temperature = 0.7f;
  p.top_k = 40;
  p.top_p = 0.9f;
  // Expected distribution from the definitions, computed independently of apply_warpers.
  std::vector<std::pair<float, std::int32_t>> sorted;
  for (std::int64_t i = 0; i < v; ++i) sorted.emplace_back(logits[i] / p.temperature, static_cast<std::int32_t>(i));
  std::sort(sorted.begin(), sorted.end(), [](auto a, auto b) { return a.first > b.first; });
  sorted.resize(static_cast<std::size_t>(p.top_k));
  double z = 0;
  for (auto& [l, id] : sorted) z += std::exp(l - sorted[0].first);
  std::map<std::int32_t, double> expected;
  double cum = 0;
  for (auto& [l, id] : sorted) {  // descending: keep while the mass before this token < top_p
    if (cum >= p.top_p) break;
    double prob = std::exp(l - sorted[0].first) / z;
    expected[id] = prob;
    cum += prob;
  }
  double kept = 0;
  for (auto& [id, prob] : expected) kept += prob;
  const int n = 20000;
  std::map<std::int32_t, int> counts;
  runtime::Rng rng(7);
  std::vector<float> work(static_cast<std::size_t>(v));
  for (int i = 0; i < n; ++i) {
    std::copy(logits, logits + v, work.begin());
    std::int32_t t = runtime::select_token(work.data(), v, {}, p, rng);
    ASSERT_TRUE(expected.count(t)) << "sampled token " << t << " outside the top-k/top-p set";
    ++counts[t];
  }
  double stat = 0, small_obs = 0, small_exp = 0;
  int bins = 0;
  for (auto& [id, prob] : expected) {
    double e = n * prob / kept;
    double o = counts[id];
    if (e < 5) {  // pool sparse categories so the chi-square approximation holds
      small_obs += o;
      small_exp += e;
      continue;
    }
    stat += (o - e) * (o - e) / e;
    ++bins;
  }
  if (small_exp > 0) {
    stat += (small_obs - small_exp) * (small_obs - small_exp) / small_exp;
    ++bins;
  }
  double pval = chi_square_p(stat, bins - 1);
  std::printf("[ sampling ] %zu kept tokens, chi2 = %.2f over %d bins, p = %.4f\n", expected.size(), stat, bins, pval);
  EXPECT_GT(pval, 0.001);
}

TEST(Generate, ContextLimitAndInputErrors) {
  const auto& m = fixture_model("tiny-internvl3-hub-layout");  // 512 positions, dynamic factor 2
  EXPECT_EQ(m.context_limit(), 1024);
  runtime::PromptInput row;
  row.ids.assign(1000, 1000);
  runtime::GenerateParams p;
  p.max_new_tokens = 50;
  auto r = runtime::generate(m, {row}, p);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kOutOfRange);
  EXPECT_NE(r.status().message().find("context limit of 1024"), std::string::npos) << r.status().message();
  p.context_limit = 100;
  row.ids.assign(80, 1000);
  EXPECT_EQ(runtime::generate(m, {row}, p).status().code(), StatusCode::kOutOfRange);

  runtime::GenerateParams ok;
  ok.max_new_tokens = 1;
  row.ids = {151644, 151674};  // <video> is outside InternVL3's embedding table
  auto oov = runtime::generate(m, {row}, ok);
  ASSERT_FALSE(oov.ok());
  EXPECT_NE(oov.status().message().find("151674"), std::string::npos);
  row.ids = image_prompt(m, 1);  // image tokens without pixels
  auto mismatch = runtime::generate(m, {row}, ok);
  ASSERT_FALSE(mismatch.ok());
  EXPECT_NE(mismatch.status().message().find("do not match"), std::string::npos);
  row.ids.clear();
  EXPECT_FALSE(runtime::generate(m, {row}, ok).ok());
  runtime::ForwardInput f;
  f.input_ids = {std::vector<std::int32_t>(1100, 1000)};
  EXPECT_EQ(runtime::forward(m, f).status().code(), StatusCode::kOutOfRange);
}

TEST(Generate, StopsAtEosAndCallbackCanStop) {
  const auto& m = fixture_model("tiny-internvl3-qwen2");
  runtime::PromptInput row;
  row.ids = kHaiku;
  runtime::GenerateParams g;
  g.max_new_tokens = 6;
  auto free_run = runtime::generate(m, {row}, g);
  ASSERT_TRUE(free_run.ok());
  g.eos_ids = {(*free_run)[0].tokens[2]};  // pretend the third token is EOS
  auto stopped = runtime::generate(m, {row}, g);
  ASSERT_TRUE(stopped.ok());
  EXPECT_EQ((*stopped)[0].tokens.size(), 3u);
  EXPECT_EQ((*stopped)[0].finish, runtime::FinishReason::kEos);
  g.min_new_tokens = 6;  // EOS suppressed until 6 tokens
  auto forced = runtime::generate(m, {row}, g);
  EXPECT_EQ((*forced)[0].tokens.size(), 6u);
  runtime::GenerateParams cb;
  cb.max_new_tokens = 6;
  auto cut = runtime::generate(m, {row}, cb, [](const runtime::StepEvent& ev) { return ev.step < 1; });
  ASSERT_TRUE(cut.ok());
  EXPECT_EQ((*cut)[0].tokens.size(), 2u);
  EXPECT_EQ((*cut)[0].finish, runtime::FinishReason::kStopped);
}

}  // namespace
}  // namespace internvl::test
