#include "kernels/matmul.h"

#include <oneapi/dnnl/dnnl.h>
#include <omp.h>

#include <algorithm>
#include <cstdlib>
#include <vector>

namespace internvl::kernels {

namespace {

// Bytes of W converted to f32 per panel on the GEMM path: big enough to amortize the sgemm call,
// small enough to stay in L2.
constexpr std::int64_t kPanelBytes = 1 << 20;
// Up to this many activation rows the matrix is streamed once (decode: memory-bound).
constexpr std::int64_t kSmallM = 8;

__attribute__((target_clones("avx512f", "avx2", "default")))
float dot_f32(const float* a, const float* b, std::int64_t n) {
  // Eight partial sums in a fixed order: deterministic and vectorizable.
  float acc[16] = {};
  std::int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    for (int l = 0; l < 16; ++l) acc[l] += a[i + l] * b[i + l];
  }
  float s = 0;
  for (; i < n; ++i) s += a[i] * b[i];
  for (int l = 0; l < 16; ++l) s += acc[l];
  return s;
}

void matmul_small(const float* x, std::int64_t m, const WeightMatrix& w, const float* bias, float* y) {
  const std::int64_t n = w.rows, k = w.cols;
#pragma omp parallel
  {
    std::vector<float> row(static_cast<std::size_t>(k));
#pragma omp for schedule(static)
    for (std::int64_t j = 0; j < n; ++j) {
      const float* wr;
      if (w.format == WeightFormat::kF32) {
        wr = static_cast<const float*>(w.data) + j * k;
      } else {
        w.row_to_f32(j, row.data());
        wr = row.data();
      }
      float b = bias ? bias[j] : 0.0f;
      for (std::int64_t i = 0; i < m; ++i) y[i * n + j] = dot_f32(x + i * k, wr, k) + b;
    }
  }
}

void matmul_gemm(const float* x, std::int64_t m, const WeightMatrix& w, const float* bias, float* y) {
  const std::int64_t n = w.rows, k = w.cols;
  if (w.format == WeightFormat::kF32) {
    dnnl_sgemm('N', 'T', m, n, k, 1.0f, x, k, static_cast<const float*>(w.data), k, 0.0f, y, n);
  } else {
    const std::int64_t panel_rows = std::max<std::int64_t>(64, kPanelBytes / (4 * k));
    std::vector<float> panel(static_cast<std::size_t>(std::min(panel_rows, n) * k));
    for (std::int64_t j0 = 0; j0 < n; j0 += panel_rows) {
      std::int64_t nb = std::min(panel_rows, n - j0);
#pragma omp parallel for schedule(static)
      for (std::int64_t j = 0; j < nb; ++j) w.row_to_f32(j0 + j, panel.data() + j * k);
      dnnl_sgemm('N', 'T', m, nb, k, 1.0f, x, k, panel.data(), k, 0.0f, y + j0, n);
    }
  }
  if (bias) {
#pragma omp parallel for schedule(static)
    for (std::int64_t i = 0; i < m; ++i) {
      float* yi = y + i * n;
      for (std::int64_t j = 0; j < n; ++j) yi[j] += bias[j];
    }
  }
}

}  // namespace

void matmul(const float* x, std::int64_t m, const WeightMatrix& w, const float* bias, float* y) {
  if (m <= 0 || w.rows <= 0) return;
  if (m <= kSmallM) {
    matmul_small(x, m, w, bias, y);
  } else {
    matmul_gemm(x, m, w, bias, y);
  }
}

}  // namespace internvl::kernels
