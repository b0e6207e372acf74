// Next-token selection with the reference's logits processors, in its order:
// repetition penalty (over prompt and output), then temperature, top-k, top-p; then sample.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

namespace internvl::runtime {

struct SamplingParams {
  bool do_sample = false;
  float temperature = 1.0f;
  int top_k = 50;                  // 0 disables; the reference's GenerationConfig default is 50
  float top_p = 1.0f;              // 1 disables
  float repetition_penalty = 1.0f; // 1 disables
  std::uint64_t seed = 0;
};

/// A seedable random source (mt19937_64).
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : gen_(seed) {}
  /// Uniform in [0, 1).
  double uniform() { return std::uniform_real_distribution<double>(0.0, 1.0)(gen_); }

 private:
  std::mt19937_64 gen_;
};

/// Reference repetition penalty: for every distinct id in history, a positive logit is divided by
/// `penalty` and a negative one multiplied by it.
void apply_repetition_penalty(float* logits, std::int64_t n_vocab, const std::vector<std::int32_t>& history,
                              float penalty);

/// Temperature, top-k and top-p warpers (reference semantics: ties at the k-th value are kept;
/// top-p removes tokens whose ascending cumulative probability is <= 1 - top_p, keeping at least
/// one). Removed entries become -inf.
void apply_warpers(float* logits, std::int64_t n_vocab, const SamplingParams& p);

/// First index of the maximum (torch.argmax semantics).
std::int32_t argmax(const float* logits, std::int64_t n_vocab);

/// Draws from softmax(logits) by inverse CDF.
std::int32_t sample_categorical(const float* logits, std::int64_t n_vocab, Rng& rng);

/// Full selection for one row: penalty, then greedy argmax or warpers + sampling.
/// `logits` is modified in place.
std::int32_t select_token(float* logits, std::int64_t n_vocab, const std::vector<std::int32_t>& history,
                          const SamplingParams& p, Rng& rng);

}  // namespace internvl::runtime
