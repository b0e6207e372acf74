#include "kernels/attention.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace internvl::kernels {

namespace {

constexpr std::int64_t kBlockQ = 16;
constexpr std::int64_t kBlockK = 64;

__attribute__((target_clones("avx512f", "avx2", "default")))
void attend_block(const float* q, const float* k, const float* v, const AttentionShape& s, int h,
                  std::int64_t q0, std::int64_t nq, float* out) {
  const int hd = s.head_dim;
  const int group = s.n_heads / s.n_kv_heads;
  const int g = h / group;
  float m[kBlockQ], l[kBlockQ];
  std::vector<float> acc(static_cast<std::size_t>(kBlockQ * hd), 0.0f);
  float sc[kBlockQ][kBlockK];
  for (std::int64_t i = 0; i < nq; ++i) {
    m[i] = -std::numeric_limits<float>::infinity();
    l[i] = 0.0f;
  }
  // Keys visible to the last query of the block bound the scan.
  std::int64_t k_end = s.causal ? std::min(s.n_kv, s.kv_offset + q0 + nq) : s.n_kv;
  for (std::int64_t k0 = 0; k0 < k_end; k0 += kBlockK) {
    std::int64_t nk = std::min(kBlockK, k_end - k0);
    for (std::int64_t i = 0; i < nq; ++i) {
      const float* qi = q + (q0 + i) * s.q_stride + static_cast<std::int64_t>(h) * hd;
      std::int64_t limit = s.causal ? s.kv_offset + q0 + i : s.n_kv - 1;  // last visible key
      float bmax = -std::numeric_limits<float>::infinity();
      for (std::int64_t j = 0; j < nk; ++j) {
        if (k0 + j > limit) {
          sc[i][j] = -std::numeric_limits<float>::infinity();
          continue;
        }
        const float* kj = k + (k0 + j) * s.kv_stride + static_cast<std::int64_t>(g) * hd;
        float d = 0;
        for (int c = 0; c < hd; ++c) d += qi[c] * kj[c];
        sc[i][j] = d * s.scale;
        bmax = std::max(bmax, sc[i][j]);
      }
      if (bmax == -std::numeric_limits<float>::infinity()) continue;  // nothing visible here
      float m_new = std::max(m[i], bmax);
      float corr = std::exp(m[i] - m_new);
      float* a = acc.data() + i * hd;
      for (int c = 0; c < hd; ++c) a[c] *= corr;
      l[i] *= corr;
      for (std::int64_t j = 0; j < nk; ++j) {
        if (sc[i][j] == -std::numeric_limits<float>::infinity()) continue;
        float p = std::exp(sc[i][j] - m_new);
        l[i] += p;
        const float* vj = v + (k0 + j) * s.kv_stride + static_cast<std::int64_t>(g) * hd;
        for (int c = 0; c < hd; ++c) a[c] += p * vj[c];
      }
      m[i] = m_new;
    }
  }
  for (std::int64_t i = 0; i < nq; ++i) {
    float* o = out + (q0 + i) * s.o_stride + static_cast<std::int64_t>(h) * hd;
    const float* a = acc.data() + i * hd;
    float inv = l[i] > 0 ? 1.0f / l[i] : 0.0f;
    for (int c = 0; c < hd; ++c) o[c] = a[c] * inv;
  }
}

}  // namespace

void attention(const float* q, const float* k, const float* v, const AttentionShape& s, float* out) {
  const std::int64_t n_qb = (s.n_q + kBlockQ - 1) / kBlockQ;
  const std::int64_t tasks = n_qb * s.n_heads;
#pragma omp parallel for schedule(dynamic, 1) if (tasks > 1)
  for (std::int64_t t = 0; t < tasks; ++t) {
    int h = static_cast<int>(t % s.n_heads);
    std::int64_t qb = t / s.n_heads;
    std::int64_t q0 = qb * kBlockQ;
    attend_block(q, k, v, s, h, q0, std::min(kBlockQ, s.n_q - q0), out);
  }
}

namespace ref {

void attention(const float* q, const float* k, const float* v, const AttentionShape& s, float* out) {
  const int hd = s.head_dim;
  const int group = s.n_heads / s.n_kv_heads;
  std::vector<double> sc(static_cast<std::size_t>(s.n_kv));
  for (std::int64_t i = 0; i < s.n_q; ++i) {
    for (int h = 0; h < s.n_heads; ++h) {
      int g = h / group;
      std::int64_t last = s.causal ? std::min(s.n_kv - 1, s.kv_offset + i) : s.n_kv - 1;
      double mx = -INFINITY;
      for (std::int64_t j = 0; j <= last; ++j) {
        double d = 0;
        for (int c = 0; c < hd; ++c) {
          d += static_cast<double>(q[i * s.q_stride + h * hd + c]) * k[j * s.kv_stride + g * hd + c];
        }
        sc[j] = d * s.scale;
        mx = std::max(mx, sc[j]);
      }
      double sum = 0;
      for (std::int64_t j = 0; j <= last; ++j) sum += (sc[j] = std::exp(sc[j] - mx));
      for (int c = 0; c < hd; ++c) {
        double a = 0;
        for (std::int64_t j = 0; j <= last; ++j) a += sc[j] * v[j * s.kv_stride + g * hd + c];
        out[i * s.o_stride + h * hd + c] = last >= 0 ? static_cast<float>(a / sum) : 0.0f;
      }
    }
  }
}

}  // namespace ref
}  // namespace internvl::kernels
