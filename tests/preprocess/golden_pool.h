// The `pooled14` view of the goldens: float32 pixel_values averaged over 14x14 blocks.
#pragma once

#include <cmath>
#include <cstdint>

#include "core/tensor.h"

namespace internvl::test {

/// f32 [n, 3, 448, 448] -> f32 [n, 3, 32, 32], each the mean of a 14x14 block (in double).
inline Tensor pool14(const Tensor& px) {
  const std::int64_t n = px.dim(0), c = px.dim(1), h = px.dim(2), w = px.dim(3);
  const std::int64_t ph = h / 14, pw = w / 14;
  Tensor out = Tensor::empty(DType::kF32, {n, c, ph, pw});
  const float* src = px.data<float>();
  float* dst = out.data<float>();
  for (std::int64_t p = 0; p < n * c; ++p)
    for (std::int64_t by = 0; by < ph; ++by)
      for (std::int64_t bx = 0; bx < pw; ++bx) {
        double sum = 0;
        for (int y = 0; y < 14; ++y)
          for (int x = 0; x < 14; ++x) sum += src[(p * h + by * 14 + y) * w + bx * 14 + x];
        dst[(p * ph + by) * pw + bx] = static_cast<float>(sum / 196.0);
      }
  return out;
}

struct PoolDiff {
  std::int64_t over = 0;  // entries beyond atol + rtol * |ref|
  double max_abs = 0;
  std::int64_t worst = -1;
  double ref_at_worst = 0;
};

/// Counts entries with |a - ref| > atol + rtol * |ref| and reports the largest difference.
inline PoolDiff compare_pooled(const float* a, const float* ref, std::int64_t n, double atol,
                               double rtol) {
  PoolDiff d;
  for (std::int64_t i = 0; i < n; ++i) {
    const double diff = std::fabs(static_cast<double>(a[i]) - ref[i]);
    if (!(diff <= atol + rtol * std::fabs(static_cast<double>(ref[i])))) ++d.over;
    if (!(diff <= d.max_abs)) {
      d.max_abs = std::isnan(diff) ? INFINITY : diff;
      d.worst = i;
      d.ref_at_worst = ref[i];
    }
  }
  return d;
}

}  // namespace internvl::test
