// matmul (GEMV and GEMM paths, f32 and bf16 compute, every weight format) against the scalar
// reference, on every ISA level of this CPU. Bound per output: gamma_k * sum |x w| for f32
// arithmetic, plus 2^-8 (or 2^-7 when W is also rounded) of sum |x w| in bf16 mode.
#include <gtest/gtest.h>

#include "kernel_test_util.h"
#include "kernels/matmul.h"

namespace internvl::test {
namespace {

using kernels::Compute;
using kernels::WeightFormat;
using kernels::WeightMatrix;

struct Case {
  std::int64_t m, n, k;
};

void check(const Case& c, WeightFormat fmt, Compute compute, bool bias_on) {
  auto x = randn(static_cast<std::size_t>(c.m * c.k), 1 + c.m * 7 + c.k);
  auto wf = randn(static_cast<std::size_t>(c.n * c.k), 2 + c.n * 3 + c.k, 0.05f);
  auto bias = randn(static_cast<std::size_t>(c.n), 3);
  std::vector<std::uint16_t> wh;
  WeightMatrix w;
  w.format = fmt;
  w.rows = c.n;
  w.cols = c.k;
  if (fmt == WeightFormat::kF32) {
    w.data = wf.data();
  } else {
    wh = fmt == WeightFormat::kBF16 ? to_bf16(wf) : to_f16(wf);
    w.data = wh.data();
  }
  std::vector<float> wrow(static_cast<std::size_t>(c.k));
  std::vector<float> ref(static_cast<std::size_t>(c.m * c.n)), bound(ref.size());
  kernels::ref::matmul(x.data(), c.m, w, bias_on ? bias.data() : nullptr, ref.data());
  for (std::int64_t j = 0; j < c.n; ++j) {
    w.row_to_f32(j, wrow.data());
    for (std::int64_t i = 0; i < c.m; ++i) {
      double s = 0;
      for (std::int64_t t = 0; t < c.k; ++t) s += std::fabs(static_cast<double>(x[i * c.k + t]) * wrow[t]);
      bound[i * c.n + j] = static_cast<float>(s);
    }
  }
  double rel = gamma_f32(c.k + 1);
  if (compute == Compute::kBF16) rel += fmt == WeightFormat::kBF16 ? kUbf16 : 2 * kUbf16 + kUbf16 * kUbf16;
  for (auto level : isa_levels()) {
    kernels::ScopedIsaLimit limit(level);
    std::vector<float> y(ref.size(), -1.0f);
    kernels::matmul(x.data(), c.m, w, bias_on ? bias.data() : nullptr, y.data(), compute);
    for (std::size_t i = 0; i < y.size(); ++i) {
      double tol = rel * (bound[i] + (bias_on ? std::fabs(bias[i % c.n]) : 0.0)) + 1e-30;
      ASSERT_LE(std::fabs(y[i] - ref[i]), tol)
          << "isa " << kernels::isa_name(level) << " fmt " << kernels::weight_format_name(fmt) << " compute "
          << kernels::compute_name(compute) << " m " << c.m << " n " << c.n << " k " << c.k << " at row "
          << i / c.n << " col " << i % c.n << ": " << y[i] << " vs " << ref[i];
    }
  }
}

TEST(Matmul, MatchesReferenceOnEveryPath) {
  const Case cases[] = {{1, 37, 16}, {1, 64, 896}, {2, 19, 100}, {3, 33, 64}, {5, 21, 130},
                        {8, 40, 256}, {9, 35, 64}, {33, 70, 200}, {64, 96, 1024}};
  for (const Case& c : cases) {
    for (auto fmt : {WeightFormat::kF32, WeightFormat::kBF16, WeightFormat::kF16}) {
      for (auto compute : {Compute::kF32, Compute::kBF16}) {
        check(c, fmt, compute, (c.m + c.k) % 2 == 0);
      }
    }
  }
}

TEST(Matmul, LargeGemmBothModes) {
  check({300, 257, 512}, WeightFormat::kBF16, Compute::kF32, true);
  check({300, 257, 512}, WeightFormat::kBF16, Compute::kBF16, true);
}

// Decode GEMVs read a thread's rows as 2 or 4 interleaved streams once its share passes 32 KB /
// 16 MB (kernels::gemv_streams); row counts leave a remainder after the streams.
TEST(Matmul, GemvStreamsMatchReference) {
  for (auto compute : {Compute::kF32, Compute::kBF16}) {
    check({1, 301, 1024}, WeightFormat::kBF16, compute, true);
    check({1, 9003, 2048}, WeightFormat::kBF16, compute, false);
  }
  check({1, 4501, 2048}, WeightFormat::kF32, Compute::kF32, true);
}

// matmul_multi must give exactly what separate matmul calls give (same row kernels).
TEST(Matmul, MultiEqualsSeparateCalls) {
  const std::int64_t k = 320;
  std::vector<std::vector<float>> wf;
  std::vector<std::vector<std::uint16_t>> wh;
  std::vector<WeightMatrix> ws;
  for (int i = 0; i < 3; ++i) {
    wf.push_back(randn(static_cast<std::size_t>((40 + 7 * i) * k), 90 + i, 0.05f));
    wh.push_back(to_bf16(wf.back()));
  }
  for (int i = 0; i < 3; ++i) {
    WeightMatrix w;
    w.format = i == 2 ? WeightFormat::kF32 : WeightFormat::kBF16;
    w.data = i == 2 ? static_cast<const void*>(wf[i].data()) : wh[i].data();
    w.rows = 40 + 7 * i;
    w.cols = k;
    ws.push_back(w);
  }
  auto bias = randn(64, 99);
  for (std::int64_t m : {1, 3, 8, 12}) {
    auto x = randn(static_cast<std::size_t>(m * k), 98);
    for (auto compute : {Compute::kF32, Compute::kBF16}) {
      std::vector<std::vector<float>> a(3), b(3);
      kernels::MatmulTarget t[3];
      for (int i = 0; i < 3; ++i) {
        a[i].resize(static_cast<std::size_t>(m * ws[i].rows));
        b[i].resize(a[i].size());
        t[i] = {&ws[i], i == 1 ? bias.data() : nullptr, b[i].data()};
        kernels::matmul(x.data(), m, ws[i], t[i].bias, a[i].data(), compute);
      }
      kernels::matmul_multi(x.data(), m, t, 3, compute);
      for (int i = 0; i < 3; ++i) EXPECT_EQ(a[i], b[i]) << "target " << i << " m " << m;
    }
  }
}

}  // namespace
}  // namespace internvl::test
