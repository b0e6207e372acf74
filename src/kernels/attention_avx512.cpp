// AVX-512 attention tasks (see attention.h): 16 query rows per vector, scores kept transposed
// ([key][query lane]) so the online softmax is element-wise across keys.
//   f32:  S^T[j] = sum_d K[j][d] * Q^T[d] (broadcast FMAs), O^T[d] += V[j][d] * P^T[j].
//   bf16: the same with vdpbf16ps on pairs: Q^T packed [d/2][lane][2], V packed [j/2][d][2],
//         P^T re-packed to [j/2][lane][2] after the softmax.
#include <algorithm>
#include <cstring>
#include <limits>

#include "core/half.h"
#include "kernels/attention_impl.h"
#include "kernels/simd.h"
#include "kernels/vec_math.h"

namespace internvl::kernels::attn {

namespace {
constexpr int kW = 16;  // query lanes per vector
}  // namespace

INTERNVL_TARGET_AVX512_BEGIN
namespace {

struct Layout {
  float* qt;     // [n_vec][hd][16]   (bf16 path: [n_vec][hd/2][16][2] bf16 in the same space)
  float* kb;     // [64][hd]          (bf16 path: [64][hd] bf16)
  float* vb;     // [64][hd]          (bf16 path: [32][hd][2] bf16)
  float* st;     // [64][16] scores, then probabilities
  float* ot;     // [n_vec][hd][16]
};

Layout layout(float* scratch, int hd) {
  Layout l;
  l.qt = scratch;
  l.kb = l.qt + kTaskRows * hd;
  l.vb = l.kb + kBlockKeys * hd;
  l.st = l.vb + kBlockKeys * hd;
  l.ot = l.st + kBlockKeys * kW;
  return l;
}

// Per-task row bookkeeping: last visible key per row (-1 for padding rows).
struct Rows {
  std::int32_t lim[kTaskRows];
  std::int64_t n_vec = 0;
  std::int64_t k_end = 0;            // keys [0, k_end) are visible to some row
  std::int64_t min_lim[kTaskRows / kW];  // smallest limit among the real rows of each vector
};

Rows plan_rows(const AttentionShape& s, const RowMap& map, std::int64_t row0, std::int64_t n_rows) {
  Rows r;
  r.n_vec = (n_rows + kW - 1) / kW;
  std::int64_t hi = -1;
  for (std::int64_t i = 0; i < r.n_vec * kW; ++i) {
    std::int64_t lim = -1;
    if (i < n_rows) {
      std::int64_t t = map.token(row0 + i);
      lim = s.causal ? std::min(s.n_kv - 1, s.kv_offset + t) : s.n_kv - 1;
    }
    r.lim[i] = static_cast<std::int32_t>(lim);
    hi = std::max(hi, lim);
  }
  for (std::int64_t v = 0; v < r.n_vec; ++v) {
    std::int64_t lo = std::numeric_limits<std::int64_t>::max();
    for (std::int64_t i = v * kW; i < std::min(n_rows, (v + 1) * kW); ++i) lo = std::min<std::int64_t>(lo, r.lim[i]);
    r.min_lim[v] = lo;
  }
  r.k_end = hi + 1;
  return r;
}

// Masks scores of keys past each lane's limit, then updates the running max/sum and turns the
// scores into probabilities in place. Returns the factor that rescales the old accumulators.
__m512 softmax_block(float* st, std::int64_t nk, std::int64_t k0, bool need_mask, __m512i lim,
                     __m512* m, __m512* l) {
  const __m512 neg_inf = _mm512_set1_ps(-std::numeric_limits<float>::infinity());
  __m512 bmax = neg_inf;
  for (std::int64_t j = 0; j < nk; ++j) {
    __m512 sj = _mm512_load_ps(st + j * kW);
    if (need_mask) {
      __mmask16 vis = _mm512_cmp_epi32_mask(_mm512_set1_epi32(static_cast<int>(k0 + j)), lim, _MM_CMPINT_LE);
      sj = _mm512_mask_mov_ps(neg_inf, vis, sj);
      _mm512_store_ps(st + j * kW, sj);
    }
    bmax = _mm512_max_ps(bmax, sj);
  }
  __m512 m_new = _mm512_max_ps(*m, bmax);
  // Lanes that have seen nothing yet use 0 as the reference, so exp(-inf - 0) = 0, not NaN.
  __mmask16 valid = _mm512_cmp_ps_mask(m_new, neg_inf, _CMP_NEQ_OQ);
  __m512 m_use = _mm512_maskz_mov_ps(valid, m_new);
  __m512 corr = vmath::exp_avx512(_mm512_sub_ps(*m, m_use));
  __m512 sum = _mm512_setzero_ps();
  for (std::int64_t j = 0; j < nk; ++j) {
    __m512 p = vmath::exp_avx512(_mm512_sub_ps(_mm512_load_ps(st + j * kW), m_use));
    _mm512_store_ps(st + j * kW, p);
    sum = _mm512_add_ps(sum, p);
  }
  *l = _mm512_fmadd_ps(*l, corr, sum);
  *m = m_new;
  return corr;
}

// Asks for the K and V rows of keys [k0, min(k0 + kBlockKeys, k_end)) of kv head g (into L2:
// a block of K and V can be as large as L1) while the current block is computed; otherwise a
// decode step reading a long cache waits on DRAM at every block. Decode attention over 3,392
// cached tokens, 2 threads, four interleaved rounds: 1B shape (24 layers) 5.36-5.66 -> 4.93-5.19
// ms per step, 8B shape (28 layers) 20.4-20.7 -> 19.8-20.0 ms (in a slower window 8.5-9.2 ->
// 6.7-7.2 ms on 1B); a 512-token prefill chunk is unchanged.
template <typename T>
void prefetch_block(const T* k, const T* v, const AttentionShape& s, int g, std::int64_t k0, std::int64_t k_end) {
  const std::int64_t off = static_cast<std::int64_t>(g) * s.head_dim;
  constexpr int kLine = 64 / sizeof(T);
  for (std::int64_t j = k0; j < std::min(k_end, k0 + kBlockKeys); ++j) {
    for (int d = 0; d < s.head_dim; d += kLine) {
      _mm_prefetch(reinterpret_cast<const char*>(k + j * s.kv_stride + off + d), _MM_HINT_T1);
      _mm_prefetch(reinterpret_cast<const char*>(v + j * s.kv_stride + off + d), _MM_HINT_T1);
    }
  }
}

// Writes O^T / l back to the output rows of one vector.
void finish_rows(const float* ot, __m512 l, const AttentionShape& s, const RowMap& map, int g,
                 std::int64_t row0, std::int64_t n_here, float* out) {
  const int hd = s.head_dim;
  __mmask16 pos = _mm512_cmp_ps_mask(l, _mm512_setzero_ps(), _CMP_GT_OQ);
  __m512 inv = _mm512_maskz_div_ps(pos, _mm512_set1_ps(1.0f), l);
  alignas(64) float tmp[kW];
  alignas(64) float buf[kW * 256];  // [lane][d] for head_dim <= 256
  for (int d = 0; d < hd; ++d) {
    _mm512_store_ps(tmp, _mm512_mul_ps(_mm512_load_ps(ot + d * kW), inv));
    for (int r = 0; r < kW; ++r) buf[r * hd + d] = tmp[r];
  }
  for (std::int64_t r = 0; r < n_here; ++r) {
    std::int64_t row = row0 + r;
    float* o = out + map.token(row) * s.o_stride + static_cast<std::int64_t>(map.head(g, row)) * hd;
    std::memcpy(o, buf + r * hd, sizeof(float) * static_cast<std::size_t>(hd));
  }
}

}  // namespace

void task_f32_avx512(const float* q, const float* k, const float* v, const AttentionShape& s, int g,
                     std::int64_t row0, std::int64_t n_rows, float* out, float* scratch) {
  const int hd = s.head_dim;
  const RowMap map{s.n_heads / s.n_kv_heads};
  const Layout L = layout(scratch, hd);
  const Rows R = plan_rows(s, map, row0, n_rows);
  // Q^T, pre-scaled; padding rows are zero.
  std::memset(L.qt, 0, sizeof(float) * static_cast<std::size_t>(R.n_vec * hd * kW));
  for (std::int64_t i = 0; i < n_rows; ++i) {
    const std::int64_t row = row0 + i;
    const float* qp = q + map.token(row) * s.q_stride + static_cast<std::int64_t>(map.head(g, row)) * hd;
    float* dst = L.qt + (i / kW) * hd * kW + (i % kW);
    for (int d = 0; d < hd; ++d) dst[d * kW] = qp[d] * s.scale;
  }
  std::memset(L.ot, 0, sizeof(float) * static_cast<std::size_t>(R.n_vec * hd * kW));
  __m512 m[kTaskRows / kW], l[kTaskRows / kW];
  for (std::int64_t vi = 0; vi < R.n_vec; ++vi) {
    m[vi] = _mm512_set1_ps(-std::numeric_limits<float>::infinity());
    l[vi] = _mm512_setzero_ps();
  }
  for (std::int64_t k0 = 0; k0 < R.k_end; k0 += kBlockKeys) {
    const std::int64_t nk = std::min(kBlockKeys, R.k_end - k0);
    const std::int64_t nk16 = (nk + 15) / 16 * 16;
    prefetch_block(k, v, s, g, k0 + kBlockKeys, R.k_end);
    for (std::int64_t j = 0; j < nk16; ++j) {
      float* kd = L.kb + j * hd;
      float* vd = L.vb + j * hd;
      if (j < nk) {
        std::memcpy(kd, k + (k0 + j) * s.kv_stride + static_cast<std::int64_t>(g) * hd, sizeof(float) * hd);
        std::memcpy(vd, v + (k0 + j) * s.kv_stride + static_cast<std::int64_t>(g) * hd, sizeof(float) * hd);
      } else {
        std::memset(kd, 0, sizeof(float) * hd);
        std::memset(vd, 0, sizeof(float) * hd);
      }
    }
    for (std::int64_t vi = 0; vi < R.n_vec; ++vi) {
      if (R.lim[std::min<std::int64_t>(n_rows, (vi + 1) * kW) - 1] < k0) continue;  // rows see no key here
      const float* qv = L.qt + vi * hd * kW;
      // ---- scores: 16 keys x 16 lanes per tile ----
      for (std::int64_t kt = 0; kt < nk16; kt += 16) {
        __m512 acc[16];
        for (int jj = 0; jj < 16; ++jj) acc[jj] = _mm512_setzero_ps();
        const float* kr = L.kb + kt * hd;
        for (int d = 0; d < hd; ++d) {
          __m512 qd = _mm512_load_ps(qv + d * kW);
          for (int jj = 0; jj < 16; ++jj) acc[jj] = _mm512_fmadd_ps(_mm512_set1_ps(kr[jj * hd + d]), qd, acc[jj]);
        }
        for (int jj = 0; jj < 16; ++jj) _mm512_store_ps(L.st + (kt + jj) * kW, acc[jj]);
      }
      const bool need_mask = k0 + nk - 1 > R.min_lim[vi];
      __m512i lim = _mm512_loadu_si512(R.lim + vi * kW);
      __m512 corr = softmax_block(L.st, nk, k0, need_mask, lim, &m[vi], &l[vi]);
      // ---- O^T = O^T * corr + V^T P^T, 16 head dims per pass ----
      float* ov = L.ot + vi * hd * kW;
      for (int dc = 0; dc < hd; dc += 16) {
        __m512 acc[16];
        for (int i = 0; i < 16; ++i) acc[i] = _mm512_mul_ps(_mm512_load_ps(ov + (dc + i) * kW), corr);
        for (std::int64_t j = 0; j < nk; ++j) {
          __m512 pj = _mm512_load_ps(L.st + j * kW);
          const float* vr = L.vb + j * hd + dc;
          for (int i = 0; i < 16; ++i) acc[i] = _mm512_fmadd_ps(_mm512_set1_ps(vr[i]), pj, acc[i]);
        }
        for (int i = 0; i < 16; ++i) _mm512_store_ps(ov + (dc + i) * kW, acc[i]);
      }
    }
  }
  for (std::int64_t vi = 0; vi < R.n_vec; ++vi) {
    finish_rows(L.ot + vi * hd * kW, l[vi], s, map, g, row0 + vi * kW,
                std::min<std::int64_t>(kW, n_rows - vi * kW), out);
  }
}

INTERNVL_TARGET_END

INTERNVL_TARGET_AVX512BF16_BEGIN
namespace {

// 16-bit lanes [a0..a15 | b0..b15] -> a0 b0 a1 b1 ... a15 b15.
inline __m512i interleave_halves(__m512i both) {
  const __m512i idx = _mm512_set_epi16(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8,
                                       23, 7, 22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
  return _mm512_permutexvar_epi16(idx, both);
}

// Interleaves two rows of 16 f32 into 16 bf16 pairs: out[2i] = a[i], out[2i + 1] = b[i].
inline __m512i pair_bf16(__m512 a, __m512 b) { return interleave_halves((__m512i)_mm512_cvtne2ps_pbh(b, a)); }

inline __m512 bcast_pair(const std::uint16_t* p) {
  std::uint32_t bits;
  std::memcpy(&bits, p, sizeof bits);
  return _mm512_castsi512_ps(_mm512_set1_epi32(static_cast<int>(bits)));
}

// 16 keys or values of one row as bf16: rounded from f32, or as stored.
inline __m256i row16_bf16(const float* p) { return (__m256i)_mm512_cvtneps_pbh(_mm512_loadu_ps(p)); }
inline __m256i row16_bf16(const std::uint16_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }

// Two rows' 16 values as 16 bf16 pairs (see pair_bf16); b is null past the last key.
inline __m512i pair_rows(const float* a, const float* b) {
  return pair_bf16(_mm512_loadu_ps(a), b ? _mm512_loadu_ps(b) : _mm512_setzero_ps());
}
inline __m512i pair_rows(const std::uint16_t* a, const std::uint16_t* b) {
  const __m256i hi = b ? row16_bf16(b) : _mm256_setzero_si256();
  return interleave_halves(_mm512_inserti64x4(_mm512_castsi256_si512(row16_bf16(a)), hi, 1));
}

// KV: float (rounded to bf16 while a block is packed) or std::uint16_t (a bf16 cache).
template <typename KV>
void bf16_task(const float* q, const KV* k, const KV* v, const AttentionShape& s, int g, std::int64_t row0,
               std::int64_t n_rows, float* out, float* scratch) {
  const int hd = s.head_dim;
  const RowMap map{s.n_heads / s.n_kv_heads};
  const Layout L = layout(scratch, hd);
  const Rows R = plan_rows(s, map, row0, n_rows);
  auto* qtb = reinterpret_cast<std::uint16_t*>(L.qt);  // [n_vec][hd/2][16][2]
  auto* kbb = reinterpret_cast<std::uint16_t*>(L.kb);  // [64][hd]
  auto* vbb = reinterpret_cast<std::uint16_t*>(L.vb);  // [32][hd][2]
  std::memset(qtb, 0, sizeof(std::uint16_t) * static_cast<std::size_t>(R.n_vec * hd * kW));
  for (std::int64_t i = 0; i < n_rows; ++i) {
    const std::int64_t row = row0 + i;
    const float* qp = q + map.token(row) * s.q_stride + static_cast<std::int64_t>(map.head(g, row)) * hd;
    std::uint16_t* dst = qtb + (i / kW) * hd * kW + (i % kW) * 2;
    for (int d = 0; d < hd; ++d) dst[(d / 2) * 2 * kW + (d % 2)] = f32_to_bf16(qp[d] * s.scale);
  }
  std::memset(L.ot, 0, sizeof(float) * static_cast<std::size_t>(R.n_vec * hd * kW));
  __m512 m[kTaskRows / kW], l[kTaskRows / kW];
  for (std::int64_t vi = 0; vi < R.n_vec; ++vi) {
    m[vi] = _mm512_set1_ps(-std::numeric_limits<float>::infinity());
    l[vi] = _mm512_setzero_ps();
  }
  alignas(64) std::uint16_t pp[kBlockKeys / 2 * kW * 2];  // P^T pairs [32][16][2]
  for (std::int64_t k0 = 0; k0 < R.k_end; k0 += kBlockKeys) {
    const std::int64_t nk = std::min(kBlockKeys, R.k_end - k0);
    const std::int64_t nk16 = (nk + 15) / 16 * 16, npairs = (nk + 1) / 2;
    prefetch_block(k, v, s, g, k0 + kBlockKeys, R.k_end);
    for (std::int64_t j = 0; j < nk16; ++j) {
      std::uint16_t* kd = kbb + j * hd;
      const KV* ks = k + (k0 + j) * s.kv_stride + static_cast<std::int64_t>(g) * hd;
      for (int d = 0; d < hd; d += 16) {
        __m256i h = j < nk ? row16_bf16(ks + d) : _mm256_setzero_si256();
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(kd + d), h);
      }
    }
    for (std::int64_t jp = 0; jp < npairs; ++jp) {
      const std::int64_t j = 2 * jp;
      const KV* v0 = v + (k0 + j) * s.kv_stride + static_cast<std::int64_t>(g) * hd;
      const KV* v1 = j + 1 < nk ? v0 + s.kv_stride : nullptr;
      for (int d = 0; d < hd; d += 16) {
        _mm512_storeu_si512(vbb + (jp * hd + d) * 2, pair_rows(v0 + d, v1 ? v1 + d : nullptr));
      }
    }
    for (std::int64_t vi = 0; vi < R.n_vec; ++vi) {
      if (R.lim[std::min<std::int64_t>(n_rows, (vi + 1) * kW) - 1] < k0) continue;  // rows see no key here
      const std::uint16_t* qv = qtb + vi * hd * kW;
      for (std::int64_t kt = 0; kt < nk16; kt += 16) {
        __m512 acc[16];
        for (int jj = 0; jj < 16; ++jj) acc[jj] = _mm512_setzero_ps();
        const std::uint16_t* kr = kbb + kt * hd;
        for (int p = 0; p < hd / 2; ++p) {
          __m512bh qp = (__m512bh)_mm512_load_si512(qv + p * 2 * kW);
          for (int jj = 0; jj < 16; ++jj) {
            acc[jj] = _mm512_dpbf16_ps(acc[jj], (__m512bh)bcast_pair(kr + jj * hd + 2 * p), qp);
          }
        }
        for (int jj = 0; jj < 16; ++jj) _mm512_store_ps(L.st + (kt + jj) * kW, acc[jj]);
      }
      const bool need_mask = k0 + nk - 1 > R.min_lim[vi];
      __m512i lim = _mm512_loadu_si512(R.lim + vi * kW);
      __m512 corr = softmax_block(L.st, nk, k0, need_mask, lim, &m[vi], &l[vi]);
      for (std::int64_t jp = 0; jp < npairs; ++jp) {
        __m512 a = _mm512_load_ps(L.st + 2 * jp * kW);
        __m512 b = 2 * jp + 1 < nk ? _mm512_load_ps(L.st + (2 * jp + 1) * kW) : _mm512_setzero_ps();
        _mm512_store_si512(pp + jp * 2 * kW, pair_bf16(a, b));
      }
      float* ov = L.ot + vi * hd * kW;
      for (int dc = 0; dc < hd; dc += 16) {
        __m512 acc[16];
        for (int i = 0; i < 16; ++i) acc[i] = _mm512_mul_ps(_mm512_load_ps(ov + (dc + i) * kW), corr);
        for (std::int64_t jp = 0; jp < npairs; ++jp) {
          __m512bh pj = (__m512bh)_mm512_load_si512(pp + jp * 2 * kW);
          const std::uint16_t* vr = vbb + (jp * hd + dc) * 2;
          for (int i = 0; i < 16; ++i) acc[i] = _mm512_dpbf16_ps(acc[i], (__m512bh)bcast_pair(vr + 2 * i), pj);
        }
        for (int i = 0; i < 16; ++i) _mm512_store_ps(ov + (dc + i) * kW, acc[i]);
      }
    }
  }
  for (std::int64_t vi = 0; vi < R.n_vec; ++vi) {
    finish_rows(L.ot + vi * hd * kW, l[vi], s, map, g, row0 + vi * kW,
                std::min<std::int64_t>(kW, n_rows - vi * kW), out);
  }
}

}  // namespace

void task_bf16_avx512(const float* q, const float* k, const float* v, const AttentionShape& s, int g,
                      std::int64_t row0, std::int64_t n_rows, float* out, float* scratch) {
  bf16_task(q, k, v, s, g, row0, n_rows, out, scratch);
}

void task_bf16_avx512(const float* q, const std::uint16_t* k, const std::uint16_t* v, const AttentionShape& s,
                      int g, std::int64_t row0, std::int64_t n_rows, float* out, float* scratch) {
  bf16_task(q, k, v, s, g, row0, n_rows, out, scratch);
}

INTERNVL_TARGET_END

}  // namespace internvl::kernels::attn
