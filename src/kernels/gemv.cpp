#include "kernels/gemv.h"

#include <algorithm>
#include <cstring>
#include <memory>

#include "core/check.h"
#include "core/half.h"
#include "kernels/cpu.h"
#include "kernels/simd.h"
#include "kernels/threading.h"

namespace internvl::kernels {

namespace {

// Mostly one contiguous share of W per thread, read as long streams (for_byte_shares): measured
// faster than dynamic 256 KB chunks (8B MLP matrix, 2 threads: 72 vs 47 GB/s).
template <typename Fn>
void for_w_rows(const WeightMatrix& w, const Fn& fn) {
  for_weight_rows(w.rows, w.row_bytes(), w.rows * w.cols >= kParallelMinWork, false, fn);
}

}  // namespace

namespace {

// ---- scalar path (also the reference, with double sums) ----
void gemv_scalar(const float* x, std::int64_t m, const WeightMatrix& w, const float* bias, float* y,
                 std::int64_t r0, std::int64_t r1, bool dbl) {
  std::unique_ptr<float[]> row(new float[static_cast<std::size_t>(w.cols)]);
  for (std::int64_t j = r0; j < r1; ++j) {
    w.row_to_f32(j, row.get());
    for (std::int64_t i = 0; i < m; ++i) {
      const float* xi = x + i * w.cols;
      if (dbl) {
        double acc = bias ? bias[j] : 0.0;
        for (std::int64_t c = 0; c < w.cols; ++c) acc += static_cast<double>(xi[c]) * row[c];
        y[i * w.rows + j] = static_cast<float>(acc);
      } else {
        float acc[8] = {};
        std::int64_t c = 0;
        for (; c + 8 <= w.cols; c += 8) {
          for (int l = 0; l < 8; ++l) acc[l] += xi[c + l] * row[c + l];
        }
        float s = 0;
        for (; c < w.cols; ++c) s += xi[c] * row[c];
        for (int l = 0; l < 8; ++l) s += acc[l];
        y[i * w.rows + j] = s + (bias ? bias[j] : 0.0f);
      }
    }
  }
}

}  // namespace

// ---- AVX2 ----
INTERNVL_TARGET_AVX2_BEGIN
namespace {

template <WeightFormat F>
inline __m256 load8_avx2(const void* base, std::int64_t k) {
  if constexpr (F == WeightFormat::kF32) {
    return _mm256_loadu_ps(static_cast<const float*>(base) + k);
  } else if constexpr (F == WeightFormat::kBF16) {
    __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(static_cast<const std::uint16_t*>(base) + k));
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
  } else {
    return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(static_cast<const std::uint16_t*>(base) + k)));
  }
}

