// Antialiased bicubic resize, bit-exact with torchvision.transforms.v2.functional.resize
// (BICUBIC, antialias=True) on CPU, which is what the reference image and video processors call.
//
// torchvision hands uint8 images to torch's separable uint8 kernel: filter weights computed in
// double (Keys cubic a = -0.5, support scaled by the downscale factor, normalized per output),
// quantized to int16 at the largest precision at which the biggest weight fits, a horizontal pass
// first into a uint8 intermediate, then a vertical pass; each output is an int32 dot product plus
// half an LSB, shifted and clamped to [0, 255]. A pass whose size does not change is skipped,
// and an image whose size does not change is returned as is.
// Any other dtype (our 16-bit sources) is converted to float32, resized with float32 weights
// and accumulators, and converted back to uint16 by truncation, wrapping modulo 2^16 (torch's
// float->uint16 cast); no rounding or clamping.
// torch's kernels are built with FMA contraction (AVX2/AVX512 builds), which changes the last
// bit of float weights and sums; the 16-bit golden only matches when we fuse the same
// operations, so this code uses std::fma at exactly those places.
// ref: pytorch aten/src/ATen/native/cpu/UpSampleKernel.cpp (HelperInterpBase::
//      _compute_indices_min_size_weights_aa, _compute_index_ranges_int16_weights,
//      basic_loop_aa_horizontal/vertical, separable_upsample_generic_Nd_kernel_impl) and
//      torchvision/transforms/v2/functional/_geometry.py (resize_image).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "core/image.h"

namespace internvl::preprocess {

/// One axis of the resampling filter: output o reads inputs [first[o], first[o] + taps) with
/// weights[o * taps + j]. `first` is pulled back from the border so that every output reads
/// exactly `taps` inputs inside the image; the extra weights are zero, so sums are unchanged.
template <typename W>
struct ResizeAxis {
  int in_size = 0;
  int out_size = 0;
  int taps = 0;            // weights per output (row stride of `weights`)
  int precision = 0;       // fractional bits of int16 weights; 0 for floating weights
  std::vector<int> first;  // [out_size]
  std::vector<W> weights;  // [out_size, taps]
};

/// Double weights exactly as torch computes them for uint8 input (before quantization).
ResizeAxis<double> resize_axis_f64(int in_size, int out_size);

/// int16 fixed-point weights of the uint8 path.
ResizeAxis<std::int16_t> resize_axis_i16(int in_size, int out_size);

/// float32 weights exactly as torch computes them for float input (16-bit sources).
ResizeAxis<float> resize_axis_f32(int in_size, int out_size);

/// Resizes one image to several sizes (the tiling canvas and the thumbnail). Horizontal
/// passes run as vertical ones over a transposed copy of the image, which is made once.
class ImageResizer {
 public:
  /// `image` must be consistent (image_is_consistent) and outlive the resizer.
  explicit ImageResizer(const Image& image);

  /// Resizes to out_width x out_height with the reference's arithmetic for the image's bit depth
  /// (8-bit: uint8 int16 path; 16-bit: float32 path, result wrapped to uint16). Returns a copy
  /// when the size does not change.
  Image resize(int out_width, int out_height);

 private:
  const Image& image_;
  std::unique_ptr<std::uint8_t[]> columns_;  // 8-bit source transposed: [width, height, 3]
};

/// One-off ImageResizer(image).resize(out_width, out_height).
Image resize_bicubic_aa(const Image& image, int out_width, int out_height);

/// True when the image is non-empty, 8- or 16-bit, and its buffer matches its size.
bool image_is_consistent(const Image& image);

}  // namespace internvl::preprocess
