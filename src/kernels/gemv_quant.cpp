// Integer GEMV against Q8_0 / Q4_0 weights (layout in weight.h) with activations quantized per
// block (quant.h). AVX-512 VNNI: vpdpbusd multiplies the unsigned stored bytes (q + 128, or the
// nibbles q + 8) by the signed activations; each 32-bit lane accumulates one block over the
// group's 8 steps, so scales apply once per 16 blocks; the offset is removed with the
// activation's block sums. One activation row reads 2-4 strided weight rows at once (8B MLP
// matrix, 2 threads, same window: Q8_0 46 -> 70 GB/s, Q4_0 38 -> 66 GB/s with 4 rows).
// AVX2: maddubs + madd (signed trick for Q8 to avoid saturation).
#include <algorithm>
#include <cstring>

#include "core/check.h"
#include "core/half.h"
#include "kernels/cpu.h"
#include "kernels/quant.h"
#include "kernels/simd.h"
#include "kernels/threading.h"

namespace internvl::kernels {

// ---- AVX-512 VNNI ----
INTERNVL_TARGET_AVX512BF16_BEGIN
namespace {

// M activation rows against R weight rows j, j + s, ..., j + (R - 1) s. With one activation
// row, R strided rows make R long sequential streams per thread (DRAM reads fastest so, see
// gemv_streams) and share each activation load; with several, R = 1 and the rows share the
// weight loads.
template <WeightFormat F, int M, int R>
void q_rows_vnni(const QuantizedActs& xq, const WeightMatrix& w, const float* bias, float* y, std::int64_t j,
                 std::int64_t s) {
  const std::int64_t nb = w.cols / kQuantBlock, ng = xq.n_groups;
  const std::uint8_t* wr[R];
  const std::uint16_t* sr[R];
  for (int r = 0; r < R; ++r) {
    wr[r] = static_cast<const std::uint8_t*>(w.data) + (j + r * s) * w.row_bytes();
    sr[r] = static_cast<const std::uint16_t*>(w.scales) + (j + r * s) * nb;
  }
  const __m512i low4 = _mm512_set1_epi8(0x0f);
  const bool wide = nb >= 6 * kQuantGroup;  // rows of >= 3072 weights: prefetch the Q4_0 scales
  __m512 acc[M][R];
  for (int i = 0; i < M; ++i)
    for (int r = 0; r < R; ++r) acc[i][r] = _mm512_setzero_ps();
  for (std::int64_t g = 0; g < ng; ++g) {
    const std::int64_t gb = std::min<std::int64_t>(kQuantGroup, nb - g * kQuantGroup);
    const bool full = gb == kQuantGroup;
    const __mmask16 bm = full ? static_cast<__mmask16>(0xffff) : static_cast<__mmask16>((1u << gb) - 1);
    const __mmask64 mm = full ? ~0ull : (1ull << (4 * gb)) - 1;
    __m512i d0[M][R], d1[M][R];
    for (int i = 0; i < M; ++i)
      for (int r = 0; r < R; ++r) d0[i][r] = d1[i][r] = _mm512_setzero_si512();
    // Step/pair u of group g of row r: 64 bytes (4 per block), fewer in a partial group.
    auto load = [&](int r, std::int64_t group_bytes, int u) {
      const std::uint8_t* gp = wr[r] + group_bytes * g;
      return full ? _mm512_loadu_si512(gp + 64 * u) : _mm512_maskz_loadu_epi8(mm, gp + 4 * gb * u);
    };
    if constexpr (F == WeightFormat::kQ8_0) {
      if constexpr (R == 1) {  // one stream: help the prefetcher ahead
        _mm_prefetch(reinterpret_cast<const char*>(wr[0] + 512 * g) + 2048, _MM_HINT_T0);
        _mm_prefetch(reinterpret_cast<const char*>(wr[0] + 512 * g) + 2048 + 256, _MM_HINT_T0);
      }
      for (int t = 0; t < 8; t += 2) {
        __m512i w0[R], w1[R];
        for (int r = 0; r < R; ++r) {
          w0[r] = load(r, 512, t);
          w1[r] = load(r, 512, t + 1);
        }
        for (int i = 0; i < M; ++i) {
          const std::int8_t* xg = xq.row_q(i) + 512 * g;
          const __m512i x0 = _mm512_load_si512(xg + 64 * t), x1 = _mm512_load_si512(xg + 64 * (t + 1));
          for (int r = 0; r < R; ++r) {
            d0[i][r] = _mm512_dpbusd_epi32(d0[i][r], w0[r], x0);
            d1[i][r] = _mm512_dpbusd_epi32(d1[i][r], w1[r], x1);
          }
        }
      }
    } else {
      if constexpr (R == 1) {
        _mm_prefetch(reinterpret_cast<const char*>(wr[0] + 256 * g) + 1024, _MM_HINT_T0);
        _mm_prefetch(reinterpret_cast<const char*>(wr[0] + 256 * g) + 1024 + 128, _MM_HINT_T0);
      }
      for (int p = 0; p < 4; ++p) {
        __m512i lo[R], hi[R];
        for (int r = 0; r < R; ++r) {
          const __m512i raw = load(r, 256, p);
          lo[r] = _mm512_and_si512(raw, low4);
          hi[r] = _mm512_and_si512(_mm512_srli_epi16(raw, 4), low4);
        }
        for (int i = 0; i < M; ++i) {
          const std::int8_t* xg = xq.row_q(i) + 512 * g;
          const __m512i x0 = _mm512_load_si512(xg + 64 * (2 * p)), x1 = _mm512_load_si512(xg + 64 * (2 * p + 1));
          for (int r = 0; r < R; ++r) {
            d0[i][r] = _mm512_dpbusd_epi32(d0[i][r], lo[r], x0);
            d1[i][r] = _mm512_dpbusd_epi32(d1[i][r], hi[r], x1);
          }
        }
      }
    }
    constexpr int kShift = F == WeightFormat::kQ8_0 ? 7 : 3;  // offsets 128 and 8
    if (F == WeightFormat::kQ4_0 && wide) {
      // Q4_0 has a scale byte per 8 bytes of quants, read as R slow side streams that the
      // hardware prefetcher leaves to miss: 8B q4 decode 12.3-12.7 -> 13.8-14.2 tok/s.
      // Measured worse without the width condition (1B q4, rows of 896: 143-148 -> 123-127
      // tok/s) and for Q8_0 at any distance (8B q8 8.6-8.8 -> 7.6-8.5 tok/s).
      for (int r = 0; r < R; ++r)
        _mm_prefetch(reinterpret_cast<const char*>(sr[r] + g * kQuantGroup) + 256, _MM_HINT_T0);
    }
    __m512 dw[R];
    for (int r = 0; r < R; ++r) dw[r] = _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(bm, sr[r] + g * kQuantGroup));
    for (int i = 0; i < M; ++i) {
      const __m512i sums = _mm512_slli_epi32(_mm512_loadu_si512(xq.row_sum(i) + g * kQuantGroup), kShift);
      const __m512 dx = _mm512_loadu_ps(xq.row_d(i) + g * kQuantGroup);
      for (int r = 0; r < R; ++r) {
        const __m512i dot = _mm512_sub_epi32(_mm512_add_epi32(d0[i][r], d1[i][r]), sums);
        acc[i][r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), _mm512_mul_ps(dw[r], dx), acc[i][r]);
      }
    }
  }
  for (int i = 0; i < M; ++i)
    for (int r = 0; r < R; ++r) {
      const std::int64_t row = j + r * s;
      y[i * w.rows + row] = _mm512_reduce_add_ps(acc[i][r]) + (bias ? bias[row] : 0.0f);
    }
}