inline float hsum_avx2(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

template <WeightFormat F>
float elem(const void* base, std::int64_t k) {
  if constexpr (F == WeightFormat::kF32) return static_cast<const float*>(base)[k];
  if constexpr (F == WeightFormat::kBF16) return bf16_to_f32(static_cast<const std::uint16_t*>(base)[k]);
  return f16_to_f32(static_cast<const std::uint16_t*>(base)[k]);
}

// R rows of W against M rows of x; 8 weights per step.
template <WeightFormat F, int M, int R>
void gemv_block_avx2(const float* x, const WeightMatrix& w, const float* bias, float* y, std::int64_t j) {
  const std::int64_t k = w.cols, rb = w.row_bytes();
  const auto* base = static_cast<const std::uint8_t*>(w.data) + j * rb;
  __m256 acc[R][M];
  for (int r = 0; r < R; ++r)
    for (int i = 0; i < M; ++i) acc[r][i] = _mm256_setzero_ps();
  std::int64_t c = 0;
  for (; c + 8 <= k; c += 8) {
    for (int r = 0; r < R; ++r) {
      __m256 wv = load8_avx2<F>(base + r * rb, c);
      for (int i = 0; i < M; ++i) acc[r][i] = _mm256_fmadd_ps(wv, _mm256_loadu_ps(x + i * k + c), acc[r][i]);
    }
  }
  for (int r = 0; r < R; ++r) {
    for (int i = 0; i < M; ++i) {
      float s = hsum_avx2(acc[r][i]);
      for (std::int64_t t = c; t < k; ++t) s += elem<F>(base + r * rb, t) * x[i * k + t];
      y[i * w.rows + j + r] = s + (bias ? bias[j + r] : 0.0f);
    }
  }
}

template <WeightFormat F, int M>
void gemv_range_avx2(const float* x, const WeightMatrix& w, const float* bias, float* y,
                     std::int64_t r0, std::int64_t r1) {
  constexpr int R = M <= 1 ? 4 : M <= 2 ? 2 : 1;
  std::int64_t j = r0;
  for (; j + R <= r1; j += R) gemv_block_avx2<F, M, R>(x, w, bias, y, j);
  for (; j < r1; ++j) gemv_block_avx2<F, M, 1>(x, w, bias, y, j);
}

template <WeightFormat F>
void gemv_avx2(const float* x, std::int64_t m, const WeightMatrix& w, const float* bias, float* y,
               std::int64_t r0, std::int64_t r1) {
  with_act_rows(m, [&](auto M) { gemv_range_avx2<F, M>(x, w, bias, y, r0, r1); });
}

}  // namespace
INTERNVL_TARGET_END

// ---- AVX-512 ----
INTERNVL_TARGET_AVX512_BEGIN
namespace {

// Bytes ahead of the current position that each weight stream prefetches.
constexpr int kPrefetch = 1024;

template <WeightFormat F>
inline __m512 load16_avx512(const void* base, std::int64_t k) {
  if constexpr (F == WeightFormat::kF32) {
    return _mm512_loadu_ps(static_cast<const float*>(base) + k);
  } else if constexpr (F == WeightFormat::kBF16) {
    __m256i h = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(static_cast<const std::uint16_t*>(base) + k));
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
  } else {
    return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(static_cast<const std::uint16_t*>(base) + k)));
  }
}

template <WeightFormat F>
inline __m512 load16_masked_avx512(const void* base, std::int64_t k, __mmask16 m) {
  if constexpr (F == WeightFormat::kF32) {
    return _mm512_maskz_loadu_ps(m, static_cast<const float*>(base) + k);
  } else if constexpr (F == WeightFormat::kBF16) {
    __m256i h = _mm256_maskz_loadu_epi16(m, static_cast<const std::uint16_t*>(base) + k);
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
  } else {
    return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, static_cast<const std::uint16_t*>(base) + k));
  }
}

template <WeightFormat F, int M, int R>
void gemv_block_avx512(const float* x, const WeightMatrix& w, const float* bias, float* y, std::int64_t j,
                       std::int64_t stride) {
  constexpr int kElem = F == WeightFormat::kF32 ? 4 : 2;
  const std::int64_t k = w.cols, rb = w.row_bytes() * stride;  // rb: bytes between the block's rows
  const auto* base = static_cast<const std::uint8_t*>(w.data) + j * w.row_bytes();
  __m512 acc[R][M];
  for (int r = 0; r < R; ++r)
    for (int i = 0; i < M; ++i) acc[r][i] = _mm512_setzero_ps();
  std::int64_t c = 0;
  for (; c + 16 <= k; c += 16) {
    __m512 xv[M];  // loaded once for the R rows
    for (int i = 0; i < M; ++i) xv[i] = _mm512_loadu_ps(x + i * k + c);
    for (int r = 0; r < R; ++r) {
      if ((c * kElem) % 64 == 0) _mm_prefetch(reinterpret_cast<const char*>(base + r * rb + c * kElem + kPrefetch), _MM_HINT_T0);
      __m512 wv = load16_avx512<F>(base + r * rb, c);
      for (int i = 0; i < M; ++i) acc[r][i] = _mm512_fmadd_ps(wv, xv[i], acc[r][i]);
    }
  }
  if (c < k) {
    const __mmask16 mk = static_cast<__mmask16>((1u << (k - c)) - 1);
    for (int r = 0; r < R; ++r) {
      __m512 wv = load16_masked_avx512<F>(base + r * rb, c, mk);
      for (int i = 0; i < M; ++i) acc[r][i] = _mm512_fmadd_ps(wv, _mm512_maskz_loadu_ps(mk, x + i * k + c), acc[r][i]);
    }
  }
  for (int r = 0; r < R; ++r) {
    const std::int64_t row = j + r * stride;
    for (int i = 0; i < M; ++i) {
      y[i * w.rows + row] = _mm512_reduce_add_ps(acc[r][i]) + (bias ? bias[row] : 0.0f);
    }
  }
}

