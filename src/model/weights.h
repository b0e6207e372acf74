// Model weights bound from a checkpoint. Matrices stay in their stored format (memory-mapped);
// vectors (norms, biases, layer scales, embeddings of CLS/positions) are widened to f32 at load.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "io/model_config.h"
#include "io/safetensors.h"
#include "kernels/weight.h"
#include "model/quantize.h"

namespace internvl::model {

/// A Linear layer: y = x · Wᵀ + b.
struct Linear {
  kernels::WeightMatrix w;   // [n_out, n_in]
  std::vector<float> bias;   // [n_out] or empty
  std::shared_ptr<const void> owner;  // keeps converted/quantized storage alive when not mapped
  const float* bias_ptr() const { return bias.empty() ? nullptr : bias.data(); }
};

struct VisionLayerWeights {
  std::vector<float> norm1_w, norm1_b, norm2_w, norm2_b;  // [D]; biases empty for RMSNorm
  Linear q, k, v, o;                                      // [D, D]
  std::vector<float> q_norm, k_norm;                      // [D] when use_qk_norm
  Linear fc1;                                             // [I, D]
  Linear fc2;                                             // [D, I]
  std::vector<float> lambda1, lambda2;                    // [D]
};

struct VisionWeights {
  std::vector<float> cls;      // [D]
  std::vector<float> pos;      // [1 + n_patches, D]
  Linear patch;                // [D, C * ph * pw] (the conv kernel flattened)
  std::vector<VisionLayerWeights> layers;
  std::vector<float> final_norm_w, final_norm_b;  // [D] when !use_mean_pooling
};

struct ProjectorWeights {
  std::vector<float> norm_w, norm_b;  // [4D]
  Linear fc1;                         // [H, 4D]
  Linear fc2;                         // [H, H]
};

struct TextLayerWeights {
  std::vector<float> norm1, norm2;  // [H]
  Linear q, k, v, o;
  std::vector<float> q_norm, k_norm;  // [head_dim] (Qwen3)
  Linear gate, up, down;
};

struct TextWeights {
  kernels::WeightMatrix embed;  // [V, H]
  std::shared_ptr<const void> embed_owner;  // quantized storage of embed, when not mapped
  std::vector<TextLayerWeights> layers;
  std::vector<float> final_norm;  // [H]
  Linear lm_head;                 // [V, H]; the embedding table when tied
  bool lm_head_tied = false;
};

/// A block-quantized matrix and the name its source tensor has in the archive (for saving).
struct QuantizedTensor {
  std::string stored_name;  // e.g. "model.language_model.layers.0.mlp.up_proj.weight"
  kernels::WeightMatrix w;
};

struct ModelWeights {
  VisionWeights vision;
  ProjectorWeights projector;
  TextWeights text;
  io::SafetensorsArchive archive;  // owns the maps
  /// Every matrix held block-quantized: quantized on load or read quantized from the archive.
  std::vector<QuantizedTensor> quantized;
};

struct WeightLoadOptions {
  /// Eligible matrices are quantized while binding (their mapped bf16 pages are released again);
  /// a directory saved quantized loads as saved.
  QuantType quant = QuantType::kNone;
  /// false: matrices kept as stored are copied out of the file mapping into anonymous memory
  /// on 2 MiB pages (the mapping's pages are released); vectors are always copied.
  bool mmap = true;
};

/// Binds every tensor the config needs, checking names, shapes and dtypes; errors name the tensor.
/// Tensors stored quantized (U8 + "_scales", see quantized_save.h) are bound as they are.
Result<std::unique_ptr<ModelWeights>> load_weights(const std::string& model_dir,
                                                   const io::ModelConfig& config,
                                                   const WeightLoadOptions& options = {});

}  // namespace internvl::model
