// config.json / generation_config.json of an InternVL checkpoint -> plain structs.
// Accepts the Transformers 4.5x format (rope_theta, rope_scaling, torch_dtype) and the 5.x format
// (rope_parameters, dtype); refuses, by name, options that change inference and that we do not
// implement.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/json.h"
#include "core/tensor.h"
#include "internvl/status.h"

namespace internvl::io {

enum class NormType { kLayerNorm, kRmsNorm };
enum class TextArch { kQwen2, kQwen3 };
enum class RopeType { kDefault, kDynamic, kLinear };

struct VisionConfig {
  int hidden_size = 1024;
  int num_layers = 24;
  int num_heads = 16;
  int intermediate_size = 4096;
  bool attention_bias = false;   // bias on q/k/v (the output projection always has one)
  bool use_qk_norm = false;      // RMSNorm over the full hidden size before the head split
  NormType norm_type = NormType::kLayerNorm;
  double norm_eps = 1e-6;
  int image_height = 448, image_width = 448;
  int patch_height = 14, patch_width = 14;
  int num_channels = 3;
  bool use_mean_pooling = true;  // true: no final layernorm
  int head_dim() const { return hidden_size / num_heads; }
  int num_patches() const { return (image_height / patch_height) * (image_width / patch_width); }
};

struct RopeConfig {
  RopeType type = RopeType::kDefault;
  double theta = 10000.0;
  double factor = 1.0;
};

struct TextConfig {
  TextArch arch = TextArch::kQwen2;
  std::string model_type = "qwen2";
  int hidden_size = 0;
  int num_layers = 0;
  int num_heads = 0;
  int num_kv_heads = 0;
  int head_dim = 0;
  int intermediate_size = 0;
  int vocab_size = 0;
  double rms_norm_eps = 1e-6;
  RopeConfig rope;
  int max_position_embeddings = 32768;
  bool qkv_bias = true;   // Qwen2: always; Qwen3: attention_bias
  bool o_bias = false;    // Qwen2: never; Qwen3: attention_bias
  bool qk_norm = false;   // Qwen3 per-head q/k RMSNorm
  bool tie_word_embeddings = false;
  std::vector<int> eos_token_ids;
  std::optional<int> bos_token_id;
  std::optional<int> pad_token_id;
};

struct ModelConfig {
  VisionConfig vision;
  TextConfig text;
  int image_token_id = 151667;
  int image_seq_length = 256;
  double downsample_ratio = 0.5;
  int vision_feature_layer = -1;
  bool tie_word_embeddings = true;  // top-level; the stored lm_head wins when present
  std::string dtype = "bfloat16";   // as declared (informational; stored tensors decide)
  std::string transformers_version;
  /// Projected tokens per tile: (image_size / patch * downsample_ratio)^2.
  int tokens_per_tile() const;
};

struct GenerationConfig {
  std::vector<int> eos_token_ids;
  std::optional<int> bos_token_id;
  std::optional<int> pad_token_id;
  bool do_sample = false;
  double temperature = 1.0;
  int top_k = 50;
  double top_p = 1.0;
  double repetition_penalty = 1.0;
  std::optional<int> max_new_tokens;
  std::optional<int> max_length;
};

/// Parses a config.json document; `what` names it in errors.
Result<ModelConfig> parse_model_config(const Json& j, std::string_view what);
/// Reads `<dir>/config.json`.
Result<ModelConfig> load_model_config(const std::string& dir);
/// Reads `<dir>/generation_config.json`, defaulting from the text config when absent.
Result<GenerationConfig> load_generation_config(const std::string& dir, const ModelConfig& model);

}  // namespace internvl::io
