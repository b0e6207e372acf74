// Filter weights of torch's antialiased bicubic resize, in the precisions torch uses.
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "core/check.h"
#include "preprocess/resize.h"

namespace internvl::preprocess {
namespace {

// Keys cubic, a = -0.5 (HelperInterpCubic::aa_filter with cubic_convolution1/2 of UpSample.h),
// with the fused multiply-adds the FMA-contracted reference build performs.
template <typename T>
T keys_cubic(T x) {
  constexpr T a = static_cast<T>(-0.5);
  x = std::abs(x);
  if (x < T(1)) {
    // ((a + 2) * x - (a + 3)) * x * x + 1
    const T t = std::fma(a + T(2), x, -(a + T(3)));
    return std::fma(t * x, x, T(1));
  }
  if (x < T(2)) {
    // ((a * x - 5a) * x + 8a) * x - 4a
    T t = std::fma(a, x, -(T(5) * a));
    t = std::fma(t, x, T(8) * a);
    return std::fma(t, x, -(T(4) * a));
  }
  return T(0);
}

// HelperInterpBase::_compute_index_ranges_weights + _compute_indices_min_size_weights_aa,
// with T = double (uint8 input) or float (float input). `first`/`count` are the torch ranges;
// the caller moves them to fixed-width windows.
template <typename T>
struct TorchRanges {
  int taps = 0;  // max_interp_size
  std::vector<int> first, count;
  std::vector<T> weights;  // [out, taps]
  T max_weight = 0;
};

template <typename T>
TorchRanges<T> torch_ranges(int in_size, int out_size) {
  INTERNVL_CHECK(in_size > 0 && out_size > 0, "resize ", in_size, " -> ", out_size);
  // area_pixel_compute_scale<T>: static_cast<T>(in) / out (no scale factor is passed).
  const T scale = static_cast<T>(in_size) / static_cast<T>(out_size);
  // (interp_size * 0.5) * scale with interp_size 4, evaluated in double.
  const T support = scale >= 1.0 ? static_cast<T>(2.0 * static_cast<double>(scale)) : T(2);
  const int taps = static_cast<int>(std::ceil(support)) * 2 + 1;
  const T invscale = scale >= 1.0 ? static_cast<T>(1.0 / static_cast<double>(scale)) : T(1);

  TorchRanges<T> r;
  r.taps = taps;
  r.first.resize(out_size);
  r.count.resize(out_size);
  r.weights.assign(static_cast<std::size_t>(out_size) * taps, T(0));
  for (int i = 0; i < out_size; ++i) {
    const T center = static_cast<T>(static_cast<double>(scale) * (i + 0.5));
    const std::int64_t xmin =
        std::max<std::int64_t>(static_cast<std::int64_t>(center - support + 0.5), 0);
    std::int64_t xsize =
        std::min<std::int64_t>(static_cast<std::int64_t>(center + support + 0.5), in_size) - xmin;
    xsize = std::clamp<std::int64_t>(xsize, 0, taps);
    T* w = r.weights.data() + static_cast<std::size_t>(i) * taps;
    T total = 0;
    for (std::int64_t j = 0; j < xsize; ++j) {
      // (j + xmin - center + 0.5) * invscale: int64 - T in T, then double, then back to T.
      const T d = static_cast<T>(j + xmin) - center;
      const T x = static_cast<T>((static_cast<double>(d) + 0.5) * static_cast<double>(invscale));
      w[j] = keys_cubic<T>(x);
      total += w[j];
    }
    if (total != T(0)) {
      for (std::int64_t j = 0; j < xsize; ++j) {
        w[j] /= total;
        r.max_weight = std::max(r.max_weight, w[j]);
      }
    }
    r.first[i] = static_cast<int>(xmin);
    r.count[i] = static_cast<int>(xsize);
  }
  return r;
}

// Moves each window to [first, first + taps) inside the input (or [0, in) when the input is
// shorter than taps), shifting its weights; zero weights fill the rest.
template <typename T, typename W>
ResizeAxis<W> fixed_windows(const TorchRanges<T>& r, int in_size, int out_size,
                            W (*convert)(T, int), int precision) {
  ResizeAxis<W> ax;
  ax.in_size = in_size;
  ax.out_size = out_size;
  ax.taps = std::min(r.taps, in_size);
  ax.precision = precision;
  ax.first.resize(out_size);
  ax.weights.assign(static_cast<std::size_t>(out_size) * ax.taps, W(0));
  for (int i = 0; i < out_size; ++i) {
    const int first = std::min(r.first[i], in_size - ax.taps);
    const int shift = r.first[i] - first;
    INTERNVL_CHECK(shift >= 0 && shift + r.count[i] <= ax.taps, "resize window ", i);
    const T* src = r.weights.data() + static_cast<std::size_t>(i) * r.taps;
    W* dst = ax.weights.data() + static_cast<std::size_t>(i) * ax.taps;
    for (int j = 0; j < r.count[i]; ++j) dst[shift + j] = convert(src[j], precision);
    ax.first[i] = first;
  }
  return ax;
}

double keep_f64(double w, int) { return w; }
float keep_f32(float w, int) { return w; }

// _compute_index_ranges_int16_weights: round half away from zero of w * 2^precision.
std::int16_t to_i16(double w, int precision) {
  const double v = w * static_cast<double>(1 << precision);
  return static_cast<std::int16_t>(v < 0 ? static_cast<int>(-0.5 + v) : static_cast<int>(0.5 + v));
}

}  // namespace

ResizeAxis<double> resize_axis_f64(int in_size, int out_size) {
  return fixed_windows(torch_ranges<double>(in_size, out_size), in_size, out_size, &keep_f64, 0);
}

ResizeAxis<float> resize_axis_f32(int in_size, int out_size) {
  return fixed_windows(torch_ranges<float>(in_size, out_size), in_size, out_size, &keep_f32, 0);
}

ResizeAxis<std::int16_t> resize_axis_i16(int in_size, int out_size) {
  const TorchRanges<double> r = torch_ranges<double>(in_size, out_size);
  // The largest precision (< 22 fractional bits) at which the biggest weight still fits in int16.
  int precision = 0;
  for (precision = 0; precision < 22; ++precision) {
    const int next = static_cast<int>(0.5 + r.max_weight * (1 << (precision + 1)));
    if (next >= (1 << 15)) break;
  }
  INTERNVL_CHECK(precision > 0, "int16 resize weights without precision");
  return fixed_windows(r, in_size, out_size, &to_i16, precision);
}

}  // namespace internvl::preprocess
