// The low-level API, shaped like Transformers' classes (InternVLVisionModel,
// InternVLForConditionalGeneration): tensors and token ids in, tensors and token ids out.
// For conversations, images and text use internvl::Engine (engine.h).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "internvl/status.h"
#include "internvl/tensor.h"

namespace internvl {

struct VisionModelOutput {
  Tensor last_hidden_state;            // [n_tiles, 1 + n_patches, D]
  std::vector<Tensor> hidden_states;   // embeddings, then each layer's output (when asked)
};

struct CausalLMInput {
  std::vector<std::vector<std::int32_t>> input_ids;       // [n_batch][seq_len]
  std::vector<std::vector<std::int32_t>> attention_mask;  // empty = all ones; left padding
  Tensor pixel_values;                                    // f32 [n_tiles, 3, 448, 448], rows' tiles in order
  std::vector<std::vector<std::int32_t>> labels;          // optional; -100 ignored; shifted inside
  std::int64_t logits_to_keep = 0;                        // 0 = all positions
  bool output_hidden_states = false;
};

struct CausalLMOutput {
  std::vector<Tensor> logits;                      // per row [kept positions, vocab]
  std::optional<double> loss;
  std::vector<std::vector<Tensor>> hidden_states;  // per row: embeddings ... final norm, [seq_len, H]
  Tensor image_hidden_states;                      // [n_tiles, 256, H]
};

struct GenerateConfig {
  int max_new_tokens = 20;
  int min_new_tokens = 0;
  bool do_sample = false;
  float temperature = 1.0f;
  int top_k = 50;
  float top_p = 1.0f;
  float repetition_penalty = 1.0f;
  std::uint64_t seed = 0;
  std::vector<std::int32_t> eos_token_ids;  // empty = the checkpoint's generation config
  int top_logprobs = 0;
};

struct GenerateOutput {
  std::vector<std::vector<std::int32_t>> sequences;  // generated ids per row
  /// Per row and step: (id, log-probability) of the top_logprobs best tokens.
  std::vector<std::vector<std::vector<std::pair<std::int32_t, float>>>> top_logprobs;
};

class InternVLForConditionalGeneration {
 public:
  /// Loads config.json and the safetensors weights of a checkpoint directory.
  static Result<std::unique_ptr<InternVLForConditionalGeneration>> from_pretrained(const std::string& model_dir);
  ~InternVLForConditionalGeneration();

  /// The vision tower alone (InternVLVisionModel): pixel_values [n, 3, H, W].
  Result<VisionModelOutput> vision_model(const Tensor& pixel_values, bool output_hidden_states = false) const;
  /// Projected image features [n_tiles, 256, H] (vision_feature_layer from the config unless given).
  Result<Tensor> get_image_features(const Tensor& pixel_values, std::optional<int> vision_feature_layer = std::nullopt) const;
  /// The full forward pass: logits, optional hidden states, the causal-LM loss with labels.
  Result<CausalLMOutput> forward(const CausalLMInput& input) const;
  /// Generation for a (left-padded) batch; rows equal the same prompts run alone.
  Result<GenerateOutput> generate(const CausalLMInput& input, const GenerateConfig& config) const;

  struct Impl;

 private:
  explicit InternVLForConditionalGeneration(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace internvl
