#include "kernels/activation.h"

#include <cmath>

namespace internvl::kernels {

void gelu_erf(float* x, std::int64_t n) {
  constexpr float kInvSqrt2 = 0.70710678118654752440f;
#pragma omp parallel for schedule(static) if (n > 65536)
  for (std::int64_t i = 0; i < n; ++i) x[i] = 0.5f * x[i] * (1.0f + std::erf(x[i] * kInvSqrt2));
}

void silu_mul(const float* gate, const float* up, std::int64_t rows, std::int64_t d,
              std::int64_t in_stride, float* out) {
#pragma omp parallel for schedule(static) if (rows * d > 65536)
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* g = gate + r * in_stride;
    const float* u = up + r * in_stride;
    float* o = out + r * d;
    for (std::int64_t i = 0; i < d; ++i) o[i] = g[i] / (1.0f + std::exp(-g[i])) * u[i];
  }
}

void scale_add(const float* x, const float* scale, std::int64_t rows, std::int64_t d, float* residual) {
#pragma omp parallel for schedule(static) if (rows * d > 65536)
  for (std::int64_t r = 0; r < rows; ++r) {
    for (std::int64_t i = 0; i < d; ++i) residual[r * d + i] += x[r * d + i] * scale[i];
  }
}

void add_inplace(const float* x, std::int64_t n, float* residual) {
#pragma omp parallel for schedule(static) if (n > 65536)
  for (std::int64_t i = 0; i < n; ++i) residual[i] += x[i];
}

}  // namespace internvl::kernels
