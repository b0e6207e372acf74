// Logits processors and sampling against their reference definitions.
#include "runtime/sampler.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

namespace internvl::runtime {
namespace {

std::vector<float> random_logits(std::int64_t n, std::uint64_t seed) {
  std::mt19937_64 g(seed);
  std::normal_distribution<float> d(0.0f, 3.0f);
  std::vector<float> v(static_cast<std::size_t>(n));
  for (auto& x : v) x = d(g);
  return v;
}

TEST(Sampler, RepetitionPenaltyDividesPositiveAndMultipliesNegative) {
  std::vector<float> l = {2.0f, -2.0f, 1.0f, 4.0f};
  apply_repetition_penalty(l.data(), 4, {0, 1, 1, 7, -3}, 2.0f);  // duplicates and out-of-range ignored
  EXPECT_FLOAT_EQ(l[0], 1.0f);
  EXPECT_FLOAT_EQ(l[1], -4.0f);
  EXPECT_FLOAT_EQ(l[2], 1.0f);
  EXPECT_FLOAT_EQ(l[3], 4.0f);
}

TEST(Sampler, TopKKeepsTiesAtTheKthValue) {
  std::vector<float> l = {1, 5, 3, 5, 3, 0};
  SamplingParams p;
  p.top_k = 3;
  p.top_p = 1.0f;
  apply_warpers(l.data(), 6, p);
  const float ninf = -std::numeric_limits<float>::infinity();
  EXPECT_EQ(l, (std::vector<float>{ninf, 5, 3, 5, 3, ninf}));
}

TEST(Sampler, TopPRemovesTheLowMassPrefix) {
  // probs ~ [0.643, 0.237, 0.087, 0.032]: top_p 0.8 keeps the first two.
  std::vector<float> l = {3, 2, 1, 0};
  SamplingParams p;
  p.top_k = 0;
  p.top_p = 0.8f;
  apply_warpers(l.data(), 4, p);
  EXPECT_EQ(l[0], 3);
  EXPECT_EQ(l[1], 2);
  EXPECT_TRUE(std::isinf(l[2]) && std::isinf(l[3]));
}

TEST(Sampler, TopK1AndTinyTopPAreGreedy) {
  for (std::uint64_t seed = 0; seed < 50; ++seed) {
    auto l = random_logits(1000, seed);
    std::int32_t greedy = argmax(l.data(), 1000);
    Rng rng(seed);
    SamplingParams k1;
    k1.do_sample = true;
    k1.top_k = 1;
    auto a = l;
    EXPECT_EQ(select_token(a.data(), 1000, {}, k1, rng), greedy);
    SamplingParams p0;
    p0.do_sample = true;
    p0.top_k = 0;
    p0.top_p = 1e-9f;
    auto b = l;
    EXPECT_EQ(select_token(b.data(), 1000, {}, p0, rng), greedy);
  }
}

TEST(Sampler, ArgmaxTakesTheFirstMaximum) {
  std::vector<float> l = {1, 7, 3, 7};
  EXPECT_EQ(argmax(l.data(), 4), 1);
}

TEST(Sampler, SameSeedSameDraws) {
  auto l = random_logits(500, 1);
  SamplingParams p;
  p.do_sample = true;
  p.temperature = 0.7f;
  Rng a(42), b(42), c(43);
  int differ = 0;
  for (int i = 0; i < 100; ++i) {
    auto x = l, y = l, z = l;
    std::int32_t ta = select_token(x.data(), 500, {}, p, a);
    EXPECT_EQ(ta, select_token(y.data(), 500, {}, p, b));
    differ += ta != select_token(z.data(), 500, {}, p, c);
  }
  EXPECT_GT(differ, 0);
}

}  // namespace
}  // namespace internvl::runtime