template <WeightFormat F, int R>
void q_streams_vnni(const QuantizedActs& xq, const WeightMatrix& w, const float* bias, float* y, std::int64_t r0,
                    std::int64_t r1) {
  for_row_streams<R>(
      r0, r1, [&](std::int64_t j, std::int64_t s) { q_rows_vnni<F, 1, R>(xq, w, bias, y, j, s); },
      [&](std::int64_t j) { q_rows_vnni<F, 1, 1>(xq, w, bias, y, j, 0); });
}

template <WeightFormat F>
void q_range_vnni(const QuantizedActs& xq, const WeightMatrix& w, const float* bias, float* y,
                  std::int64_t r0, std::int64_t r1) {
  with_act_rows(xq.m, [&](auto M) {
    if constexpr (M == 1) {
      with_streams(gemv_streams((r1 - r0) * w.row_bytes()),
                   [&](auto R) { q_streams_vnni<F, R>(xq, w, bias, y, r0, r1); });
    } else {
      for (std::int64_t j = r0; j < r1; ++j) q_rows_vnni<F, M, 1>(xq, w, bias, y, j, 0);
    }
  });
}

}  // namespace
INTERNVL_TARGET_END

// ---- AVX2 ----
INTERNVL_TARGET_AVX2_BEGIN
namespace {

// Loads the 32 bytes of half h of a step/pair of 4*gb bytes at p (lanes past gb zeroed).
inline __m256i load_half(const std::uint8_t* p, std::int64_t gb, int h) {
  if (gb == kQuantGroup) return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32 * h));
  const std::int64_t lanes = gb - 8 * h;  // blocks (4-byte lanes) in this half
  const __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  const __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(lanes)), idx);
  return _mm256_maskload_epi32(reinterpret_cast<const int*>(p + 32 * h), mask);
}

