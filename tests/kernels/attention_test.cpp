// Flash attention on every path (f32 AVX-512/AVX2/scalar, bf16 AVX-512) against the two-pass
// double reference: vision-like (bidirectional), GQA causal prefill with cached keys, decode,
// and head dims that select each path. Bound: scores err <= hd u sum|q k| scale (f32) or
// 2^-7 sum|q k| scale (bf16: q, k rounded), which moves probabilities by at most ~2x that;
// the output is a convex combination of v rows, so err <= max|v| (4 ds + rounding of p, v).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

#include "kernel_test_util.h"
#include "core/half.h"
#include "kernels/attention.h"

namespace internvl::test {
namespace {

using kernels::AttentionShape;
using kernels::Compute;

AttentionShape shape(std::int64_t n_q, std::int64_t n_kv, int nh, int nkv, int hd, bool causal) {
  AttentionShape s;
  s.n_q = n_q;
  s.n_kv = n_kv;
  s.n_heads = nh;
  s.n_kv_heads = nkv;
  s.head_dim = hd;
  s.q_stride = s.o_stride = static_cast<std::int64_t>(nh) * hd + 3;  // padded rows: strides matter
  s.kv_stride = static_cast<std::int64_t>(nkv) * hd + 5;
  s.causal = causal;
  s.kv_offset = causal ? n_kv - n_q : 0;
  s.scale = 1.0f / std::sqrt(static_cast<float>(hd));
  return s;
}

void check(const AttentionShape& s, float qscale) {
  auto q = randn(static_cast<std::size_t>(s.n_q * s.q_stride), 31 + s.n_q, qscale);
  auto k = randn(static_cast<std::size_t>(s.n_kv * s.kv_stride), 32 + s.n_kv, qscale);
  auto v = randn(static_cast<std::size_t>(s.n_kv * s.kv_stride), 33);
  std::vector<float> ref(static_cast<std::size_t>(s.n_q * s.o_stride), 0.0f);
  kernels::ref::attention(q.data(), k.data(), v.data(), s, ref.data());
  double vmax = 0, qk = 0;
  for (float x : v) vmax = std::max(vmax, static_cast<double>(std::fabs(x)));
  const int group = s.n_heads / s.n_kv_heads;
  for (std::int64_t i = 0; i < s.n_q; ++i) {
    for (int h = 0; h < s.n_heads; ++h) {
      for (std::int64_t j = 0; j < s.n_kv; ++j) {
        double a = 0;
        for (int d = 0; d < s.head_dim; ++d) {
          a += std::fabs(q[i * s.q_stride + h * s.head_dim + d] * k[j * s.kv_stride + (h / group) * s.head_dim + d]);
        }
        qk = std::max(qk, a * s.scale);
      }
    }
  }
  for (auto compute : {Compute::kF32, Compute::kBF16}) {
    const bool bf16 = compute == Compute::kBF16;
    const double ds = bf16 ? (2 * kUbf16 + s.head_dim * kU32) * qk : (s.head_dim + 2) * kU32 * qk;
    const double tol = vmax * (4 * ds + (bf16 ? 3 * kUbf16 : 64 * kU32 * std::log2(s.n_kv + 2.0)));
    for (auto level : isa_levels()) {
      kernels::ScopedIsaLimit limit(level);
      std::vector<float> out(ref.size(), 0.0f);
      kernels::attention(q.data(), k.data(), v.data(), s, out.data(), compute);
      for (std::int64_t i = 0; i < s.n_q; ++i) {
        for (std::int64_t c = 0; c < static_cast<std::int64_t>(s.n_heads) * s.head_dim; ++c) {
          const std::size_t at = static_cast<std::size_t>(i * s.o_stride + c);
          ASSERT_LE(std::fabs(out[at] - ref[at]), tol)
              << kernels::isa_name(level) << " " << kernels::compute_name(compute) << " n_q " << s.n_q
              << " n_kv " << s.n_kv << " hd " << s.head_dim << " token " << i << " col " << c;
        }
      }
    }
  }
}

TEST(Attention, VisionLikeBidirectional) {
  check(shape(77, 77, 4, 4, 64, false), 1.0f);
  check(shape(130, 130, 2, 2, 16, false), 1.0f);
}

TEST(Attention, CausalPrefillWithCacheAndGqa) {
  check(shape(50, 80, 6, 2, 32, true), 1.0f);
  check(shape(70, 70, 4, 1, 128, true), 0.5f);
  check(shape(17, 17, 4, 2, 8, true), 1.0f);   // AVX2 / scalar head dim
  check(shape(9, 40, 3, 3, 12, true), 1.0f);   // scalar-only head dim
}

TEST(Attention, Decode) {
  check(shape(1, 300, 14, 2, 64, true), 1.0f);
  check(shape(3, 129, 8, 4, 128, true), 1.0f);
}

// Decode-shaped calls: key counts below, at and past one 16-key block,
// 16 rows, head dims 16 and 256, and a row whose token sees no key beyond the first.
TEST(Attention, DecodeEdges) {
  check(shape(1, 1, 7, 1, 64, true), 1.0f);
  check(shape(1, 5, 2, 2, 16, true), 1.0f);
  check(shape(1, 16, 8, 1, 128, true), 1.0f);
  check(shape(2, 17, 16, 2, 64, true), 1.0f);   // 2 tokens x 8 heads = 16 rows
  check(shape(1, 33, 4, 2, 256, true), 1.0f);
  check(shape(2, 2, 6, 3, 32, true), 1.0f);     // token 0 sees key 0 only
  check(shape(4, 40, 4, 4, 48, false), 1.0f);   // bidirectional, 4 rows per head
  check(shape(1, 3000, 7, 1, 128, true), 4.0f); // long cache, large scores
}

// A bf16 KV cache gives what the f32 overload gives for the rounded keys and values, bit for
// bit, on every path: the bf16 path rounds f32 k and v itself, the others widen the cache.
TEST(Attention, Bf16CacheMatchesRoundedValues) {
  for (const AttentionShape& s : {shape(1, 300, 14, 2, 64, true), shape(50, 80, 6, 2, 32, true),
                                  shape(3, 129, 8, 4, 128, true), shape(9, 40, 3, 3, 12, true)}) {
    const std::size_t kv = static_cast<std::size_t>(s.n_kv * s.kv_stride);
    auto q = randn(static_cast<std::size_t>(s.n_q * s.q_stride), 41);
    auto k = randn(kv, 42), v = randn(kv, 43);
    std::vector<std::uint16_t> kb(kv), vb(kv);
    for (std::size_t i = 0; i < kv; ++i) {
      kb[i] = f32_to_bf16(k[i]);
      vb[i] = f32_to_bf16(v[i]);
      k[i] = bf16_to_f32(kb[i]);
      v[i] = bf16_to_f32(vb[i]);
    }
    for (auto compute : {Compute::kF32, Compute::kBF16}) {
      for (auto level : isa_levels()) {
        kernels::ScopedIsaLimit limit(level);
        std::vector<float> want(static_cast<std::size_t>(s.n_q * s.o_stride), 0.0f), got = want;
        kernels::attention(q.data(), k.data(), v.data(), s, want.data(), compute);
        kernels::attention(q.data(), kb.data(), vb.data(), s, got.data(), compute);
        ASSERT_EQ(std::memcmp(want.data(), got.data(), sizeof(float) * want.size()), 0)
            << kernels::isa_name(level) << " " << kernels::compute_name(compute) << " n_q " << s.n_q << " hd "
            << s.head_dim;
      }
    }
  }
}

TEST(Attention, LargeScoresStayStable) {
  check(shape(40, 100, 2, 1, 64, true), 4.0f);  // scores of +-50: exp must not overflow
}

}  // namespace
}  // namespace internvl::test
