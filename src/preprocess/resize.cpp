// Separable antialiased bicubic passes on interleaved RGB ([height, width, 3]) pixels.
#include "preprocess/resize.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "core/check.h"
#include "preprocess/resize_kernels.h"

namespace internvl::preprocess {
namespace {

constexpr int kChannels = 3;

// ---- uint8: int16 weights, int32 sums (basic_loop_aa_horizontal/vertical<uint8_t>) ----

// src [in_rows, row_len] -> dst [out_rows, row_len]: each output row is a weighted sum of
// `taps` input rows (basic_loop_aa_vertical<uint8_t>).
void vertical_u8(const std::uint8_t* src, std::size_t row_len, const ResizeAxis<std::int16_t>& ax,
                 std::uint8_t* dst) {
  for (int oy = 0; oy < ax.out_size; ++oy) {
    kernels::combine_rows_u8(src + static_cast<std::size_t>(ax.first[oy]) * row_len, row_len,
                             ax.weights.data() + static_cast<std::size_t>(oy) * ax.taps, ax.taps,
                             ax.precision, dst + static_cast<std::size_t>(oy) * row_len);
  }
}

// basic_loop_aa_horizontal<uint8_t> over a transposed image: `columns` [in_w, height, 3] ->
// dst [height, out_w, 3]. Filtering columns is a vertical pass over the transposed rows.
void horizontal_u8(const std::uint8_t* columns, int height, const ResizeAxis<std::int16_t>& ax,
                   std::uint8_t* dst) {
  const std::size_t col_len = static_cast<std::size_t>(height) * kChannels;
  // Uninitialized on purpose: std::vector would zero-fill megabytes that are overwritten at once.
  std::unique_ptr<std::uint8_t[]> out_columns(
      new std::uint8_t[static_cast<std::size_t>(ax.out_size) * col_len]);  // [out_w, height, 3]
  vertical_u8(columns, col_len, ax, out_columns.get());
  kernels::transpose_rgb8(out_columns.get(), ax.out_size, height, dst);
}

// ---- 16-bit: float32 weights and sums, then a wrapping cast to uint16 ----

// Fused like the reference build: out = w0 * p0, then out = fma(p_j, w_j, out).
template <std::size_t kStride>
inline float dot_f32(const float* p, const float* w, int taps) {
  float acc = p[0] * w[0];
  for (int j = 1; j < taps; ++j) acc = std::fma(p[j * kStride], w[j], acc);
  return acc;
}

// src [height, in_w, 3] -> dst [height, out_w, 3].
void horizontal_f32(const float* src, int height, const ResizeAxis<float>& ax, float* dst) {
  for (int y = 0; y < height; ++y) {
    const float* row = src + static_cast<std::size_t>(y) * ax.in_size * kChannels;
    float* out = dst + static_cast<std::size_t>(y) * ax.out_size * kChannels;
    for (int ox = 0; ox < ax.out_size; ++ox) {
      const float* p = row + static_cast<std::size_t>(ax.first[ox]) * kChannels;
      const float* w = ax.weights.data() + static_cast<std::size_t>(ox) * ax.taps;
      for (int c = 0; c < kChannels; ++c) out[3 * ox + c] = dot_f32<kChannels>(p + c, w, ax.taps);
    }
  }
}

// src [in_rows, row_len] -> dst [out_rows, row_len].
void vertical_f32(const float* src, std::size_t row_len, const ResizeAxis<float>& ax, float* dst) {
  for (int oy = 0; oy < ax.out_size; ++oy) {
    const float* w = ax.weights.data() + static_cast<std::size_t>(oy) * ax.taps;
    const float* rows = src + static_cast<std::size_t>(ax.first[oy]) * row_len;
    float* out = dst + static_cast<std::size_t>(oy) * row_len;
    for (std::size_t k = 0; k < row_len; ++k) out[k] = rows[k] * w[0];
    for (int j = 1; j < ax.taps; ++j) {
      const float* r = rows + j * row_len;
      for (std::size_t k = 0; k < row_len; ++k) out[k] = std::fma(r[k], w[j], out[k]);
    }
  }
}

// torch's float -> uint16 cast truncates toward zero and keeps the low 16 bits (x86 cvttss2si).
inline std::uint16_t wrap_u16(float v) {
  return static_cast<std::uint16_t>(static_cast<std::int64_t>(v) & 0xFFFF);
}

Image resize_u16(const Image& image, int out_w, int out_h) {
  const bool need_h = out_w != image.width;
  const bool need_v = out_h != image.height;
  std::vector<float> cur(image.rgb16.begin(), image.rgb16.end());  // [height, width, 3]
  if (need_h) {
    const auto ax = resize_axis_f32(image.width, out_w);
    std::vector<float> next(static_cast<std::size_t>(image.height) * out_w * kChannels);
    horizontal_f32(cur.data(), image.height, ax, next.data());
    cur.swap(next);
  }
  if (need_v) {
    const auto ax = resize_axis_f32(image.height, out_h);
    std::vector<float> next(static_cast<std::size_t>(out_h) * out_w * kChannels);
    vertical_f32(cur.data(), static_cast<std::size_t>(out_w) * kChannels, ax, next.data());
    cur.swap(next);
  }
  Image out;
  out.width = out_w;
  out.height = out_h;
  out.bit_depth = 16;
  out.rgb16.resize(cur.size());
  std::transform(cur.begin(), cur.end(), out.rgb16.begin(), wrap_u16);
  return out;
}

}  // namespace

bool image_is_consistent(const Image& image) {
  if (image.empty()) return false;
  const std::size_t n = static_cast<std::size_t>(image.width) * image.height * kChannels;
  if (image.bit_depth == 8) return image.rgb8.size() == n;
  if (image.bit_depth == 16) return image.rgb16.size() == n;
  return false;
}

ImageResizer::ImageResizer(const Image& image) : image_(image) {
  INTERNVL_CHECK(image_is_consistent(image), "resize of an inconsistent image ", image.width, "x",
                 image.height, " bit_depth ", image.bit_depth);
}

Image ImageResizer::resize(int out_width, int out_height) {
  INTERNVL_CHECK(out_width > 0 && out_height > 0, "resize to ", out_width, "x", out_height);
  const Image& in = image_;
  if (out_width == in.width && out_height == in.height) return in;
  if (in.bit_depth == 16) return resize_u16(in, out_width, out_height);

  // Horizontal pass first into a uint8 intermediate, then vertical; unchanged axes are skipped.
  const bool need_h = out_width != in.width;
  const bool need_v = out_height != in.height;
  Image out;
  out.width = out_width;
  out.height = out_height;
  out.rgb8.resize(static_cast<std::size_t>(out_width) * out_height * kChannels);
  const std::uint8_t* src = in.rgb8.data();
  std::unique_ptr<std::uint8_t[]> tmp;  // [in.height, out_width, 3] when both passes run
  if (need_h) {
    if (!columns_) {
      columns_.reset(new std::uint8_t[in.rgb8.size()]);  // [in.width, in.height, 3]
      kernels::transpose_rgb8(in.rgb8.data(), in.height, in.width, columns_.get());
    }
    std::uint8_t* dst = out.rgb8.data();
    if (need_v) {
      tmp.reset(new std::uint8_t[static_cast<std::size_t>(in.height) * out_width * kChannels]);
      dst = tmp.get();
    }
    horizontal_u8(columns_.get(), in.height, resize_axis_i16(in.width, out_width), dst);
    src = dst;
  }
  if (need_v) {
    vertical_u8(src, static_cast<std::size_t>(out_width) * kChannels,
                resize_axis_i16(in.height, out_height), out.rgb8.data());
  }
  return out;
}

Image resize_bicubic_aa(const Image& image, int out_width, int out_height) {
  return ImageResizer(image).resize(out_width, out_height);
}

}  // namespace internvl::preprocess
