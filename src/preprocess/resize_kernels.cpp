#include "preprocess/resize_kernels.h"

#include <algorithm>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace internvl::preprocess::kernels {
namespace {

inline std::uint8_t shift_clamp_u8(std::int32_t acc, int precision) {
  return static_cast<std::uint8_t>(std::clamp(acc >> precision, 0, 255));
}

// Outputs [begin, end) of combine_rows_u8 with rows `stride` bytes apart, in L1-sized chunks.
void combine_range(const std::uint8_t* rows, std::size_t stride, std::size_t begin, std::size_t end,
                   const std::int16_t* w, int taps, int precision, std::uint8_t* out) {
  constexpr std::size_t kChunk = 1024;
  alignas(64) std::int32_t acc[kChunk];
  const std::int32_t bias = 1 << (precision - 1);  // the +0.5 of the rounding
  for (std::size_t k0 = begin; k0 < end; k0 += kChunk) {
    const std::size_t n = std::min(kChunk, end - k0);
    std::fill(acc, acc + n, bias);
    for (int j = 0; j < taps; ++j) {
      const std::int16_t wj = w[j];
      if (wj == 0) continue;  // border padding of the fixed windows
      const std::uint8_t* r = rows + j * stride + k0;
      // int16 x int16 -> int32 so the compiler can use widening 16-bit multiplies.
      for (std::size_t k = 0; k < n; ++k) {
        acc[k] += static_cast<std::int32_t>(static_cast<std::int16_t>(r[k])) * wj;
      }
    }
    for (std::size_t k = 0; k < n; ++k) out[k0 + k] = shift_clamp_u8(acc[k], precision);
  }
}

}  // namespace

void combine_rows_u8_portable(const std::uint8_t* rows, std::size_t row_len, const std::int16_t* w,
                              int taps, int precision, std::uint8_t* out) {
  combine_range(rows, row_len, 0, row_len, w, taps, precision, out);
}

#if defined(__SSE2__)

// 16 outputs at a time, sums in registers; two taps per pmaddwd: the bytes of rows j and j+1
// are interleaved and zero-extended into (r_j[k], r_j+1[k]) int16 pairs, multiplied by the pair
// (w_j, w_j+1) and summed into int32 in one instruction. The final packs (int32 -> int16 ->
// uint8, both saturating) clamp to [0, 255] exactly as std::clamp does.
void combine_rows_u8(const std::uint8_t* rows, std::size_t row_len, const std::int16_t* w, int taps,
                     int precision, std::uint8_t* out) {
  const __m128i zero = _mm_setzero_si128();
  const __m128i bias = _mm_set1_epi32(1 << (precision - 1));
  const __m128i shift = _mm_cvtsi32_si128(precision);
  std::size_t k = 0;
  for (; k + 16 <= row_len; k += 16) {
    __m128i a0 = bias, a1 = bias, a2 = bias, a3 = bias;  // outputs k+0..3, 4..7, 8..11, 12..15
    for (int j = 0; j < taps; j += 2) {
      const bool pair = j + 1 < taps;
      const std::int16_t w1 = pair ? w[j + 1] : 0;
      if (w[j] == 0 && w1 == 0) continue;
      const __m128i r0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(rows + j * row_len + k));
      const __m128i r1 =
          pair ? _mm_loadu_si128(reinterpret_cast<const __m128i*>(rows + (j + 1) * row_len + k))
               : zero;
      const __m128i wp = _mm_set1_epi32(
          static_cast<int>(static_cast<std::uint16_t>(w[j]) |
                           (static_cast<std::uint32_t>(static_cast<std::uint16_t>(w1)) << 16)));
      const __m128i lo = _mm_unpacklo_epi8(r0, r1);  // r0[0] r1[0] r0[1] r1[1] ... r1[7]
      const __m128i hi = _mm_unpackhi_epi8(r0, r1);
      a0 = _mm_add_epi32(a0, _mm_madd_epi16(_mm_unpacklo_epi8(lo, zero), wp));
      a1 = _mm_add_epi32(a1, _mm_madd_epi16(_mm_unpackhi_epi8(lo, zero), wp));
      a2 = _mm_add_epi32(a2, _mm_madd_epi16(_mm_unpacklo_epi8(hi, zero), wp));
      a3 = _mm_add_epi32(a3, _mm_madd_epi16(_mm_unpackhi_epi8(hi, zero), wp));
    }
    a0 = _mm_sra_epi32(a0, shift);
    a1 = _mm_sra_epi32(a1, shift);
    a2 = _mm_sra_epi32(a2, shift);
    a3 = _mm_sra_epi32(a3, shift);
    const __m128i packed = _mm_packus_epi16(_mm_packs_epi32(a0, a1), _mm_packs_epi32(a2, a3));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + k), packed);
  }
  combine_range(rows, row_len, k, row_len, w, taps, precision, out);  // the last < 16
}

#else

void combine_rows_u8(const std::uint8_t* rows, std::size_t row_len, const std::int16_t* w, int taps,
                     int precision, std::uint8_t* out) {
  combine_rows_u8_portable(rows, row_len, w, taps, precision, out);
}

#endif

void transpose_rgb8(const std::uint8_t* src, int rows, int cols, std::uint8_t* dst) {
  constexpr int kBlock = 32;  // 32x32 pixels: both sides stay in L1
  const std::size_t src_row = static_cast<std::size_t>(cols) * 3;
  for (int r0 = 0; r0 < rows; r0 += kBlock) {
    const int r1 = std::min(rows, r0 + kBlock);
    // Pixels move as 4-byte words: the extra byte read is the next source pixel's, and the
    // extra byte written lands on dst pixel (c, r + 1), which is written afterwards (by this
    // loop or a later r0 block). Only the last source row (r == rows - 1) has no such
    // successor, so it moves as 3 bytes.
    const int r_words = std::min(r1, rows - 1);
    for (int c0 = 0; c0 < cols; c0 += kBlock) {
      const int c1 = std::min(cols, c0 + kBlock);
      for (int c = c0; c < c1; ++c) {
        const std::uint8_t* s = src + static_cast<std::size_t>(r0) * src_row + c * 3;
        std::uint8_t* d = dst + (static_cast<std::size_t>(c) * rows + r0) * 3;
        int r = r0;
        for (; r < r_words; ++r, s += src_row, d += 3) {
          std::uint32_t v;
          std::memcpy(&v, s, 4);
          std::memcpy(d, &v, 4);
        }
        if (r < r1) std::memcpy(d, s, 3);
      }
    }
  }
}

}  // namespace internvl::preprocess::kernels
