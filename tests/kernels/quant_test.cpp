// Block quantization: round trips (the interleaved layout read back by dequantize_row), the
// integer GEMV on every ISA level against the scalar reference, and the end-to-end error of a
// quantized matmul against the f32 product.
#include <gtest/gtest.h>

#include "core/half.h"
#include "kernel_test_util.h"
#include "kernels/matmul.h"
#include "kernels/quant.h"

namespace internvl::test {
namespace {

using kernels::WeightFormat;
using kernels::WeightMatrix;

struct QMatrix {
  std::vector<std::uint8_t> quants;
  std::vector<std::uint16_t> scales;
  WeightMatrix w;
};

QMatrix quantize(const std::vector<float>& wf, std::int64_t n, std::int64_t k, WeightFormat fmt) {
  QMatrix q;
  const std::int64_t rb = kernels::quant_row_bytes(fmt, k), nb = k / 32;
  q.quants.resize(static_cast<std::size_t>(n * rb));
  q.scales.resize(static_cast<std::size_t>(n * nb));
  for (std::int64_t j = 0; j < n; ++j) {
    kernels::quantize_row(fmt, wf.data() + j * k, k, q.quants.data() + j * rb, q.scales.data() + j * nb);
  }
  q.w.format = fmt;
  q.w.data = q.quants.data();
  q.w.scales = q.scales.data();
  q.w.rows = n;
  q.w.cols = k;
  return q;
}

TEST(Quant, RoundTripWithinHalfAStep) {
  for (auto fmt : {WeightFormat::kQ8_0, WeightFormat::kQ4_0}) {
    for (std::int64_t k : {32, 64, 96, 512, 544, 896, 1024 + 480}) {
      auto wf = randn(static_cast<std::size_t>(3 * k), static_cast<std::uint64_t>(k));
      QMatrix q = quantize(wf, 3, k, fmt);
      std::vector<float> back(static_cast<std::size_t>(k));
      double err2 = 0, ref2 = 0;
      for (std::int64_t j = 0; j < 3; ++j) {
        q.w.row_to_f32(j, back.data());
        for (std::int64_t e = 0; e < k; ++e) {
          const float d = f16_to_f32(q.scales[static_cast<std::size_t>(j * (k / 32) + e / 32)]);
          const float x = wf[static_cast<std::size_t>(j * k + e)];
          // Q4 clamps the far side of the range at +7: up to one step; otherwise half a step.
          const float lim = fmt == WeightFormat::kQ8_0 ? 0.5f * d : std::fabs(d);
          ASSERT_LE(std::fabs(back[e] - x), lim * 1.0001f + 1e-7f)
              << kernels::weight_format_name(fmt) << " k " << k << " row " << j << " elem " << e;
          err2 += (back[e] - x) * (back[e] - x);
          ref2 += x * x;
        }
      }
      // Gaussian weights: Q8_0 keeps ~0.5% RMS error, Q4_0 ~10%.
      EXPECT_LT(std::sqrt(err2 / ref2), fmt == WeightFormat::kQ8_0 ? 0.01 : 0.12) << "k " << k;
    }
  }
}

void check_gemv(WeightFormat fmt, std::int64_t n, std::int64_t k, std::int64_t m) {
  auto wf = randn(static_cast<std::size_t>(n * k), 11 + static_cast<std::uint64_t>(k), 0.05f);
  auto x = randn(static_cast<std::size_t>(m * k), 12 + static_cast<std::uint64_t>(m));
  auto bias = randn(static_cast<std::size_t>(n), 13);
  QMatrix q = quantize(wf, n, k, fmt);
  kernels::QuantizedActs xq;
  kernels::quantize_acts(x.data(), m, k, &xq);
  std::vector<float> ref(static_cast<std::size_t>(m * n));
  kernels::ref::gemv_quant(xq, q.w, bias.data(), ref.data());
  // Bound: f32 sums over blocks of exact integer dots; |d_w d_x dot| <= |w||x| summed.
  std::vector<double> mag(static_cast<std::size_t>(m * n));
  std::vector<float> wd(static_cast<std::size_t>(k));
  for (std::int64_t j = 0; j < n; ++j) {
    q.w.row_to_f32(j, wd.data());
    for (std::int64_t i = 0; i < m; ++i) {
      double s = std::fabs(bias[j]);
      for (std::int64_t e = 0; e < k; ++e) s += 1.01 * std::fabs(wd[e] * x[i * k + e]);
      mag[i * n + j] = s;
    }
  }
  for (auto level : isa_levels()) {
    kernels::ScopedIsaLimit limit(level);
    std::vector<float> y(ref.size(), -1.0f);
    kernels::gemv_quant(xq, q.w, bias.data(), y.data());
    for (std::size_t i = 0; i < y.size(); ++i) {
      ASSERT_LE(std::fabs(y[i] - ref[i]), gamma_f32(k / 32 + 20) * mag[i] + 1e-30)
          << kernels::isa_name(level) << " " << kernels::weight_format_name(fmt) << " m " << m << " n " << n
          << " k " << k << " out " << i;
    }
  }
}

TEST(Quant, GemvMatchesReferenceOnEveryPath) {
  for (auto fmt : {WeightFormat::kQ8_0, WeightFormat::kQ4_0}) {
    for (std::int64_t k : {32, 96, 512, 896, 1536 + 32}) {
      for (std::int64_t m : {1, 2, 5, 8}) check_gemv(fmt, 37, k, m);
    }
  }
}

// Shares over 32 KB / 16 MB per thread are read as 2 / 4 interleaved row streams
// (kernels::gemv_streams), with rows left over after the streams.
TEST(Quant, GemvStreamsMatchReference) {
  check_gemv(WeightFormat::kQ4_0, 601, 1024, 1);
  check_gemv(WeightFormat::kQ8_0, 17003, 2048, 1);
  // Rows ending in a partial group (1568 = 3 groups + 1 block; 4864 = 9 groups + 8 blocks).
  check_gemv(WeightFormat::kQ4_0, 701, 1568, 1);
  check_gemv(WeightFormat::kQ8_0, 7001, 4864, 1);
}

// matmul with quantized W against the f32 product with the dequantized W: the difference is the
// activation quantization only (8 bits per 32-block: |err| <= sum |w| * d_x / 2 per block).
TEST(Quant, MatmulMatchesDequantizedProduct) {
  for (auto fmt : {WeightFormat::kQ8_0, WeightFormat::kQ4_0}) {
    for (std::int64_t m : {1, 4, 8, 20}) {
      const std::int64_t n = 50, k = 640;
      auto wf = randn(static_cast<std::size_t>(n * k), 21, 0.05f);
      auto x = randn(static_cast<std::size_t>(m * k), 22);
      QMatrix q = quantize(wf, n, k, fmt);
      std::vector<float> ref(static_cast<std::size_t>(m * n));
      kernels::ref::matmul(x.data(), m, q.w, nullptr, ref.data());
      std::vector<float> wd(static_cast<std::size_t>(k));
      for (auto compute : {kernels::Compute::kF32, kernels::Compute::kBF16}) {
        for (auto level : isa_levels()) {
          kernels::ScopedIsaLimit limit(level);
          std::vector<float> y(ref.size());
          kernels::matmul(x.data(), m, q.w, nullptr, y.data(), compute);
          for (std::int64_t j = 0; j < n; ++j) {
            q.w.row_to_f32(j, wd.data());
            for (std::int64_t i = 0; i < m; ++i) {
              double abs_wx = 0, act = 0;
              for (std::int64_t b = 0; b < k / 32; ++b) {
                double amax = 0, wsum = 0;
                for (int e = 0; e < 32; ++e) {
                  amax = std::max(amax, std::fabs(static_cast<double>(x[i * k + b * 32 + e])));
                  wsum += std::fabs(wd[b * 32 + e]);
                  abs_wx += std::fabs(wd[b * 32 + e] * x[i * k + b * 32 + e]);
                }
                act += wsum * amax / 127.0 * 0.5;  // 8-bit activations: half a step per element
              }
              // GEMV (m <= 8) quantizes activations; the bf16 GEMM rounds x and W to bf16.
              double bound = gamma_f32(k + 32) * abs_wx;
              if (m <= 8) bound += act;
              if (m > 8 && compute == kernels::Compute::kBF16) bound += (2 * kUbf16 + kUbf16 * kUbf16) * abs_wx;
              ASSERT_LE(std::fabs(y[i * n + j] - ref[i * n + j]), bound * 1.01 + 1e-30)
                  << kernels::isa_name(level) << " " << kernels::weight_format_name(fmt) << " m " << m;
            }
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace internvl::test