template <WeightFormat F, int M, int R>
void gemv_streams_avx512(const float* x, const WeightMatrix& w, const float* bias, float* y, std::int64_t r0,
                         std::int64_t r1) {
  for_row_streams<R>(
      r0, r1, [&](std::int64_t j, std::int64_t s) { gemv_block_avx512<F, M, R>(x, w, bias, y, j, s); },
      [&](std::int64_t j) { gemv_block_avx512<F, M, 1>(x, w, bias, y, j, 0); });
}

template <WeightFormat F>
void gemv_avx512(const float* x, std::int64_t m, const WeightMatrix& w, const float* bias, float* y,
                 std::int64_t r0, std::int64_t r1) {
  with_act_rows(m, [&](auto M) {
    with_streams(gemv_block_rows(M, (r1 - r0) * w.row_bytes()),
                 [&](auto R) { gemv_streams_avx512<F, M, R>(x, w, bias, y, r0, r1); });
  });
}

}  // namespace
INTERNVL_TARGET_END

// ---- AVX-512 BF16: bf16 activations, vdpbf16ps ----
INTERNVL_TARGET_AVX512BF16_BEGIN
namespace {

template <int M, int R>
void gemv_bf16_block(const std::uint16_t* x, const WeightMatrix& w, const float* bias, float* y, std::int64_t j,
                     std::int64_t stride) {
  const std::int64_t k = w.cols, rs = stride * k;  // rs: elements between the block's rows
  const std::uint16_t* base = static_cast<const std::uint16_t*>(w.data) + j * k;
  __m512 acc[R][M];
  for (int r = 0; r < R; ++r)
    for (int i = 0; i < M; ++i) acc[r][i] = _mm512_setzero_ps();
  std::int64_t c = 0;
  for (; c + 32 <= k; c += 32) {
    __m512bh xv[M];  // loaded once for the R rows
    for (int i = 0; i < M; ++i) xv[i] = (__m512bh)(_mm512_loadu_si512(x + i * k + c));
    for (int r = 0; r < R; ++r) {
      _mm_prefetch(reinterpret_cast<const char*>(base + r * rs + c) + kPrefetch, _MM_HINT_T0);
      __m512bh wv = (__m512bh)(_mm512_loadu_si512(base + r * rs + c));
      for (int i = 0; i < M; ++i) acc[r][i] = _mm512_dpbf16_ps(acc[r][i], wv, xv[i]);
    }
  }
  if (c < k) {
    const __mmask32 mk = static_cast<__mmask32>((1ull << (k - c)) - 1);
    for (int r = 0; r < R; ++r) {
      __m512bh wv = (__m512bh)(_mm512_maskz_loadu_epi16(mk, base + r * rs + c));
      for (int i = 0; i < M; ++i) {
        __m512bh xv = (__m512bh)(_mm512_maskz_loadu_epi16(mk, x + i * k + c));
        acc[r][i] = _mm512_dpbf16_ps(acc[r][i], wv, xv);
      }
    }
  }
  for (int r = 0; r < R; ++r) {
    const std::int64_t row = j + r * stride;
    for (int i = 0; i < M; ++i) {
      y[i * w.rows + row] = _mm512_reduce_add_ps(acc[r][i]) + (bias ? bias[row] : 0.0f);
    }
  }
}

template <int M, int R>
void gemv_bf16_streams(const std::uint16_t* x, const WeightMatrix& w, const float* bias, float* y,
                       std::int64_t r0, std::int64_t r1) {
  for_row_streams<R>(
      r0, r1, [&](std::int64_t j, std::int64_t s) { gemv_bf16_block<M, R>(x, w, bias, y, j, s); },
      [&](std::int64_t j) { gemv_bf16_block<M, 1>(x, w, bias, y, j, 0); });
}

void gemv_bf16_avx512(const std::uint16_t* x, std::int64_t m, const WeightMatrix& w, const float* bias,
                      float* y, std::int64_t r0, std::int64_t r1) {
  with_act_rows(m, [&](auto M) {
    with_streams(gemv_block_rows(M, (r1 - r0) * w.row_bytes()),
                 [&](auto R) { gemv_bf16_streams<M, R>(x, w, bias, y, r0, r1); });
  });
}

}  // namespace
INTERNVL_TARGET_END

