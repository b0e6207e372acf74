#include "kernels/rope.h"

#include <cmath>

namespace internvl::kernels {

void rope_tables(const std::int64_t* positions, std::int64_t n_tokens, const float* inv_freq,
                 int half, float* cos_out, float* sin_out) {
#pragma omp parallel for schedule(static) if (n_tokens * half > 16384)
  for (std::int64_t t = 0; t < n_tokens; ++t) {
    float p = static_cast<float>(positions[t]);
    for (int i = 0; i < half; ++i) {
      float a = p * inv_freq[i];
      cos_out[t * half + i] = std::cos(a);
      sin_out[t * half + i] = std::sin(a);
    }
  }
}

void apply_rope(float* x, std::int64_t n_tokens, int n_heads, int head_dim, std::int64_t row_stride,
                const float* cos_t, const float* sin_t) {
  const int half = head_dim / 2;
#pragma omp parallel for schedule(static) if (n_tokens * n_heads * head_dim > 65536)
  for (std::int64_t t = 0; t < n_tokens; ++t) {
    const float* c = cos_t + t * half;
    const float* s = sin_t + t * half;
    for (int h = 0; h < n_heads; ++h) {
      float* v = x + t * row_stride + static_cast<std::int64_t>(h) * head_dim;
      for (int i = 0; i < half; ++i) {
        float a = v[i], b = v[i + half];
        float lo = a * c[i] + (-b) * s[i];
        float hi = b * c[i] + a * s[i];
        v[i] = lo;
        v[i + half] = hi;
      }
    }
  }
}

}  // namespace internvl::kernels
