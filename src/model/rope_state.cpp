#include "model/rope_state.h"

#include <cmath>

namespace internvl::model {

RopeState::RopeState(const io::TextConfig& config)
    : rope_(config.rope),
      head_dim_(config.head_dim),
      original_max_(config.max_position_embeddings),
      max_seq_len_cached_(config.max_position_embeddings) {
  original_inv_freq_ = compute(0);
  inv_freq_ = original_inv_freq_;
}

// Mirrors the reference arithmetic: the default base is a Python float; the dynamic base is
// computed from a tensor seq_len, i.e. in float32; then inv_freq = 1 / base ** (2i / dim) in f32.
std::vector<float> RopeState::compute(std::int64_t seq_len) const {
  const int dim = head_dim_;
  float base = static_cast<float>(rope_.theta);
  if (rope_.type == io::RopeType::kDynamic && seq_len > original_max_) {
    float factor = static_cast<float>(rope_.factor);
    float ratio = factor * static_cast<float>(seq_len) / static_cast<float>(original_max_) -
                  (factor - 1.0f);
    float scaled = std::pow(ratio, static_cast<float>(static_cast<double>(dim) / (dim - 2)));
    base = static_cast<float>(rope_.theta) * scaled;
  }
  std::vector<float> inv(static_cast<std::size_t>(dim / 2));
  for (int i = 0; i < dim / 2; ++i) {
    float expo = static_cast<float>(2 * i) / static_cast<float>(dim);
    inv[static_cast<std::size_t>(i)] = 1.0f / std::pow(base, expo);
    if (rope_.type == io::RopeType::kLinear) inv[static_cast<std::size_t>(i)] /= static_cast<float>(rope_.factor);
  }
  return inv;
}

void RopeState::update(std::int64_t seq_len) {
  if (rope_.type != io::RopeType::kDynamic) return;
  if (seq_len > max_seq_len_cached_) {  // growth
    inv_freq_ = compute(seq_len);
    max_seq_len_cached_ = seq_len;
  }
  if (seq_len < original_max_ && max_seq_len_cached_ > original_max_) {  // reset
    inv_freq_ = original_inv_freq_;
    max_seq_len_cached_ = original_max_;
  }
}

}  // namespace internvl::model
