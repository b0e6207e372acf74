#include "kernels/norm.h"

#include <cmath>

namespace internvl::kernels {

// PyTorch reduces in f32 with pairwise/vectorized sums; we accumulate in double so the result is
// at least as accurate, which keeps us within the parity tolerances.
void rms_norm(const float* x, const float* w, float eps, std::int64_t rows, std::int64_t d, float* out) {
#pragma omp parallel for schedule(static) if (rows * d > 32768)
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * d;
    float* o = out + r * d;
    double ss = 0;
    for (std::int64_t i = 0; i < d; ++i) ss += static_cast<double>(xr[i]) * xr[i];
    float inv = 1.0f / std::sqrt(static_cast<float>(ss / static_cast<double>(d)) + eps);
    for (std::int64_t i = 0; i < d; ++i) o[i] = w[i] * (xr[i] * inv);
  }
}

void layer_norm(const float* x, const float* w, const float* b, float eps, std::int64_t rows,
                std::int64_t d, float* out) {
#pragma omp parallel for schedule(static) if (rows * d > 32768)
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * d;
    float* o = out + r * d;
    double sum = 0;
    for (std::int64_t i = 0; i < d; ++i) sum += xr[i];
    double mean = sum / static_cast<double>(d);
    double var = 0;
    for (std::int64_t i = 0; i < d; ++i) {
      double c = xr[i] - mean;
      var += c * c;
    }
    var /= static_cast<double>(d);
    float inv = static_cast<float>(1.0 / std::sqrt(var + eps));
    float m = static_cast<float>(mean);
    for (std::int64_t i = 0; i < d; ++i) o[i] = (xr[i] - m) * inv * w[i] + (b ? b[i] : 0.0f);
  }
}

namespace ref {

void rms_norm(const float* x, const float* w, float eps, std::int64_t rows, std::int64_t d, float* out) {
  for (std::int64_t r = 0; r < rows; ++r) {
    double ss = 0;
    for (std::int64_t i = 0; i < d; ++i) ss += static_cast<double>(x[r * d + i]) * x[r * d + i];
    double inv = 1.0 / std::sqrt(ss / static_cast<double>(d) + eps);
    for (std::int64_t i = 0; i < d; ++i) out[r * d + i] = static_cast<float>(w[i] * (x[r * d + i] * inv));
  }
}

void layer_norm(const float* x, const float* w, const float* b, float eps, std::int64_t rows,
                std::int64_t d, float* out) {
  for (std::int64_t r = 0; r < rows; ++r) {
    double mean = 0, var = 0;
    for (std::int64_t i = 0; i < d; ++i) mean += x[r * d + i];
    mean /= static_cast<double>(d);
    for (std::int64_t i = 0; i < d; ++i) var += (x[r * d + i] - mean) * (x[r * d + i] - mean);
    var /= static_cast<double>(d);
    for (std::int64_t i = 0; i < d; ++i) {
      out[r * d + i] = static_cast<float>((x[r * d + i] - mean) / std::sqrt(var + eps) * w[i] + (b ? b[i] : 0.0));
    }
  }
}

}  // namespace ref
}  // namespace internvl::kernels
