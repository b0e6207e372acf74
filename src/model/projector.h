// Vision features -> language-model embeddings: drop CLS, pixel shuffle, LayerNorm + MLP.
#pragma once

#include "core/tensor.h"
#include "io/model_config.h"
#include "kernels/matmul.h"
#include "model/weights.h"

namespace internvl::model {

/// [n_tiles, 1 + g*g, D] -> [n_tiles, g*r, g*r, D / r^2] (r = downsample ratio), CLS dropped.
/// Each output token concatenates its s x s block (s = 1/r) row by row: [top-left | top-right | ...].
Tensor pixel_shuffle(const Tensor& features, double downsample_ratio);

/// [n_tiles, T, D / r^2] -> [n_tiles, T, H]: LayerNorm (eps 1e-5), linear_1, exact GELU, linear_2.
Tensor project(const ProjectorWeights& w, const Tensor& shuffled,
               kernels::Compute compute = kernels::Compute::kF32);

}  // namespace internvl::model
