// InternViT: patch embedding, CLS + (interpolated) absolute positions, pre-norm encoder layers
// with layer scale. Tiles are independent; the batch dimension is n_tiles.
#pragma once

#include <vector>

#include "core/tensor.h"
#include "io/model_config.h"
#include "kernels/matmul.h"
#include "model/weights.h"

namespace internvl::model {

struct VisionRunOptions {
  /// Number of encoder layers to run (-1 = all). Feature layers before the last need fewer.
  int n_layers = -1;
  /// When set, receives hidden_states[0..n]: embeddings, then each layer's output (reference order).
  std::vector<Tensor>* hidden_states = nullptr;
  /// Apply the final layernorm (only exists when use_mean_pooling is false).
  bool final_norm = true;
  /// Arithmetic of the matrix products and attention (kernels/matmul.h).
  kernels::Compute compute = kernels::Compute::kF32;
};

/// pixels [n_tiles, C, H, W] (H, W multiples of the patch size) -> [n_tiles, 1 + n_patches, D].
Tensor vision_forward(const io::VisionConfig& config, const VisionWeights& w, const Tensor& pixels,
                      const VisionRunOptions& options = {});

/// The embedding stage alone (patches + CLS + positions): [n_tiles, 1 + n_patches, D].
Tensor vision_embeddings(const io::VisionConfig& config, const VisionWeights& w, const Tensor& pixels,
                         kernels::Compute compute = kernels::Compute::kF32);

/// Position embeddings for an (H/ph) x (W/pw) patch grid: the stored table, or its bicubic
/// resize (PyTorch bicubic, A = -0.75, align_corners=False) when the grid differs. [1 + gh*gw, D].
std::vector<float> vision_position_embeddings(const io::VisionConfig& config, const VisionWeights& w,
                                              int grid_h, int grid_w);

}  // namespace internvl::model
