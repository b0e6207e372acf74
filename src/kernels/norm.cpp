#include "kernels/norm.h"

#include <cmath>

#include "kernels/cpu.h"
#include "kernels/simd.h"
#include "kernels/threading.h"

namespace internvl::kernels {

// PyTorch reduces in f32 with pairwise/vectorized sums; we accumulate in double so the result is
// at least as accurate, which keeps us within the parity tolerances. The SIMD paths keep double
// sums (widening 8 or 4 floats at a time) and apply the scale in f32 like the scalar path.

namespace {

double sum_sq_scalar(const float* x, std::int64_t d) {
  double ss = 0;
  for (std::int64_t i = 0; i < d; ++i) ss += static_cast<double>(x[i]) * x[i];
  return ss;
}
double sum_scalar(const float* x, std::int64_t d) {
  double s = 0;
  for (std::int64_t i = 0; i < d; ++i) s += x[i];
  return s;
}
double sum_sq_dev_scalar(const float* x, std::int64_t d, double mean) {
  double var = 0;
  for (std::int64_t i = 0; i < d; ++i) {
    double c = x[i] - mean;
    var += c * c;
  }
  return var;
}

}  // namespace

INTERNVL_TARGET_AVX2_BEGIN
namespace {

double hsum_pd_avx2(__m256d v) {
  __m128d s = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
  return _mm_cvtsd_f64(_mm_add_sd(s, _mm_unpackhi_pd(s, s)));
}

// The three double reductions: sum x^2, sum x, sum (x - mean)^2.
double reduce_avx2(const float* x, std::int64_t d, int kind, double mean) {
  __m256d a0 = _mm256_setzero_pd(), a1 = _mm256_setzero_pd();
  const __m256d mv = _mm256_set1_pd(mean);
  std::int64_t i = 0;
  for (; i + 8 <= d; i += 8) {
    __m256d lo = _mm256_cvtps_pd(_mm_loadu_ps(x + i)), hi = _mm256_cvtps_pd(_mm_loadu_ps(x + i + 4));
    if (kind == 1) {
      a0 = _mm256_add_pd(a0, lo);
      a1 = _mm256_add_pd(a1, hi);
      continue;
    }
    if (kind == 2) {
      lo = _mm256_sub_pd(lo, mv);
      hi = _mm256_sub_pd(hi, mv);
    }
    a0 = _mm256_fmadd_pd(lo, lo, a0);
    a1 = _mm256_fmadd_pd(hi, hi, a1);
  }
  double s = hsum_pd_avx2(_mm256_add_pd(a0, a1));
  if (kind == 0) return s + sum_sq_scalar(x + i, d - i);
  if (kind == 1) return s + sum_scalar(x + i, d - i);
  return s + sum_sq_dev_scalar(x + i, d - i, mean);
}

void rms_row_avx2(const float* x, const float* w, float eps, std::int64_t d, float* o) {
  const float inv = 1.0f / std::sqrt(static_cast<float>(reduce_avx2(x, d, 0, 0) / static_cast<double>(d)) + eps);
  const __m256 iv = _mm256_set1_ps(inv);
  std::int64_t i = 0;
  for (; i + 8 <= d; i += 8) {
    _mm256_storeu_ps(o + i, _mm256_mul_ps(_mm256_loadu_ps(w + i), _mm256_mul_ps(_mm256_loadu_ps(x + i), iv)));
  }
  for (; i < d; ++i) o[i] = w[i] * (x[i] * inv);
}

void ln_row_avx2(const float* x, const float* w, const float* b, float eps, std::int64_t d, float* o) {
  const double mean = reduce_avx2(x, d, 1, 0) / static_cast<double>(d);
  const double var = reduce_avx2(x, d, 2, mean) / static_cast<double>(d);
  const float inv = static_cast<float>(1.0 / std::sqrt(var + eps));
  const float m = static_cast<float>(mean);
  const __m256 iv = _mm256_set1_ps(inv), mv = _mm256_set1_ps(m);
  std::int64_t i = 0;
  for (; i + 8 <= d; i += 8) {
    __m256 y = _mm256_mul_ps(_mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(x + i), mv), iv), _mm256_loadu_ps(w + i));
    if (b) y = _mm256_add_ps(y, _mm256_loadu_ps(b + i));
    _mm256_storeu_ps(o + i, y);
  }
  for (; i < d; ++i) o[i] = (x[i] - m) * inv * w[i] + (b ? b[i] : 0.0f);
}

}  // namespace
INTERNVL_TARGET_END

