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
  // Candidates: every finite entry, narrowed by top-k. Entries outside are (or become) -inf.
  std::vector<std::int32_t> cand;
  if (p.top_k > 0 && p.top_k < n) {
    // The k-th largest value via a size-k min-heap: one pass, no copy of the row.
    std::vector<float> heap;
    heap.reserve(static_cast<std::size_t>(p.top_k));
    for (std::int64_t i = 0; i < n; ++i) {
      if (static_cast<int>(heap.size()) < p.top_k) {
        heap.push_back(logits[i]);
        std::push_heap(heap.begin(), heap.end(), std::greater<float>());
      } else if (logits[i] > heap.front()) {
        std::pop_heap(heap.begin(), heap.end(), std::greater<float>());
        heap.back() = logits[i];
        std::push_heap(heap.begin(), heap.end(), std::greater<float>());
      }
    }
    const float kth = heap.front();
    for (std::int64_t i = 0; i < n; ++i) {
      if (logits[i] < kth) {
        logits[i] = kNegInf;
      } else {
        cand.push_back(static_cast<std::int32_t>(i));
      }
    }
  } else {
    cand.resize(static_cast<std::size_t>(n));
    std::iota(cand.begin(), cand.end(), 0);
  }
  if (p.top_p < 1.0f && !cand.empty()) {
    // The reference sorts the whole row ascending and removes the prefix whose cumulative
    // probability is <= 1 - top_p, always keeping the last (most likely) token. -inf entries have
    // zero probability, so sorting only the candidates gives the same set.
    std::stable_sort(cand.begin(), cand.end(), [&](std::int32_t a, std::int32_t b) { return logits[a] < logits[b]; });
    float mx = logits[cand.back()];
    double total = 0;
    for (std::int32_t i : cand) total += std::exp(static_cast<double>(logits[i]) - mx);
    double cum = 0;
    const double cut = 1.0 - p.top_p;
    for (std::size_t r = 0; r + 1 < cand.size(); ++r) {
      std::int32_t i = cand[r];
      cum += std::exp(static_cast<double>(logits[i]) - mx) / total;
      if (cum > cut) break;
      logits[i] = kNegInf;
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
  for (std::int64_t i = 0; i < n; ++i) {
    if (logits[i] != -std::numeric_limits<float>::infinity()) total += std::exp(static_cast<double>(logits[i]) - mx);
  }
  double u = rng.uniform() * total;
  double cum = 0;
  std::int64_t last = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    if (logits[i] == -std::numeric_limits<float>::infinity()) continue;
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
