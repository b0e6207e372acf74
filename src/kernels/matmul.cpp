#include "kernels/matmul.h"

#include <algorithm>

#include "kernels/buffer.h"
#include "kernels/convert.h"
#include "kernels/cpu.h"
#include "kernels/gemm_dnnl.h"
#include "kernels/gemv.h"
#include "kernels/quant.h"
#include "kernels/threading.h"

namespace internvl::kernels {

namespace {

// Bytes of W converted per panel on the GEMM paths for non-native formats: large enough to
// amortize the GEMM call, small enough to stay in L2/L3.
constexpr std::int64_t kPanelBytes = 4 << 20;

void add_bias(std::int64_t m, std::int64_t n, const float* bias, float* y) {
  if (!bias) return;
#pragma omp parallel for schedule(static) if (m * n >= kParallelMinWork)
  for (std::int64_t i = 0; i < m; ++i) {
    float* yi = y + i * n;
    for (std::int64_t j = 0; j < n; ++j) yi[j] += bias[j];
  }
}

std::int64_t panel_rows(std::int64_t k, std::int64_t elem) {
  return std::max<std::int64_t>(64, kPanelBytes / (elem * k)) / 16 * 16;
}

// ---- f32 GEMM: exact; W widened to f32 panels unless already f32 ----
void gemm_f32(const float* x, std::int64_t m, const WeightMatrix& w, const float* bias, float* y) {
  const std::int64_t n = w.rows, k = w.cols;
  if (w.format == WeightFormat::kF32) {
    dnnl_gemm_f32(x, m, k, static_cast<const float*>(w.data), n, y, n);
  } else {
    thread_local GrowBuffer<float> panel_buf;
    const std::int64_t pr = panel_rows(k, 4);
    float* panel = panel_buf.reserve(static_cast<std::size_t>(std::min(pr, n) * k));
    for (std::int64_t j0 = 0; j0 < n; j0 += pr) {
      const std::int64_t nb = std::min(pr, n - j0);
#pragma omp parallel for schedule(static)
      for (std::int64_t j = 0; j < nb; ++j) w.row_to_f32(j0 + j, panel + j * k);
      dnnl_gemm_f32(x, m, k, panel, nb, y + j0, n);
    }
  }
  add_bias(m, n, bias, y);
}

// ---- bf16 GEMM: x rounded to bf16, f32 accumulation ----
bool gemm_bf16(const float* x, std::int64_t m, const WeightMatrix& w, const float* bias, float* y) {
  const std::int64_t n = w.rows, k = w.cols;
  thread_local GrowBuffer<std::uint16_t> xb_buf;
  std::uint16_t* xb = xb_buf.reserve(static_cast<std::size_t>(m * k));
#pragma omp parallel for schedule(static) if (m * k >= kParallelMinWork)
  for (std::int64_t i = 0; i < m; ++i) f32_to_bf16_row(x + i * k, xb + i * k, k);
  if (w.format == WeightFormat::kBF16) {
    return dnnl_gemm_bf16(xb, m, k, static_cast<const std::uint16_t*>(w.data), n, k, bias, y, n);
  }
  thread_local GrowBuffer<std::uint16_t> panel_buf;
  const std::int64_t pr = panel_rows(k, 2);
  std::uint16_t* panel = panel_buf.reserve(static_cast<std::size_t>(std::min(pr, n) * k));
  for (std::int64_t j0 = 0; j0 < n; j0 += pr) {
    const std::int64_t nb = std::min(pr, n - j0);
#pragma omp parallel for schedule(static)
    for (std::int64_t j = 0; j < nb; j += 16) w.rows_to_bf16(j0 + j, std::min<std::int64_t>(16, nb - j), panel + j * k);
    if (!dnnl_gemm_bf16(xb, m, k, panel, nb, k, bias ? bias + j0 : nullptr, y + j0, n)) return false;
  }
  return true;
}

void gemv_any(const float* x, std::int64_t m, const WeightMatrix& w, const float* bias, float* y,
              Compute compute) {
  if (w.quantized()) {
    thread_local QuantizedActs xq;
    quantize_acts(x, m, w.cols, &xq);
    gemv_quant(xq, w, bias, y);
    return;
  }
  if (compute == Compute::kBF16 && w.format == WeightFormat::kBF16 && isa() >= Isa::kAvx512Bf16) {
    thread_local GrowBuffer<std::uint16_t> xb_buf;
    std::uint16_t* xb = xb_buf.reserve(static_cast<std::size_t>(m * w.cols));
    f32_to_bf16_row(x, xb, m * w.cols);
    gemv_bf16(xb, m, w, bias, y);
    return;
  }
  gemv_f32(x, m, w, bias, y);
}

// How a decode GEMV reads its activations.
enum class GemvKind { kF32, kBf16, kQuant };

GemvKind gemv_kind(const WeightMatrix& w, Compute compute) {
  if (w.quantized()) return GemvKind::kQuant;
  if (compute == Compute::kBF16 && w.format == WeightFormat::kBF16 && isa() >= Isa::kAvx512Bf16) return GemvKind::kBf16;
  return GemvKind::kF32;
}

}  // namespace

const char* compute_name(Compute c) { return c == Compute::kBF16 ? "bf16" : "f32"; }

void matmul_multi(const float* x, std::int64_t m, const MatmulTarget* t, int n, Compute compute) {
  if (m <= 0 || n <= 0) return;
  if (m > kGemvMaxRows || n == 1) {
    for (int i = 0; i < n; ++i) matmul(x, m, *t[i].w, t[i].bias, t[i].y, compute);
    return;
  }
  const std::int64_t k = t[0].w->cols;
  thread_local QuantizedActs xq;
  thread_local GrowBuffer<std::uint16_t> xb_buf;
  bool need_q = false, need_b = false;
  std::int64_t work = 0;
  for (int i = 0; i < n; ++i) {
    const GemvKind kind = gemv_kind(*t[i].w, compute);
    need_q = need_q || kind == GemvKind::kQuant;
    need_b = need_b || kind == GemvKind::kBf16;
    work += t[i].w->rows * t[i].w->cols;
  }
  if (need_q) quantize_acts(x, m, k, &xq);
  std::uint16_t* xb = need_b ? xb_buf.reserve(static_cast<std::size_t>(m * k)) : nullptr;
  if (need_b) f32_to_bf16_row(x, xb, m * k);
  // The targets' rows as one byte range, split among threads as for a single matrix.
  std::int64_t total = 0;
  for (int i = 0; i < n; ++i) total += t[i].w->rows * t[i].w->row_bytes();
  const QuantizedActs* xqp = &xq;
  auto on_bytes = [&](std::int64_t b0, std::int64_t b1) {
    std::int64_t off = 0;
    for (int i = 0; i < n && off < b1; ++i) {
      const MatmulTarget& tg = t[i];
      std::int64_t r0, r1;
      rows_in_bytes(b0, b1, off, tg.w->row_bytes(), tg.w->rows, &r0, &r1);
      off += tg.w->rows * tg.w->row_bytes();
      if (r0 >= r1) continue;
      switch (gemv_kind(*tg.w, compute)) {
        case GemvKind::kQuant: gemv_quant_rows(*xqp, *tg.w, tg.bias, tg.y, r0, r1); break;
        case GemvKind::kBf16: gemv_bf16_rows(xb, m, *tg.w, tg.bias, tg.y, r0, r1); break;
        case GemvKind::kF32: gemv_f32_rows(x, m, *tg.w, tg.bias, tg.y, r0, r1); break;
      }
    }
  };
  for_weight_bytes(total, work >= kParallelMinWork, need_q && quant_gemv_in_pieces(m), on_bytes);
}

void matmul(const float* x, std::int64_t m, const WeightMatrix& w, const float* bias, float* y,
            Compute compute) {
  if (m <= 0 || w.rows <= 0) return;
  if (m <= kGemvMaxRows) {
    gemv_any(x, m, w, bias, y, compute);
    return;
  }
  if (compute == Compute::kBF16 && gemm_bf16(x, m, w, bias, y)) return;
  gemm_f32(x, m, w, bias, y);
}

}  // namespace internvl::kernels
