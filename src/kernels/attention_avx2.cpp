// AVX2 attention task (f32): the AVX-512 scheme (attention_avx512.cpp) with 8 query lanes per
// vector and 8x8 score tiles.
#include <algorithm>
#include <cstring>
#include <limits>

#include "kernels/attention_impl.h"
#include "kernels/simd.h"
#include "kernels/vec_math.h"

namespace internvl::kernels::attn {

INTERNVL_TARGET_AVX2_BEGIN
namespace {

constexpr int kW = 8;

__m256 softmax_block8(float* st, std::int64_t nk, std::int64_t k0, bool need_mask, __m256i lim,
                      __m256* m, __m256* l) {
  const __m256 neg_inf = _mm256_set1_ps(-std::numeric_limits<float>::infinity());
  __m256 bmax = neg_inf;
  for (std::int64_t j = 0; j < nk; ++j) {
    __m256 sj = _mm256_load_ps(st + j * kW);
    if (need_mask) {
      __m256i key = _mm256_set1_epi32(static_cast<int>(k0 + j));
      __m256 hidden = _mm256_castsi256_ps(_mm256_cmpgt_epi32(key, lim));
      sj = _mm256_blendv_ps(sj, neg_inf, hidden);
      _mm256_store_ps(st + j * kW, sj);
    }
    bmax = _mm256_max_ps(bmax, sj);
  }
  __m256 m_new = _mm256_max_ps(*m, bmax);
  __m256 valid = _mm256_cmp_ps(m_new, neg_inf, _CMP_NEQ_OQ);
  __m256 m_use = _mm256_and_ps(m_new, valid);
  __m256 corr = _mm256_and_ps(vmath::exp_avx2(_mm256_sub_ps(*m, m_use)),
                              _mm256_cmp_ps(*m, neg_inf, _CMP_NEQ_OQ));
  __m256 sum = _mm256_setzero_ps();
  for (std::int64_t j = 0; j < nk; ++j) {
    __m256 sj = _mm256_load_ps(st + j * kW);
    __m256 p = _mm256_and_ps(vmath::exp_avx2(_mm256_sub_ps(sj, m_use)), _mm256_cmp_ps(sj, neg_inf, _CMP_NEQ_OQ));
    _mm256_store_ps(st + j * kW, p);
    sum = _mm256_add_ps(sum, p);
  }
  *l = _mm256_fmadd_ps(*l, corr, sum);
  *m = m_new;
  return corr;
}

}  // namespace

void task_f32_avx2(const float* q, const float* k, const float* v, const AttentionShape& s, int g,
                   std::int64_t row0, std::int64_t n_rows, float* out, float* scratch) {
  const int hd = s.head_dim;
  const RowMap map{s.n_heads / s.n_kv_heads};
  float* qt = scratch;                 // [n_vec][hd][8]
  float* kb = qt + kTaskRows * hd;     // [64][hd]
  float* vb = kb + kBlockKeys * hd;    // [64][hd]
  float* st = vb + kBlockKeys * hd;    // [64][8]
  float* ot = st + kBlockKeys * 16;    // [n_vec][hd][8]
  const std::int64_t n_vec = (n_rows + kW - 1) / kW;
  alignas(32) std::int32_t lim[kTaskRows];
  std::int64_t hi = -1;
  for (std::int64_t i = 0; i < n_vec * kW; ++i) {
    std::int64_t li = -1;
    if (i < n_rows) li = s.causal ? std::min(s.n_kv - 1, s.kv_offset + map.token(row0 + i)) : s.n_kv - 1;
    lim[i] = static_cast<std::int32_t>(li);
    hi = std::max(hi, li);
  }
  const std::int64_t k_end = hi + 1;
  std::memset(qt, 0, sizeof(float) * static_cast<std::size_t>(n_vec * hd * kW));
  for (std::int64_t i = 0; i < n_rows; ++i) {
    const std::int64_t row = row0 + i;
    const float* qp = q + map.token(row) * s.q_stride + static_cast<std::int64_t>(map.head(g, row)) * hd;
    float* dst = qt + (i / kW) * hd * kW + (i % kW);
    for (int d = 0; d < hd; ++d) dst[d * kW] = qp[d] * s.scale;
  }
  std::memset(ot, 0, sizeof(float) * static_cast<std::size_t>(n_vec * hd * kW));
  __m256 m[kTaskRows / kW], l[kTaskRows / kW];
  for (std::int64_t vi = 0; vi < n_vec; ++vi) {
    m[vi] = _mm256_set1_ps(-std::numeric_limits<float>::infinity());
    l[vi] = _mm256_setzero_ps();
  }
  for (std::int64_t k0 = 0; k0 < k_end; k0 += kBlockKeys) {
    const std::int64_t nk = std::min(kBlockKeys, k_end - k0);
    const std::int64_t nk8 = (nk + 7) / 8 * 8;
    for (std::int64_t j = 0; j < nk8; ++j) {
      if (j < nk) {
        std::memcpy(kb + j * hd, k + (k0 + j) * s.kv_stride + static_cast<std::int64_t>(g) * hd, sizeof(float) * hd);
        std::memcpy(vb + j * hd, v + (k0 + j) * s.kv_stride + static_cast<std::int64_t>(g) * hd, sizeof(float) * hd);
      } else {
        std::memset(kb + j * hd, 0, sizeof(float) * hd);
        std::memset(vb + j * hd, 0, sizeof(float) * hd);
      }
    }
    for (std::int64_t vi = 0; vi < n_vec; ++vi) {
      const std::int64_t last = std::min<std::int64_t>(n_rows, (vi + 1) * kW) - 1;
      if (lim[last] < k0) continue;  // rows see no key here
      const float* qv = qt + vi * hd * kW;
      for (std::int64_t kt = 0; kt < nk8; kt += 8) {
        __m256 acc[8];
        for (int jj = 0; jj < 8; ++jj) acc[jj] = _mm256_setzero_ps();
        const float* kr = kb + kt * hd;
        for (int d = 0; d < hd; ++d) {
          __m256 qd = _mm256_load_ps(qv + d * kW);
          for (int jj = 0; jj < 8; ++jj) acc[jj] = _mm256_fmadd_ps(_mm256_broadcast_ss(kr + jj * hd + d), qd, acc[jj]);
        }
        for (int jj = 0; jj < 8; ++jj) _mm256_store_ps(st + (kt + jj) * kW, acc[jj]);
      }
      std::int64_t first_lim = lim[vi * kW];
      const bool need_mask = k0 + nk - 1 > first_lim;
      __m256i limv = _mm256_load_si256(reinterpret_cast<const __m256i*>(lim + vi * kW));
      __m256 corr = softmax_block8(st, nk, k0, need_mask, limv, &m[vi], &l[vi]);
      float* ov = ot + vi * hd * kW;
      for (int dc = 0; dc < hd; dc += 8) {
        __m256 acc[8];
        for (int i = 0; i < 8; ++i) acc[i] = _mm256_mul_ps(_mm256_load_ps(ov + (dc + i) * kW), corr);
        for (std::int64_t j = 0; j < nk; ++j) {
          __m256 pj = _mm256_load_ps(st + j * kW);
          const float* vr = vb + j * hd + dc;
          for (int i = 0; i < 8; ++i) acc[i] = _mm256_fmadd_ps(_mm256_broadcast_ss(vr + i), pj, acc[i]);
        }
        for (int i = 0; i < 8; ++i) _mm256_store_ps(ov + (dc + i) * kW, acc[i]);
      }
    }
  }
  for (std::int64_t vi = 0; vi < n_vec; ++vi) {
    const float* ov = ot + vi * hd * kW;
    __m256 pos = _mm256_cmp_ps(l[vi], _mm256_setzero_ps(), _CMP_GT_OQ);
    __m256 inv = _mm256_and_ps(_mm256_div_ps(_mm256_set1_ps(1.0f), l[vi]), pos);
    alignas(32) float tmp[kW];
    const std::int64_t n_here = std::min<std::int64_t>(kW, n_rows - vi * kW);
    for (int d = 0; d < hd; ++d) {
      _mm256_store_ps(tmp, _mm256_mul_ps(_mm256_load_ps(ov + d * kW), inv));
      for (std::int64_t r = 0; r < n_here; ++r) {
        const std::int64_t row = row0 + vi * kW + r;
        out[map.token(row) * s.o_stride + static_cast<std::int64_t>(map.head(g, row)) * hd + d] = tmp[r];
      }
    }
  }
}

INTERNVL_TARGET_END

}  // namespace internvl::kernels::attn
