// InternVLForConditionalGeneration: vision tower + projector + Qwen2/Qwen3 decoder + lm_head.
// Immutable after load and shared; per-sequence state (KV caches, RoPE state) lives with callers.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "io/model_config.h"
#include "kernels/matmul.h"
#include "model/kv_cache.h"
#include "model/quantize.h"
#include "model/rope_state.h"
#include "model/text_decoder.h"
#include "model/weights.h"

namespace internvl::model {

/// quant and mmap (WeightLoadOptions) say how the weights are bound; compute how they are used.
struct LoadOptions : WeightLoadOptions {
  /// Arithmetic of the large products and attention; kF32 is exact (the parity tests' mode).
  kernels::Compute compute = kernels::Compute::kF32;
};

class InternVLModel {
 public:
  /// Reads config.json and binds the safetensors weights of a model directory.
  static Result<std::unique_ptr<InternVLModel>> load(const std::string& model_dir,
                                                     const LoadOptions& options = {});

  const io::ModelConfig& config() const { return config_; }
  /// The arithmetic used by every forward call (set before sharing the model between threads).
  kernels::Compute compute() const { return compute_; }
  void set_compute(kernels::Compute c) { compute_ = c; }
  /// The weight quantization in effect: kNone, or the format of the quantized matrices.
  QuantType quant() const;
  const ModelWeights& weights() const { return *weights_; }
  ModelWeights& mutable_weights() { return *weights_; }

  // ---- vision ----
  /// The vision model alone: last_hidden_state [n_tiles, 1 + n_patches, D]; when hidden_states
  /// is set it receives embeddings + every layer's output.
  Tensor vision_model(const Tensor& pixels, std::vector<Tensor>* hidden_states = nullptr) const;
  /// Projected image features [n_tiles, tokens_per_tile, H] from `feature_layer` (the config's
  /// vision_feature_layer when omitted). Tiles are encoded `tile_batch` at a time.
  Tensor image_features(const Tensor& pixels, std::optional<int> feature_layer = std::nullopt,
                        int tile_batch = 4) const;

  // ---- text ----
  /// Embedding rows for ids [n] -> [n, H]. Ids must be < vocab_size (see check_ids).
  Tensor embed(const std::int32_t* ids, std::int64_t n) const;
  /// An error naming the first id outside the embedding table.
  Status check_ids(const std::int32_t* ids, std::int64_t n) const;
  /// Overwrites the rows of `emb` whose id is image_token_id with `features` rows, in order.
  Status merge_image_features(const std::int32_t* ids, std::int64_t n, const Tensor& features,
                              Tensor& emb) const;
  /// Runs the decoder over a ragged batch (see text_decoder.h).
  void decode(const std::vector<DecoderSeq>& seqs, Tensor& x,
              std::vector<Tensor>* hidden_states = nullptr) const;
  /// logits [rows, V] = hidden [rows, H] · lm_headᵀ.
  Tensor logits(const float* hidden, std::int64_t rows) const;

  /// An empty cache: bf16 when attention rounds keys and values to bf16 in the current compute
  /// mode (kernels::attention_rounds_kv_to_bf16), else f32. Either format works in any mode.
  KvCache new_cache() const;
  RopeState new_rope_state() const { return RopeState(config_.text); }
  /// Longest sequence accepted: max_position_embeddings (times the factor for dynamic RoPE).
  std::int64_t context_limit() const;

 private:
  io::ModelConfig config_;
  std::unique_ptr<ModelWeights> weights_;
  kernels::Compute compute_ = kernels::Compute::kF32;
};

}  // namespace internvl::model
