// Rescale + normalize: integer tiles -> float32 pixel_values, with the reference's float32
// arithmetic (BaseImageProcessorFast.rescale_and_normalize).
//
// With do_rescale and do_normalize (every InternVL checkpoint) the reference fuses the two:
// mean and std become float32 tensors multiplied by float32(1 / rescale_factor), and
// torchvision's normalize computes (x - mean') / std' in float32, dividing (not multiplying
// by a reciprocal). The result equals (x/255 - mean)/std up to float32 rounding.
#pragma once

#include <array>

#include "core/tensor.h"
#include "preprocess/processor_config.h"

namespace internvl::preprocess {

/// pixel = ((x - sub[c]) / div[c]) * mul, every step rounded to float32.
struct NormalizeConstants {
  std::array<float, 3> sub = {0, 0, 0};
  std::array<float, 3> div = {1, 1, 1};
  float mul = 1;
};

/// The float32 constants the reference uses for these settings.
NormalizeConstants normalize_constants(const PixelConfig& cfg);

/// u8 or i32 tiles [n, 3, h, w] -> f32 pixel values [n, 3, h, w].
Tensor normalize_tiles(const Tensor& raw, const PixelConfig& cfg);

}  // namespace internvl::preprocess
