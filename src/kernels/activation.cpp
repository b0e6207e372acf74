#include "kernels/activation.h"

#include <algorithm>
#include <cmath>

#include "kernels/cpu.h"
#include "kernels/simd.h"
#include "kernels/threading.h"
#include "kernels/vec_math.h"

namespace internvl::kernels {

namespace {
constexpr float kInvSqrt2 = 0.70710678118654752440f;
// Elements per parallel chunk of the element-wise loops.
constexpr std::int64_t kChunk = 1 << 14;
}  // namespace

namespace ref {

void gelu_erf(float* x, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) x[i] = 0.5f * x[i] * (1.0f + std::erf(x[i] * kInvSqrt2));
}

void silu_mul(const float* gate, const float* up, std::int64_t rows, std::int64_t d,
              std::int64_t in_stride, float* out) {
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* g = gate + r * in_stride;
    const float* u = up + r * in_stride;
    float* o = out + r * d;
    for (std::int64_t i = 0; i < d; ++i) o[i] = g[i] / (1.0f + std::exp(-g[i])) * u[i];
  }
}

}  // namespace ref

INTERNVL_TARGET_AVX2_BEGIN
namespace {

void gelu_avx2(float* x, std::int64_t n) {
  const __m256 half = _mm256_set1_ps(0.5f), one = _mm256_set1_ps(1.0f), c = _mm256_set1_ps(kInvSqrt2);
  std::int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256 v = _mm256_loadu_ps(x + i);
    __m256 e = vmath::erf_avx2(_mm256_mul_ps(v, c));
    _mm256_storeu_ps(x + i, _mm256_mul_ps(_mm256_mul_ps(half, v), _mm256_add_ps(one, e)));
  }
  ref::gelu_erf(x + i, n - i);
}

void silu_row_avx2(const float* g, const float* u, std::int64_t d, float* o) {
  const __m256 one = _mm256_set1_ps(1.0f);
  std::int64_t i = 0;
  for (; i + 8 <= d; i += 8) {
    __m256 gv = _mm256_loadu_ps(g + i);
    __m256 e = vmath::exp_avx2(_mm256_sub_ps(_mm256_setzero_ps(), gv));
    _mm256_storeu_ps(o + i, _mm256_mul_ps(_mm256_div_ps(gv, _mm256_add_ps(one, e)), _mm256_loadu_ps(u + i)));
  }
  for (; i < d; ++i) o[i] = g[i] / (1.0f + std::exp(-g[i])) * u[i];
}

}  // namespace
INTERNVL_TARGET_END

INTERNVL_TARGET_AVX512_BEGIN
namespace {

void gelu_avx512(float* x, std::int64_t n) {
  const __m512 half = _mm512_set1_ps(0.5f), one = _mm512_set1_ps(1.0f), c = _mm512_set1_ps(kInvSqrt2);
  std::int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m512 v = _mm512_loadu_ps(x + i);
    __m512 e = vmath::erf_avx512(_mm512_mul_ps(v, c));
    _mm512_storeu_ps(x + i, _mm512_mul_ps(_mm512_mul_ps(half, v), _mm512_add_ps(one, e)));
  }
  ref::gelu_erf(x + i, n - i);
}

void silu_row_avx512(const float* g, const float* u, std::int64_t d, float* o) {
  const __m512 one = _mm512_set1_ps(1.0f);
  std::int64_t i = 0;
  for (; i + 16 <= d; i += 16) {
    __m512 gv = _mm512_loadu_ps(g + i);
    __m512 e = vmath::exp_avx512(_mm512_sub_ps(_mm512_setzero_ps(), gv));
    _mm512_storeu_ps(o + i, _mm512_mul_ps(_mm512_div_ps(gv, _mm512_add_ps(one, e)), _mm512_loadu_ps(u + i)));
  }
  for (; i < d; ++i) o[i] = g[i] / (1.0f + std::exp(-g[i])) * u[i];
}

}  // namespace
INTERNVL_TARGET_END

void gelu_erf(float* x, std::int64_t n) {
  const Isa l = isa();
  const std::int64_t chunks = (n + kChunk - 1) / kChunk;
#pragma omp parallel for schedule(static) if (n > kParallelMinWork)
  for (std::int64_t c = 0; c < chunks; ++c) {
    float* p = x + c * kChunk;
    const std::int64_t len = std::min(kChunk, n - c * kChunk);
    if (l >= Isa::kAvx512) {
      gelu_avx512(p, len);
    } else if (l >= Isa::kAvx2) {
      gelu_avx2(p, len);
    } else {
      ref::gelu_erf(p, len);
    }
  }
}

void silu_mul(const float* gate, const float* up, std::int64_t rows, std::int64_t d,
              std::int64_t in_stride, float* out) {
  const Isa l = isa();
#pragma omp parallel for schedule(static) if (rows * d > kParallelMinWork)
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* g = gate + r * in_stride;
    const float* u = up + r * in_stride;
    float* o = out + r * d;
    if (l >= Isa::kAvx512) {
      silu_row_avx512(g, u, d, o);
    } else if (l >= Isa::kAvx2) {
      silu_row_avx2(g, u, d, o);
    } else {
      ref::silu_mul(g, u, 1, d, in_stride, o);
    }
  }
}

// Memory-bound loops: the compiler's baseline vectorization is enough.
void scale_add(const float* x, const float* scale, std::int64_t rows, std::int64_t d, float* residual) {
#pragma omp parallel for schedule(static) if (rows * d > kParallelMinWork)
  for (std::int64_t r = 0; r < rows; ++r) {
    for (std::int64_t i = 0; i < d; ++i) residual[r * d + i] += x[r * d + i] * scale[i];
  }
}

void add_inplace(const float* x, std::int64_t n, float* residual) {
#pragma omp parallel for schedule(static) if (n > kParallelMinWork)
  for (std::int64_t i = 0; i < n; ++i) residual[i] += x[i];
}

}  // namespace internvl::kernels
