#include "runtime/sampler.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <unordered_set>

namespace internvl::runtime {

namespace {
constexpr float kNegInf = -std::numeric_limits<float>::infinity();
}

void apply_repetition_penalty(float* logits, std::int64_t n_vocab, const std::vector<std::int32_t>& history,
                              float penalty) {
  if (penalty == 1.0f) return;
  std::unordered_set<std::int32_t> seen;
  for (std::int32_t id : history) {
    if (id < 0 || id >= n_vocab || !seen.insert(id).second) continue;
    float& x = logits[id];
    x = x < 0 ? x * penalty : x / penalty;
  }
}

void apply_warpers(float* logits, std::int64_t n, const SamplingParams& p) {
  if (p.temperature != 1.0f) {
    for (std::int64_t i = 0; i < n; ++i) logits[i] /= p.temperature;
  }
  if (p.top_k > 0 && p.top_k < n) {
    std::vector<float> tmp(logits, logits + n);
    std::nth_element(tmp.begin(), tmp.begin() + (p.top_k - 1), tmp.end(), std::greater<float>());
    float kth = tmp[static_cast<std::size_t>(p.top_k - 1)];
    for (std::int64_t i = 0; i < n; ++i) {
      if (logits[i] < kth) logits[i] = kNegInf;
    }
  }
  if (p.top_p < 1.0f) {
    // Ascending order; stable so equal logits keep index order as torch.sort(stable=False)
    // would not guarantee anyway.
    std::vector<std::int32_t> idx(static_cast<std::size_t>(n));
    std::iota(idx.begin(), idx.end(), 0);
    std::stable_sort(idx.begin(), idx.end(), [&](std::int32_t a, std::int32_t b) { return logits[a] < logits[b]; });
    float mx = logits[idx.back()];
    double total = 0;
    for (std::int64_t i = 0; i < n; ++i) total += std::exp(static_cast<double>(logits[i]) - mx);
    double cum = 0;
    const double cut = 1.0 - p.top_p;
    for (std::int64_t r = 0; r + 1 < n; ++r) {  // the most likely token always stays
      std::int32_t i = idx[static_cast<std::size_t>(r)];
      cum += std::exp(static_cast<double>(logits[i]) - mx) / total;
      if (cum <= cut) {
        logits[i] = kNegInf;
      } else {
        break;
      }
    }
  }
}

std::int32_t argmax(const float* logits, std::int64_t n) {
  std::int64_t best = 0;
  for (std::int64_t i = 1; i < n; ++i) {
    if (logits[i] > logits[best]) best = i;
  }
  return static_cast<std::int32_t>(best);
}

std::int32_t sample_categorical(const float* logits, std::int64_t n, Rng& rng) {
  float mx = logits[argmax(logits, n)];
  double total = 0;
  for (std::int64_t i = 0; i < n; ++i) total += std::exp(static_cast<double>(logits[i]) - mx);
  double u = rng.uniform() * total;
  double cum = 0;
  std::int64_t last = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    double w = std::exp(static_cast<double>(logits[i]) - mx);
    if (w == 0) continue;
    last = i;
    cum += w;
    if (u < cum) return static_cast<std::int32_t>(i);
  }
  return static_cast<std::int32_t>(last);
}

std::int32_t select_token(float* logits, std::int64_t n, const std::vector<std::int32_t>& history,
                          const SamplingParams& p, Rng& rng) {
  apply_repetition_penalty(logits, n, history, p.repetition_penalty);
  if (!p.do_sample) return argmax(logits, n);
  apply_warpers(logits, n, p);
  return sample_categorical(logits, n, rng);
}

}  // namespace internvl::runtime