void gemv_f32_rows(const float* x, std::int64_t m, const WeightMatrix& w, const float* bias, float* y,
                   std::int64_t r0, std::int64_t r1) {
  const Isa l = isa();
  if (l >= Isa::kAvx512) {
    switch (w.format) {
      case WeightFormat::kF32: return gemv_avx512<WeightFormat::kF32>(x, m, w, bias, y, r0, r1);
      case WeightFormat::kBF16: return gemv_avx512<WeightFormat::kBF16>(x, m, w, bias, y, r0, r1);
      default: return gemv_avx512<WeightFormat::kF16>(x, m, w, bias, y, r0, r1);
    }
  }
  if (l >= Isa::kAvx2) {
    switch (w.format) {
      case WeightFormat::kF32: return gemv_avx2<WeightFormat::kF32>(x, m, w, bias, y, r0, r1);
      case WeightFormat::kBF16: return gemv_avx2<WeightFormat::kBF16>(x, m, w, bias, y, r0, r1);
      default: return gemv_avx2<WeightFormat::kF16>(x, m, w, bias, y, r0, r1);
    }
  }
  gemv_scalar(x, m, w, bias, y, r0, r1, false);
}

void gemv_bf16_rows(const std::uint16_t* xb, std::int64_t m, const WeightMatrix& w, const float* bias,
                    float* y, std::int64_t r0, std::int64_t r1) {
  gemv_bf16_avx512(xb, m, w, bias, y, r0, r1);
}

void gemv_f32(const float* x, std::int64_t m, const WeightMatrix& w, const float* bias, float* y) {
  INTERNVL_DCHECK(m >= 1 && m <= kGemvMaxRows && !w.quantized(), "gemv_f32: m ", m);
  for_w_rows(w, [&](std::int64_t r0, std::int64_t r1) { gemv_f32_rows(x, m, w, bias, y, r0, r1); });
}

void gemv_bf16(const std::uint16_t* xb, std::int64_t m, const WeightMatrix& w, const float* bias,
               float* y) {
  INTERNVL_DCHECK(m >= 1 && m <= kGemvMaxRows && w.format == WeightFormat::kBF16 &&
                  isa() >= Isa::kAvx512Bf16, "gemv_bf16: unsupported call");
  for_w_rows(w, [&](std::int64_t r0, std::int64_t r1) { gemv_bf16_avx512(xb, m, w, bias, y, r0, r1); });
}

namespace ref {
void gemv_f32(const float* x, std::int64_t m, const WeightMatrix& w, const float* bias, float* y) {
  gemv_scalar(x, m, w, bias, y, 0, w.rows, true);
}
}  // namespace ref

}  // namespace internvl::kernels
