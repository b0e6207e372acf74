// Vector exp and erf for the SIMD regions (f32, a few ulp). Include only from kernel .cpp files:
// every function is `static inline` inside its own target region, so no AVX-512 code can leak
// into callers compiled for other CPUs.
//   exp: Cephes expf (range reduction by ln 2, degree-6 polynomial), ~2 ulp on [-87, 88].
//   erf: the rational approximation of Eigen's generic_fast_erf_float on [-4, 4] (|err| < 2e-7);
//        |x| > 4 saturates to +-1.
#pragma once

#include "kernels/simd.h"

namespace internvl::kernels::vmath {

// Shared coefficients.
inline constexpr float kExpHi = 88.3762626647949f, kExpLo = -110.0f;
inline constexpr float kLog2e = 1.44269504088896341f, kC1 = 0.693359375f, kC2 = -2.12194440e-4f;
inline constexpr float kP0 = 1.9875691500e-4f, kP1 = 1.3981999507e-3f, kP2 = 8.3334519073e-3f,
                       kP3 = 4.1665795894e-2f, kP4 = 1.6666665459e-1f, kP5 = 5.0000001201e-1f;
inline constexpr float kA1 = -1.60960333262415e-02f, kA3 = -2.95459980854025e-03f,
                       kA5 = -7.34990630326855e-04f, kA7 = -5.69250639462346e-05f,
                       kA9 = -2.10102402082508e-06f, kA11 = 2.77068142495902e-08f,
                       kA13 = -2.72614225801306e-10f;
inline constexpr float kB0 = -1.42647390514189e-02f, kB2 = -7.37332916720468e-03f,
                       kB4 = -1.68282697438203e-03f, kB6 = -2.13374055278905e-04f,
                       kB8 = -1.45660718464996e-05f;

}  // namespace internvl::kernels::vmath

INTERNVL_TARGET_AVX2_BEGIN
namespace internvl::kernels::vmath {

static inline __m256 exp_avx2(__m256 x) {
  x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-87.3f)), _mm256_set1_ps(kExpHi));
  __m256 fx = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(kLog2e)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(fx, _mm256_set1_ps(kC1), x);
  r = _mm256_fnmadd_ps(fx, _mm256_set1_ps(kC2), r);
  __m256 y = _mm256_set1_ps(kP0);
  y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(kP1));
  y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(kP2));
  y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(kP3));
  y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(kP4));
  y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(kP5));
  y = _mm256_fmadd_ps(y, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
  __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(fx), _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(y, _mm256_castsi256_ps(e));
}

static inline __m256 erf_avx2(__m256 x) {
  x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-4.0f)), _mm256_set1_ps(4.0f));
  __m256 x2 = _mm256_mul_ps(x, x);
  __m256 p = _mm256_fmadd_ps(x2, _mm256_set1_ps(kA13), _mm256_set1_ps(kA11));
  p = _mm256_fmadd_ps(p, x2, _mm256_set1_ps(kA9));
  p = _mm256_fmadd_ps(p, x2, _mm256_set1_ps(kA7));
  p = _mm256_fmadd_ps(p, x2, _mm256_set1_ps(kA5));
  p = _mm256_fmadd_ps(p, x2, _mm256_set1_ps(kA3));
  p = _mm256_fmadd_ps(p, x2, _mm256_set1_ps(kA1));
  p = _mm256_mul_ps(p, x);
  __m256 q = _mm256_fmadd_ps(x2, _mm256_set1_ps(kB8), _mm256_set1_ps(kB6));
  q = _mm256_fmadd_ps(q, x2, _mm256_set1_ps(kB4));
  q = _mm256_fmadd_ps(q, x2, _mm256_set1_ps(kB2));
  q = _mm256_fmadd_ps(q, x2, _mm256_set1_ps(kB0));
  return _mm256_div_ps(p, q);
}

}  // namespace internvl::kernels::vmath
INTERNVL_TARGET_END

INTERNVL_TARGET_AVX512_BEGIN
namespace internvl::kernels::vmath {

static inline __m512 exp_avx512(__m512 x) {
  x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(kExpLo)), _mm512_set1_ps(kExpHi));
  __m512 fx = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(kLog2e)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(fx, _mm512_set1_ps(kC1), x);
  r = _mm512_fnmadd_ps(fx, _mm512_set1_ps(kC2), r);
  __m512 y = _mm512_set1_ps(kP0);
  y = _mm512_fmadd_ps(y, r, _mm512_set1_ps(kP1));
  y = _mm512_fmadd_ps(y, r, _mm512_set1_ps(kP2));
  y = _mm512_fmadd_ps(y, r, _mm512_set1_ps(kP3));
  y = _mm512_fmadd_ps(y, r, _mm512_set1_ps(kP4));
  y = _mm512_fmadd_ps(y, r, _mm512_set1_ps(kP5));
  y = _mm512_fmadd_ps(y, _mm512_mul_ps(r, r), _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
  return _mm512_scalef_ps(y, fx);  // y * 2^fx, flushing to 0 below the range
}

static inline __m512 erf_avx512(__m512 x) {
  x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-4.0f)), _mm512_set1_ps(4.0f));
  __m512 x2 = _mm512_mul_ps(x, x);
  __m512 p = _mm512_fmadd_ps(x2, _mm512_set1_ps(kA13), _mm512_set1_ps(kA11));
  p = _mm512_fmadd_ps(p, x2, _mm512_set1_ps(kA9));
  p = _mm512_fmadd_ps(p, x2, _mm512_set1_ps(kA7));
  p = _mm512_fmadd_ps(p, x2, _mm512_set1_ps(kA5));
  p = _mm512_fmadd_ps(p, x2, _mm512_set1_ps(kA3));
  p = _mm512_fmadd_ps(p, x2, _mm512_set1_ps(kA1));
  p = _mm512_mul_ps(p, x);
  __m512 q = _mm512_fmadd_ps(x2, _mm512_set1_ps(kB8), _mm512_set1_ps(kB6));
  q = _mm512_fmadd_ps(q, x2, _mm512_set1_ps(kB4));
  q = _mm512_fmadd_ps(q, x2, _mm512_set1_ps(kB2));
  q = _mm512_fmadd_ps(q, x2, _mm512_set1_ps(kB0));
  return _mm512_div_ps(p, q);
}

}  // namespace internvl::kernels::vmath
INTERNVL_TARGET_END