template <WeightFormat F>
void q_row_avx2(const QuantizedActs& xq, const WeightMatrix& w, const float* bias, float* y, std::int64_t j) {
  const std::int64_t nb = w.cols / kQuantBlock, ng = xq.n_groups, m = xq.m;
  const auto* wr = static_cast<const std::uint8_t*>(w.data) + j * w.row_bytes();
  const auto* sr = static_cast<const std::uint16_t*>(w.scales) + j * nb;
  const __m256i ones16 = _mm256_set1_epi16(1), low4 = _mm256_set1_epi8(0x0f), flip = _mm256_set1_epi8(-128);
  __m256 acc[kGemvMaxRowsQ] = {};
  for (std::int64_t i = 0; i < m; ++i) acc[i] = _mm256_setzero_ps();
  for (std::int64_t g = 0; g < ng; ++g) {
    const std::int64_t gb = std::min<std::int64_t>(kQuantGroup, nb - g * kQuantGroup);
    alignas(32) std::uint16_t sc[16] = {};
    std::memcpy(sc, sr + g * kQuantGroup, sizeof(std::uint16_t) * static_cast<std::size_t>(gb));
    for (int h = 0; h < 2 && 8 * h < gb; ++h) {
      const __m256 dw = _mm256_cvtph_ps(_mm_load_si128(reinterpret_cast<const __m128i*>(sc + 8 * h)));
      __m256i dot[kGemvMaxRowsQ];
      for (std::int64_t i = 0; i < m; ++i) dot[i] = _mm256_setzero_si256();
      if constexpr (F == WeightFormat::kQ8_0) {
        const std::uint8_t* gp = wr + 512 * g;
        for (int t = 0; t < 8; ++t) {
          __m256i q = _mm256_xor_si256(load_half(gp + 4 * gb * t, gb, h), flip);  // signed q
          __m256i aq = _mm256_sign_epi8(q, q);
          for (std::int64_t i = 0; i < m; ++i) {
            __m256i xv = _mm256_load_si256(reinterpret_cast<const __m256i*>(xq.row_q(i) + 512 * g + 64 * t + 32 * h));
            __m256i p16 = _mm256_maddubs_epi16(aq, _mm256_sign_epi8(xv, q));
            dot[i] = _mm256_add_epi32(dot[i], _mm256_madd_epi16(p16, ones16));
          }
        }
      } else {
        const std::uint8_t* gp = wr + 256 * g;
        for (int p = 0; p < 4; ++p) {
          __m256i raw = load_half(gp + 4 * gb * p, gb, h);
          __m256i lo = _mm256_and_si256(raw, low4);
          __m256i hi = _mm256_and_si256(_mm256_srli_epi16(raw, 4), low4);
          for (std::int64_t i = 0; i < m; ++i) {
            const std::int8_t* xg = xq.row_q(i) + 512 * g + 32 * h;
            __m256i x0 = _mm256_load_si256(reinterpret_cast<const __m256i*>(xg + 64 * (2 * p)));
            __m256i x1 = _mm256_load_si256(reinterpret_cast<const __m256i*>(xg + 64 * (2 * p + 1)));
            __m256i s = _mm256_add_epi16(_mm256_maddubs_epi16(lo, x0), _mm256_maddubs_epi16(hi, x1));
            dot[i] = _mm256_add_epi32(dot[i], _mm256_madd_epi16(s, ones16));
          }
        }
      }
      for (std::int64_t i = 0; i < m; ++i) {
        __m256i d = dot[i];
        if constexpr (F == WeightFormat::kQ4_0) {
          __m256i sums = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xq.row_sum(i) + g * kQuantGroup + 8 * h));
          d = _mm256_sub_epi32(d, _mm256_slli_epi32(sums, 3));
        }
        __m256 scale = _mm256_mul_ps(dw, _mm256_loadu_ps(xq.row_d(i) + g * kQuantGroup + 8 * h));
        acc[i] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(d), scale, acc[i]);
      }
    }
  }
  for (std::int64_t i = 0; i < m; ++i) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(acc[i]), _mm256_extractf128_ps(acc[i], 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    y[i * w.rows + j] = _mm_cvtss_f32(s) + (bias ? bias[j] : 0.0f);
  }
}

}  // namespace
INTERNVL_TARGET_END

