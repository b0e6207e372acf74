// RoPE inverse frequencies, including Transformers' "dynamic" (NTK) scaling and its state.
//
// The reference recomputes the frequencies inside each forward call from the largest position in
// that call (seq_len = max(position_ids) + 1): it grows them when seq_len exceeds the length it
// last computed them for, and resets them once a call is back under max_position_embeddings.
// Keys already cached are not re-rotated. The state therefore belongs to whatever the reference
// treats as one model instance: a generate() batch shares one RopeState.
#pragma once

#include <cstdint>
#include <vector>

#include "io/model_config.h"

namespace internvl::model {

class RopeState {
 public:
  explicit RopeState(const io::TextConfig& config);

  /// Applies the reference's update for one forward call whose largest position is seq_len - 1.
  void update(std::int64_t seq_len);
  /// [head_dim / 2] inverse frequencies to use for the current call.
  const std::vector<float>& inv_freq() const { return inv_freq_; }
  /// The sequence length the frequencies were last computed for.
  std::int64_t cached_len() const { return max_seq_len_cached_; }

 private:
  std::vector<float> compute(std::int64_t seq_len) const;

  io::RopeConfig rope_;
  int head_dim_;
  std::int64_t original_max_;
  std::int64_t max_seq_len_cached_;
  std::vector<float> original_inv_freq_;
  std::vector<float> inv_freq_;
};

}  // namespace internvl::model