INTERNVL_TARGET_AVX512_BEGIN
namespace {

double reduce_avx512(const float* x, std::int64_t d, int kind, double mean) {
  __m512d a0 = _mm512_setzero_pd(), a1 = _mm512_setzero_pd();
  const __m512d mv = _mm512_set1_pd(mean);
  std::int64_t i = 0;
  for (; i + 16 <= d; i += 16) {
    __m512d lo = _mm512_cvtps_pd(_mm256_loadu_ps(x + i)), hi = _mm512_cvtps_pd(_mm256_loadu_ps(x + i + 8));
    if (kind == 1) {
      a0 = _mm512_add_pd(a0, lo);
      a1 = _mm512_add_pd(a1, hi);
      continue;
    }
    if (kind == 2) {
      lo = _mm512_sub_pd(lo, mv);
      hi = _mm512_sub_pd(hi, mv);
    }
    a0 = _mm512_fmadd_pd(lo, lo, a0);
    a1 = _mm512_fmadd_pd(hi, hi, a1);
  }
  double s = _mm512_reduce_add_pd(_mm512_add_pd(a0, a1));
  if (kind == 0) return s + sum_sq_scalar(x + i, d - i);
  if (kind == 1) return s + sum_scalar(x + i, d - i);
  return s + sum_sq_dev_scalar(x + i, d - i, mean);
}

void rms_row_avx512(const float* x, const float* w, float eps, std::int64_t d, float* o) {
  const float inv = 1.0f / std::sqrt(static_cast<float>(reduce_avx512(x, d, 0, 0) / static_cast<double>(d)) + eps);
  const __m512 iv = _mm512_set1_ps(inv);
  std::int64_t i = 0;
  for (; i + 16 <= d; i += 16) {
    _mm512_storeu_ps(o + i, _mm512_mul_ps(_mm512_loadu_ps(w + i), _mm512_mul_ps(_mm512_loadu_ps(x + i), iv)));
  }
  for (; i < d; ++i) o[i] = w[i] * (x[i] * inv);
}

void ln_row_avx512(const float* x, const float* w, const float* b, float eps, std::int64_t d, float* o) {
  const double mean = reduce_avx512(x, d, 1, 0) / static_cast<double>(d);
  const double var = reduce_avx512(x, d, 2, mean) / static_cast<double>(d);
  const float inv = static_cast<float>(1.0 / std::sqrt(var + eps));
  const float m = static_cast<float>(mean);
  const __m512 iv = _mm512_set1_ps(inv), mv = _mm512_set1_ps(m);
  std::int64_t i = 0;
  for (; i + 16 <= d; i += 16) {
    __m512 y = _mm512_mul_ps(_mm512_mul_ps(_mm512_sub_ps(_mm512_loadu_ps(x + i), mv), iv), _mm512_loadu_ps(w + i));
    if (b) y = _mm512_add_ps(y, _mm512_loadu_ps(b + i));
    _mm512_storeu_ps(o + i, y);
  }
  for (; i < d; ++i) o[i] = (x[i] - m) * inv * w[i] + (b ? b[i] : 0.0f);
}

}  // namespace
INTERNVL_TARGET_END

void rms_norm(const float* x, const float* w, float eps, std::int64_t rows, std::int64_t d, float* out) {
  const Isa l = isa();
#pragma omp parallel for schedule(static) if (rows * d > kParallelMinWork)
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * d;
    float* o = out + r * d;
    if (l >= Isa::kAvx512) {
      rms_row_avx512(xr, w, eps, d, o);
    } else if (l >= Isa::kAvx2) {
      rms_row_avx2(xr, w, eps, d, o);
    } else {
      float inv = 1.0f / std::sqrt(static_cast<float>(sum_sq_scalar(xr, d) / static_cast<double>(d)) + eps);
      for (std::int64_t i = 0; i < d; ++i) o[i] = w[i] * (xr[i] * inv);
    }
  }
}

void layer_norm(const float* x, const float* w, const float* b, float eps, std::int64_t rows,
                std::int64_t d, float* out) {
  const Isa l = isa();
#pragma omp parallel for schedule(static) if (rows * d > kParallelMinWork)
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * d;
    float* o = out + r * d;
    if (l >= Isa::kAvx512) {
      ln_row_avx512(xr, w, b, eps, d, o);
    } else if (l >= Isa::kAvx2) {
      ln_row_avx2(xr, w, b, eps, d, o);
    } else {
      double mean = sum_scalar(xr, d) / static_cast<double>(d);
      double var = sum_sq_dev_scalar(xr, d, mean) / static_cast<double>(d);
      float inv = static_cast<float>(1.0 / std::sqrt(var + eps));
      float m = static_cast<float>(mean);
      for (std::int64_t i = 0; i < d; ++i) o[i] = (xr[i] - m) * inv * w[i] + (b ? b[i] : 0.0f);
    }
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