bool quant_gemv_in_pieces(std::int64_t m) { return m > 1 || isa() < Isa::kAvx512Bf16; }

void gemv_quant_rows(const QuantizedActs& xq, const WeightMatrix& w, const float* bias, float* y,
                     std::int64_t r0, std::int64_t r1) {
  const Isa l = isa();
  if (l >= Isa::kAvx512Bf16) {
    if (w.format == WeightFormat::kQ8_0) return q_range_vnni<WeightFormat::kQ8_0>(xq, w, bias, y, r0, r1);
    return q_range_vnni<WeightFormat::kQ4_0>(xq, w, bias, y, r0, r1);
  }
  if (l >= Isa::kAvx2) {
    for (std::int64_t j = r0; j < r1; ++j) {
      if (w.format == WeightFormat::kQ8_0) {
        q_row_avx2<WeightFormat::kQ8_0>(xq, w, bias, y, j);
      } else {
        q_row_avx2<WeightFormat::kQ4_0>(xq, w, bias, y, j);
      }
    }
    return;
  }
  WeightMatrix part = w;  // the scalar reference on these rows
  part.rows = r1 - r0;
  part.data = static_cast<const std::uint8_t*>(w.data) + r0 * w.row_bytes();
  part.scales = static_cast<const std::uint16_t*>(w.scales) + r0 * (w.cols / kQuantBlock);
  thread_local GrowBuffer<float> tmp;
  float* yt = tmp.reserve(static_cast<std::size_t>(xq.m * part.rows));
  ref::gemv_quant(xq, part, bias ? bias + r0 : nullptr, yt);
  for (std::int64_t i = 0; i < xq.m; ++i) {
    std::memcpy(y + i * w.rows + r0, yt + i * part.rows, sizeof(float) * static_cast<std::size_t>(part.rows));
  }
}

void gemv_quant(const QuantizedActs& xq, const WeightMatrix& w, const float* bias, float* y) {
  INTERNVL_DCHECK(w.quantized() && w.cols == xq.k && xq.m >= 1 && xq.m <= kGemvMaxRowsQ,
                  "gemv_quant: bad shapes");
  for_weight_rows(w.rows, w.row_bytes(), w.rows * w.cols >= kParallelMinWork, quant_gemv_in_pieces(xq.m),
                  [&](std::int64_t r0, std::int64_t r1) { gemv_quant_rows(xq, w, bias, y, r0, r1); });
}

}  // namespace internvl::kernels
