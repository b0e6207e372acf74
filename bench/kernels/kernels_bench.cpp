// Kernel micro-benchmarks (Google Benchmark). Counters: bytes/s of weights streamed (GEMV),
// FLOP/s (GEMM, attention). Shapes are the InternVL3-1B/8B ones. Examples:
//   kernels_bench --benchmark_filter=Gemv            # decode GEMVs, all formats
//   OMP_NUM_THREADS=1 kernels_bench --benchmark_filter=Attention
//   INTERNVL_ISA=avx2 kernels_bench ...              # another code path
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "core/half.h"
#include "kernels/activation.h"
#include "kernels/attention.h"
#include "kernels/buffer.h"
#include "kernels/convert.h"
#include "kernels/gemm_dnnl.h"
#include "kernels/matmul.h"
#include "kernels/norm.h"
#include "kernels/quant.h"

using namespace internvl;
using namespace internvl::kernels;

namespace {

std::vector<float> randn(std::size_t n, std::uint64_t seed, float s = 1.0f) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> d(0.0f, s);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

// A weight matrix of the given format with its own storage.
struct Weights {
  std::vector<std::uint16_t> half;
  std::vector<float> f32;
  std::vector<std::uint8_t> quants;
  std::vector<std::uint16_t> scales;
  WeightMatrix w;
  Weights(std::int64_t n, std::int64_t k, WeightFormat fmt) {
    auto v = randn(static_cast<std::size_t>(n * k), 1, 0.02f);
    w.format = fmt;
    w.rows = n;
    w.cols = k;
    if (fmt == WeightFormat::kF32) {
      f32 = v;
      w.data = f32.data();
    } else if (fmt == WeightFormat::kBF16) {
      half.resize(v.size());
      for (std::size_t i = 0; i < v.size(); ++i) half[i] = f32_to_bf16(v[i]);
      w.data = half.data();
    } else {
      const std::int64_t rb = quant_row_bytes(fmt, k), nb = k / 32;
      quants.resize(static_cast<std::size_t>(n * rb));
      scales.resize(static_cast<std::size_t>(n * nb));
      for (std::int64_t r = 0; r < n; ++r) quantize_row(fmt, v.data() + r * k, k, quants.data() + r * rb, scales.data() + r * nb);
      w.data = quants.data();
      w.scales = scales.data();
    }
  }
};

// Decode GEMV: m rows against W [n, k]; args: n, k, m, format, compute.
void BM_Gemv(benchmark::State& st) {
  const std::int64_t n = st.range(0), k = st.range(1), m = st.range(2);
  const auto fmt = static_cast<WeightFormat>(st.range(3));
  const auto compute = static_cast<Compute>(st.range(4));
  Weights w(n, k, fmt);
  auto x = randn(static_cast<std::size_t>(m * k), 2);
  std::vector<float> y(static_cast<std::size_t>(m * n));
  for (auto _ : st) {
    matmul(x.data(), m, w.w, nullptr, y.data(), compute);
    benchmark::DoNotOptimize(y.data());
  }
  st.SetBytesProcessed(st.iterations() * w.w.nbytes());
  st.SetLabel(std::string(weight_format_name(fmt)) + " " + compute_name(compute));
}

void gemv_args(benchmark::internal::Benchmark* b) {
  for (auto fmt : {WeightFormat::kBF16, WeightFormat::kQ8_0, WeightFormat::kQ4_0}) {
    for (auto shape : {std::pair{4864, 896}, {896, 4864}, {18944, 3584}, {3584, 18944}, {151674, 896}}) {
      b->Args({shape.first, shape.second, 1, static_cast<int>(fmt), static_cast<int>(Compute::kF32)});
      if (fmt == WeightFormat::kBF16) {
        b->Args({shape.first, shape.second, 1, static_cast<int>(fmt), static_cast<int>(Compute::kBF16)});
      }
    }
    b->Args({18944, 3584, 8, static_cast<int>(fmt), static_cast<int>(Compute::kBF16)});
  }
}
BENCHMARK(BM_Gemv)->Apply(gemv_args)->UseRealTime()->Unit(benchmark::kMillisecond);

// The same decode product through oneDNN's bf16 matmul (the alternative to our GEMVs): bf16 W
// and x, f32 y; args: n, k, m.
void BM_GemvDnnl(benchmark::State& st) {
  const std::int64_t n = st.range(0), k = st.range(1), m = st.range(2);
  Weights w(n, k, WeightFormat::kBF16);
  auto x = randn(static_cast<std::size_t>(m * k), 2);
  std::vector<std::uint16_t> xb(x.size());
  f32_to_bf16_row(x.data(), xb.data(), static_cast<std::int64_t>(x.size()));
  std::vector<float> y(static_cast<std::size_t>(m * n));
  for (auto _ : st) {
    if (!dnnl_gemm_bf16(xb.data(), m, k, w.half.data(), n, k, nullptr, y.data(), n)) {
      st.SkipWithError("oneDNN has no bf16 matmul on this CPU");
      break;
    }
    benchmark::DoNotOptimize(y.data());
  }
  st.SetBytesProcessed(st.iterations() * w.w.nbytes());
  st.SetLabel("bf16 oneDNN");
}
BENCHMARK(BM_GemvDnnl)->Args({18944, 3584, 1})->Args({4864, 896, 1})->Args({18944, 3584, 8})
    ->UseRealTime()->Unit(benchmark::kMillisecond);

// Prefill / vision GEMM: m x k times W [n, k]; args: m, n, k, format, compute.
void BM_Gemm(benchmark::State& st) {
  const std::int64_t m = st.range(0), n = st.range(1), k = st.range(2);
  const auto fmt = static_cast<WeightFormat>(st.range(3));
  const auto compute = static_cast<Compute>(st.range(4));
  Weights w(n, k, fmt);
  auto x = randn(static_cast<std::size_t>(m * k), 3);
  std::vector<float> y(static_cast<std::size_t>(m * n));
  for (auto _ : st) {
    matmul(x.data(), m, w.w, nullptr, y.data(), compute);
    benchmark::DoNotOptimize(y.data());
  }
  st.counters["FLOP/s"] = benchmark::Counter(2.0 * m * n * k * st.iterations(), benchmark::Counter::kIsRate);
  st.SetLabel(std::string(weight_format_name(fmt)) + " " + compute_name(compute));
}
BENCHMARK(BM_Gemm)
    ->Args({4100, 4096, 1024, static_cast<int>(WeightFormat::kBF16), static_cast<int>(Compute::kBF16)})
    ->Args({4100, 1024, 4096, static_cast<int>(WeightFormat::kBF16), static_cast<int>(Compute::kBF16)})
    ->Args({2048, 4864, 896, static_cast<int>(WeightFormat::kBF16), static_cast<int>(Compute::kBF16)})
    ->Args({2048, 4864, 896, static_cast<int>(WeightFormat::kQ4_0), static_cast<int>(Compute::kBF16)})
    ->Args({2048, 4864, 896, static_cast<int>(WeightFormat::kBF16), static_cast<int>(Compute::kF32)})
    ->UseRealTime()->Unit(benchmark::kMillisecond);

// Attention: args n_q, n_kv, heads, kv heads, head_dim, causal, compute.
void BM_Attention(benchmark::State& st) {
  AttentionShape s;
  s.n_q = st.range(0);
  s.n_kv = st.range(1);
  s.n_heads = static_cast<int>(st.range(2));
  s.n_kv_heads = static_cast<int>(st.range(3));
  s.head_dim = static_cast<int>(st.range(4));
  s.causal = st.range(5) != 0;
  s.kv_offset = s.causal ? s.n_kv - s.n_q : 0;
  s.q_stride = s.o_stride = static_cast<std::int64_t>(s.n_heads) * s.head_dim;
  s.kv_stride = static_cast<std::int64_t>(s.n_kv_heads) * s.head_dim;
  s.scale = 0.125f;
  const auto compute = static_cast<Compute>(st.range(6));
  auto q = randn(static_cast<std::size_t>(s.n_q * s.q_stride), 4);
  auto k = randn(static_cast<std::size_t>(s.n_kv * s.kv_stride), 5);
  auto v = randn(static_cast<std::size_t>(s.n_kv * s.kv_stride), 6);
  std::vector<float> o(q.size());
  for (auto _ : st) {
    attention(q.data(), k.data(), v.data(), s, o.data(), compute);
    benchmark::DoNotOptimize(o.data());
  }
  double pairs = s.causal ? static_cast<double>(s.n_q) * (s.n_kv - s.n_q) + s.n_q * (s.n_q + 1) / 2.0
                          : static_cast<double>(s.n_q) * s.n_kv;
  st.counters["FLOP/s"] = benchmark::Counter(4.0 * pairs * s.n_heads * s.head_dim * st.iterations(),
                                             benchmark::Counter::kIsRate);
  st.SetLabel(compute_name(compute));
}
BENCHMARK(BM_Attention)
    ->Args({1025, 1025, 16, 16, 64, 0, static_cast<int>(Compute::kF32)})
    ->Args({1025, 1025, 16, 16, 64, 0, static_cast<int>(Compute::kBF16)})
    ->Args({2048, 2048, 14, 2, 64, 1, static_cast<int>(Compute::kBF16)})
    ->Args({1, 4096, 28, 4, 128, 1, static_cast<int>(Compute::kF32)})
    ->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_Gelu(benchmark::State& st) {
  auto x = randn(static_cast<std::size_t>(st.range(0)), 7);
  for (auto _ : st) {
    gelu_erf(x.data(), st.range(0));
    benchmark::DoNotOptimize(x.data());
  }
  st.SetItemsProcessed(st.iterations() * st.range(0));
}
BENCHMARK(BM_Gelu)->Arg(4100 * 4096)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_LayerNorm(benchmark::State& st) {
  const std::int64_t rows = st.range(0), d = st.range(1);
  auto x = randn(static_cast<std::size_t>(rows * d), 8);
  auto w = randn(static_cast<std::size_t>(d), 9);
  std::vector<float> o(x.size());
  for (auto _ : st) {
    layer_norm(x.data(), w.data(), w.data(), 1e-6f, rows, d, o.data());
    benchmark::DoNotOptimize(o.data());
  }
  st.SetBytesProcessed(st.iterations() * rows * d * 8);
}
BENCHMARK(BM_LayerNorm)->Args({4100, 1024})->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
