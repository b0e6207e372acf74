// A full forward pass like the reference's model(**inputs): logits, hidden states, image hidden
// states and the causal-LM loss, for a padded batch with an attention mask.
#pragma once

#include <optional>
#include <vector>

#include "core/tensor.h"
#include "model/internvl_model.h"

namespace internvl::runtime {

struct ForwardInput {
  std::vector<std::vector<std::int32_t>> input_ids;       // [n_batch][seq_len] (rows equally long)
  std::vector<std::vector<std::int32_t>> attention_mask;  // same shape; empty = all ones
  Tensor pixel_values;                                    // f32 [n_tiles, 3, H, W], rows' tiles in order
  std::vector<std::vector<std::int32_t>> labels;          // optional, same shape; -100 = ignored
  std::int64_t logits_to_keep = 0;                        // 0: every position; k: the last k
  bool output_hidden_states = false;
  std::vector<std::int64_t> rope_replay;  // see GenerateParams::rope_replay
  std::int64_t context_limit = 0;         // see GenerateParams::context_limit
};

struct ForwardOutput {
  std::vector<Tensor> logits;  // per row [kept positions, n_vocab]; masked positions are zero
  std::optional<double> loss;  // mean token cross-entropy over labels != -100 (shifted inside)
  /// Per row, the reference's list: embeddings (after the image merge), each layer's output but
  /// the last, the final-normed output; each [seq_len, H] (masked positions zero).
  std::vector<std::vector<Tensor>> hidden_states;
  Tensor image_hidden_states;  // [n_tiles, tokens_per_tile, H] when pixel values were given
};

/// Positions come from the mask (cumsum - 1), as generate() derives them; masked tokens are
/// invisible to the others. Errors name the offending row/value.
Result<ForwardOutput> forward(const model::InternVLModel& m, const ForwardInput& in);

}  // namespace internvl::runtime
