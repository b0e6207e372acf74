#include "kernels/membench.h"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <vector>

#include "core/half.h"
#include "kernels/buffer.h"
#include "kernels/cpu.h"
#include "kernels/gemm_dnnl.h"
#include "kernels/simd.h"

namespace internvl::kernels {

namespace {

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

float read_scalar(const float* p, std::int64_t n) {
  float s[8] = {};
  for (std::int64_t i = 0; i + 8 <= n; i += 8) {
    for (int l = 0; l < 8; ++l) s[l] += p[i + l];
  }
  return s[0] + s[1] + s[2] + s[3] + s[4] + s[5] + s[6] + s[7];
}

}  // namespace

INTERNVL_TARGET_AVX2_BEGIN
namespace {
float read_avx2(const float* p, std::int64_t n) {
  __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
  for (std::int64_t i = 0; i + 32 <= n; i += 32) {
    a0 = _mm256_add_ps(a0, _mm256_load_ps(p + i));
    a1 = _mm256_add_ps(a1, _mm256_load_ps(p + i + 8));
    a2 = _mm256_add_ps(a2, _mm256_load_ps(p + i + 16));
    a3 = _mm256_add_ps(a3, _mm256_load_ps(p + i + 24));
  }
  alignas(32) float t[8];
  _mm256_store_ps(t, _mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
  return t[0] + t[1] + t[2] + t[3] + t[4] + t[5] + t[6] + t[7];
}
}  // namespace
INTERNVL_TARGET_END

INTERNVL_TARGET_AVX512_BEGIN
namespace {
float read_avx512(const float* p, std::int64_t n) {
  __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
  for (std::int64_t i = 0; i + 64 <= n; i += 64) {
    a0 = _mm512_add_ps(a0, _mm512_load_ps(p + i));
    a1 = _mm512_add_ps(a1, _mm512_load_ps(p + i + 16));
    a2 = _mm512_add_ps(a2, _mm512_load_ps(p + i + 32));
    a3 = _mm512_add_ps(a3, _mm512_load_ps(p + i + 48));
  }
  return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)));
}

// S interleaved streams, each cache line prefetched kPrefetchBytes ahead: the access pattern of
// the decode GEMVs (4 weight rows at a time, the same prefetch distance; see gemv.cpp). More
// lines in flight than the hardware prefetcher alone keeps, which is what bounds one core.
template <int S>
float read_streams_avx512(const float* p, std::int64_t n) {
  constexpr int kPrefetchBytes = 1024;
  const std::int64_t q = n / S / 16 * 16;  // floats per stream, whole cache lines
  __m512 acc[S];
  for (int s = 0; s < S; ++s) acc[s] = _mm512_setzero_ps();
  for (std::int64_t i = 0; i + 16 <= q; i += 16) {
    for (int s = 0; s < S; ++s) {
      const float* line = p + s * q + i;
      _mm_prefetch(reinterpret_cast<const char*>(line) + kPrefetchBytes, _MM_HINT_T0);
      acc[s] = _mm512_add_ps(acc[s], _mm512_load_ps(line));
    }
  }
  for (int s = 1; s < S; ++s) acc[0] = _mm512_add_ps(acc[0], acc[s]);
  return _mm512_reduce_add_ps(acc[0]);
}
}  // namespace
INTERNVL_TARGET_END

namespace {

// Read patterns tried; the roofline is the best of them (a weaker pattern would flatter the
// figures measured against it).
enum class ReadPattern { kSequential, kStreams4, kStreams8 };

float read_pass(const float* p, std::int64_t n, ReadPattern pattern, Isa l) {
  if (l >= Isa::kAvx512) {
    switch (pattern) {
      case ReadPattern::kStreams4: return read_streams_avx512<4>(p, n);
      case ReadPattern::kStreams8: return read_streams_avx512<8>(p, n);
      default: return read_avx512(p, n);
    }
  }
  return l >= Isa::kAvx2 ? read_avx2(p, n) : read_scalar(p, n);
}

}  // namespace

Bandwidth measure_bandwidth(std::int64_t bytes, int repeats) {
  const std::int64_t n = bytes / 4 / 4096 * 4096;  // floats, page multiple
  auto* buf = static_cast<float*>(aligned_alloc_bytes(static_cast<std::size_t>(n) * 4));
#pragma omp parallel for schedule(static)
  for (std::int64_t i = 0; i < n; ++i) buf[i] = 1.0f;
  const Isa l = isa();
  volatile float sink = 0;
  double best_read = 1e30, best_copy = 1e30;
  const ReadPattern patterns[] = {ReadPattern::kSequential, ReadPattern::kStreams4, ReadPattern::kStreams8};
  const int n_patterns = l >= Isa::kAvx512 ? 3 : 1;
  for (int r = 0; r < repeats + 1; ++r) {  // the first pass warms the TLB
    for (int pi = 0; pi < n_patterns; ++pi) {
      const double t0 = now_s();
      float total = 0;
#pragma omp parallel reduction(+ : total)
      {
        const std::int64_t nt = omp_get_num_threads(), t = omp_get_thread_num();
        const std::int64_t chunk = n / nt / 256 * 256;
        total += read_pass(buf + t * chunk, chunk, patterns[pi], l);
      }
      sink = sink + total;
      if (r > 0) best_read = std::min(best_read, now_s() - t0);
    }
    // Copy the first half onto the second.
    const double t0 = now_s();
#pragma omp parallel
    {
      const std::int64_t nt = omp_get_num_threads(), t = omp_get_thread_num();
      const std::int64_t chunk = n / 2 / nt;
      std::memcpy(buf + n / 2 + t * chunk, buf + t * chunk, static_cast<std::size_t>(chunk) * 4);
    }
    if (r > 0) best_copy = std::min(best_copy, now_s() - t0);
  }
  Bandwidth b;
  b.read_gbs = static_cast<double>(n) * 4 / best_read / 1e9;
  b.copy_gbs = static_cast<double>(n) * 2 / best_copy / 1e9;
  aligned_free_bytes(buf, static_cast<std::size_t>(n) * 4);
  return b;
}

GemmPeak measure_gemm_peak_bf16(int repeats, bool quick) {
  GemmPeak best;
  const std::vector<std::int64_t> sizes = quick ? std::vector<std::int64_t>{3072} : std::vector<std::int64_t>{2048, 3072, 4096};
  for (std::int64_t n : sizes) {
    GrowBuffer<std::uint16_t> a, b;
    GrowBuffer<float> c;
    std::uint16_t* ap = a.reserve(static_cast<std::size_t>(n * n));
    std::uint16_t* bp = b.reserve(static_cast<std::size_t>(n * n));
    float* cp = c.reserve(static_cast<std::size_t>(n * n));
    for (std::int64_t i = 0; i < n * n; ++i) {
      ap[i] = f32_to_bf16(static_cast<float>(i % 7) * 0.1f);
      bp[i] = f32_to_bf16(static_cast<float>(i % 5) * 0.1f);
    }
    if (!dnnl_gemm_bf16(ap, n, n, bp, n, n, nullptr, cp, n)) return best;  // warm-up + creation
    for (int r = 0; r < repeats; ++r) {
      double t0 = now_s();
      dnnl_gemm_bf16(ap, n, n, bp, n, n, nullptr, cp, n);
      double gf = 2.0 * static_cast<double>(n) * n * n / (now_s() - t0) / 1e9;
      if (gf > best.gflops) {
        best.gflops = gf;
        best.n = n;
      }
    }
  }
  return best;
}

}  // namespace internvl::kernels
