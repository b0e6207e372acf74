#include "kernels/convert.h"

#include <cstring>

#include "core/half.h"
#include "kernels/cpu.h"
#include "kernels/simd.h"

namespace internvl::kernels {

// ---- scalar references ----
namespace ref {

void bf16_to_f32_row(const std::uint16_t* in, float* out, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) out[i] = bf16_to_f32(in[i]);
}
void f16_to_f32_row(const std::uint16_t* in, float* out, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) out[i] = f16_to_f32(in[i]);
}
void f32_to_bf16_row(const float* in, std::uint16_t* out, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) out[i] = f32_to_bf16(in[i]);
}

}  // namespace ref

// ---- AVX2 ----
INTERNVL_TARGET_AVX2_BEGIN
namespace {

void bf16_to_f32_avx2(const std::uint16_t* in, float* out, std::int64_t n) {
  std::int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i));
    __m256i w = _mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16);
    _mm256_storeu_ps(out + i, _mm256_castsi256_ps(w));
  }
  for (; i < n; ++i) out[i] = bf16_to_f32(in[i]);
}

void f16_to_f32_avx2(const std::uint16_t* in, float* out, std::int64_t n) {
  std::int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    _mm256_storeu_ps(out + i, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i))));
  }
  for (; i < n; ++i) out[i] = f16_to_f32(in[i]);
}

// Round to nearest even on the bit pattern; NaN lanes keep a quiet NaN.
void f32_to_bf16_avx2(const float* in, std::uint16_t* out, std::int64_t n) {
  std::int64_t i = 0;
  const __m256i one = _mm256_set1_epi32(1), bias = _mm256_set1_epi32(0x7fff);
  const __m256i abs_mask = _mm256_set1_epi32(0x7fffffff), inf = _mm256_set1_epi32(0x7f800000);
  for (; i + 8 <= n; i += 8) {
    __m256i b = _mm256_castps_si256(_mm256_loadu_ps(in + i));
    __m256i lsb = _mm256_and_si256(_mm256_srli_epi32(b, 16), one);
    __m256i r = _mm256_srli_epi32(_mm256_add_epi32(b, _mm256_add_epi32(bias, lsb)), 16);
    __m256i nan = _mm256_cmpgt_epi32(_mm256_and_si256(b, abs_mask), inf);
    __m256i qnan = _mm256_or_si256(_mm256_srli_epi32(b, 16), _mm256_set1_epi32(0x40));
    r = _mm256_blendv_epi8(r, qnan, nan);
    // Pack the 8 low halves: packus works within 128-bit lanes, then fix the order.
    __m256i packed = _mm256_packus_epi32(r, r);
    packed = _mm256_permute4x64_epi64(packed, 0x08);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), _mm256_castsi256_si128(packed));
  }
  for (; i < n; ++i) out[i] = f32_to_bf16(in[i]);
}

}  // namespace
INTERNVL_TARGET_END

// ---- AVX-512 ----
INTERNVL_TARGET_AVX512_BEGIN
namespace {

void bf16_to_f32_avx512(const std::uint16_t* in, float* out, std::int64_t n) {
  std::int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m256i h = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(in + i));
    _mm512_storeu_ps(out + i, _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16)));
  }
  if (i < n) {
    __mmask16 m = static_cast<__mmask16>((1u << (n - i)) - 1);
    __m256i h = _mm256_maskz_loadu_epi16(m, in + i);
    _mm512_mask_storeu_ps(out + i, m, _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16)));
  }
}

void f16_to_f32_avx512(const std::uint16_t* in, float* out, std::int64_t n) {
  std::int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    _mm512_storeu_ps(out + i, _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(in + i))));
  }
  if (i < n) {
    __mmask16 m = static_cast<__mmask16>((1u << (n - i)) - 1);
    _mm512_mask_storeu_ps(out + i, m, _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, in + i)));
  }
}

void f32_to_bf16_avx512(const float* in, std::uint16_t* out, std::int64_t n) {
  std::int64_t i = 0;
  const __m512i one = _mm512_set1_epi32(1), bias = _mm512_set1_epi32(0x7fff);
  const __m512i abs_mask = _mm512_set1_epi32(0x7fffffff), inf = _mm512_set1_epi32(0x7f800000);
  for (; i < n; i += 16) {
    __mmask16 m = n - i >= 16 ? static_cast<__mmask16>(0xffff) : static_cast<__mmask16>((1u << (n - i)) - 1);
    __m512i b = _mm512_castps_si512(_mm512_maskz_loadu_ps(m, in + i));
    __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(b, 16), one);
    __m512i r = _mm512_srli_epi32(_mm512_add_epi32(b, _mm512_add_epi32(bias, lsb)), 16);
    __mmask16 nan = _mm512_cmpgt_epi32_mask(_mm512_and_si512(b, abs_mask), inf);
    r = _mm512_mask_mov_epi32(r, nan, _mm512_or_si512(_mm512_srli_epi32(b, 16), _mm512_set1_epi32(0x40)));
    _mm256_mask_storeu_epi16(out + i, m, _mm512_cvtepi32_epi16(r));
  }
}

}  // namespace
INTERNVL_TARGET_END

void bf16_to_f32_row(const std::uint16_t* in, float* out, std::int64_t n) {
  Isa l = isa();
  if (l >= Isa::kAvx512) return bf16_to_f32_avx512(in, out, n);
  if (l >= Isa::kAvx2) return bf16_to_f32_avx2(in, out, n);
  ref::bf16_to_f32_row(in, out, n);
}

void f16_to_f32_row(const std::uint16_t* in, float* out, std::int64_t n) {
  Isa l = isa();
  if (l >= Isa::kAvx512) return f16_to_f32_avx512(in, out, n);
  if (l >= Isa::kAvx2) return f16_to_f32_avx2(in, out, n);
  ref::f16_to_f32_row(in, out, n);
}

void f32_to_bf16_row(const float* in, std::uint16_t* out, std::int64_t n) {
  Isa l = isa();
  if (l >= Isa::kAvx512) return f32_to_bf16_avx512(in, out, n);
  if (l >= Isa::kAvx2) return f32_to_bf16_avx2(in, out, n);
  ref::f32_to_bf16_row(in, out, n);
}

}  // namespace internvl::kernels
