// Quantizing/dequantizing rows and activations (scalar: they run once per weight at load, or
// once per activation row per matmul). The integer dot products are in gemv_quant*.cpp.
#include "kernels/quant.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/check.h"
#include "core/half.h"

namespace internvl::kernels {

namespace {

// Q4_0 scale candidates: the largest-magnitude weight maps to q = -8 * k / 8 for each k below
// (k = 8 is ggml's choice); the one with the smallest squared error wins.
constexpr float kQ4Candidates[] = {-8.0f, -7.5f, -7.0f, 7.0f};

std::int64_t group_blocks(std::int64_t n_blocks, std::int64_t g) {
  return std::min<std::int64_t>(kQuantGroup, n_blocks - g * kQuantGroup);
}

// Position of element (block b of group g, element e in 0..31) in a Q8_0 row.
std::int64_t q8_index(std::int64_t g, std::int64_t gb, std::int64_t b, std::int64_t e) {
  return 512 * g + 4 * gb * (e / 4) + 4 * b + (e % 4);
}

// Byte (and nibble: 0 low, 1 high) of element e of block b of group g in a Q4_0 row.
std::int64_t q4_index(std::int64_t g, std::int64_t gb, std::int64_t b, std::int64_t e, int* high) {
  const std::int64_t p = e / 8, r = e % 8;
  *high = r >= 4 ? 1 : 0;
  return 256 * g + 4 * gb * p + 4 * b + (r % 4);
}

float round_f16(float d) { return f16_to_f32(f32_to_f16(d)); }

// Round to nearest even for |v| < 2^22 with two adds (vectorizes; nearbyint is a libm call
// without SSE4.1). Used for quant levels, |v| <= 128.
inline float round_small(float v) {
  constexpr float kMagic = 12582912.0f;  // 1.5 * 2^23
  return (v + kMagic) - kMagic;
}

}  // namespace

std::int64_t quant_row_bytes(WeightFormat format, std::int64_t cols) {
  switch (format) {
    case WeightFormat::kQ8_0: return cols;
    case WeightFormat::kQ4_0: return cols / 2;
    default: return 0;
  }
}

bool quantizable(WeightFormat format, std::int64_t cols) {
  return (format == WeightFormat::kQ8_0 || format == WeightFormat::kQ4_0) && cols > 0 &&
         cols % kQuantBlock == 0;
}

// Auto-vectorized loops; target_clones picks the widest ISA at run time (ifunc).
__attribute__((target_clones("avx512f", "avx2", "default")))
void quantize_row(WeightFormat format, const float* x, std::int64_t cols, std::uint8_t* quants,
                  std::uint16_t* scales) {
  INTERNVL_DCHECK(quantizable(format, cols), "cannot quantize ", cols, " columns");
  const std::int64_t nb = cols / kQuantBlock;
  if (format == WeightFormat::kQ4_0) std::memset(quants, 0, static_cast<std::size_t>(cols / 2));
  for (std::int64_t blk = 0; blk < nb; ++blk) {
    const float* v = x + blk * kQuantBlock;
    const std::int64_t g = blk / kQuantGroup, b = blk % kQuantGroup, gb = group_blocks(nb, g);
    float amax = 0, mx = 0;
    for (int e = 0; e < kQuantBlock; ++e) {
      if (std::fabs(v[e]) > amax) {
        amax = std::fabs(v[e]);
        mx = v[e];
      }
    }
    if (format == WeightFormat::kQ8_0) {
      float d = round_f16(amax / 127.0f);
      float id = d > 0 ? 1.0f / d : 0.0f;
      scales[blk] = f32_to_f16(d);
      for (int e = 0; e < kQuantBlock; ++e) {
        int q = static_cast<int>(round_small(v[e] * id));
        q = std::min(127, std::max(-127, q));
        quants[q8_index(g, gb, b, e)] = static_cast<std::uint8_t>(q + 128);
      }
      continue;
    }
    // Q4_0: pick the candidate scale with the smallest squared error.
    float best_d = 0, best_err = INFINITY;
    for (float c : kQ4Candidates) {
      float d = amax > 0 ? round_f16(mx / c) : 0.0f;
      float id = d != 0 ? 1.0f / d : 0.0f;
      float err = 0;
      for (int e = 0; e < kQuantBlock; ++e) {
        float q = std::min(7.0f, std::max(-8.0f, round_small(v[e] * id)));
        float diff = v[e] - q * d;
        err += diff * diff;
      }
      if (err < best_err) {
        best_err = err;
        best_d = d;
      }
    }
    float id = best_d != 0 ? 1.0f / best_d : 0.0f;
    scales[blk] = f32_to_f16(best_d);
    for (int e = 0; e < kQuantBlock; ++e) {
      int q = static_cast<int>(std::min(7.0f, std::max(-8.0f, round_small(v[e] * id))));
      int high = 0;
      std::int64_t at = q4_index(g, gb, b, e, &high);
      quants[at] = static_cast<std::uint8_t>(quants[at] | ((q + 8) << (4 * high)));
    }
  }
}

void dequantize_row(WeightFormat format, const std::uint8_t* quants, const std::uint16_t* scales,
                    std::int64_t cols, float* out) {
  const std::int64_t nb = cols / kQuantBlock;
  for (std::int64_t blk = 0; blk < nb; ++blk) {
    const std::int64_t g = blk / kQuantGroup, b = blk % kQuantGroup, gb = group_blocks(nb, g);
    const float d = f16_to_f32(scales[blk]);
    float* o = out + blk * kQuantBlock;
    if (format == WeightFormat::kQ8_0) {
      for (int e = 0; e < kQuantBlock; e += 4) {
        const std::uint8_t* src = quants + q8_index(g, gb, b, e);
        for (int j = 0; j < 4; ++j) o[e + j] = d * static_cast<float>(static_cast<int>(src[j]) - 128);
      }
    } else {
      for (int p = 0; p < 4; ++p) {
        int high = 0;
        const std::uint8_t* src = quants + q4_index(g, gb, b, 8 * p, &high);
        for (int j = 0; j < 4; ++j) {
          o[8 * p + j] = d * static_cast<float>(static_cast<int>(src[j] & 15) - 8);
          o[8 * p + 4 + j] = d * static_cast<float>(static_cast<int>(src[j] >> 4) - 8);
        }
      }
    }
  }
}

__attribute__((target_clones("avx512f", "avx2", "default")))
void quantize_acts(const float* x, std::int64_t m, std::int64_t k, QuantizedActs* out) {
  INTERNVL_DCHECK(k % kQuantBlock == 0, "activation width ", k, " is not a multiple of 32");
  const std::int64_t nb = k / kQuantBlock;
  const std::int64_t ng = (nb + kQuantGroup - 1) / kQuantGroup;
  out->m = m;
  out->k = k;
  out->n_groups = ng;
  std::int8_t* q = out->q.reserve(static_cast<std::size_t>(m * ng * 512));
  float* d = out->d.reserve(static_cast<std::size_t>(m * ng * 16));
  std::int32_t* sum = out->sum.reserve(static_cast<std::size_t>(m * ng * 16));
  std::memset(q, 0, static_cast<std::size_t>(m * ng * 512));
  for (std::int64_t i = 0; i < m; ++i) {
    const float* xi = x + i * k;
    std::int8_t* qi = q + i * ng * 512;
    float* di = d + i * ng * 16;
    std::int32_t* si = sum + i * ng * 16;
    for (std::int64_t blk = 0; blk < ng * 16; ++blk) {
      if (blk >= nb) {
        di[blk] = 0;
        si[blk] = 0;
        continue;
      }
      const float* v = xi + blk * kQuantBlock;
      float amax = 0;
      for (int e = 0; e < kQuantBlock; ++e) amax = std::max(amax, std::fabs(v[e]));
      const float dd = amax / 127.0f;
      const float id = amax > 0 ? 127.0f / amax : 0.0f;
      const std::int64_t g = blk / kQuantGroup, b = blk % kQuantGroup;
      std::int32_t s = 0;
      for (int e = 0; e < kQuantBlock; ++e) {
        int qv = static_cast<int>(round_small(v[e] * id));
        qv = std::min(127, std::max(-127, qv));
        qi[g * 512 + (e / 4) * 64 + 4 * b + (e % 4)] = static_cast<std::int8_t>(qv);
        s += qv;
      }
      di[blk] = dd;
      si[blk] = s;
    }
  }
}

namespace ref {

void gemv_quant(const QuantizedActs& xq, const WeightMatrix& w, const float* bias, float* y) {
  const std::int64_t nb = w.cols / kQuantBlock;
  const auto* quants = static_cast<const std::uint8_t*>(w.data);
  const auto* scales = static_cast<const std::uint16_t*>(w.scales);
  const std::int64_t rb = w.row_bytes();
  for (std::int64_t i = 0; i < xq.m; ++i) {
    const std::int8_t* xqi = xq.row_q(i);
    const float* xd = xq.row_d(i);
    for (std::int64_t j = 0; j < w.rows; ++j) {
      const std::uint8_t* wr = quants + j * rb;
      double acc = bias ? bias[j] : 0.0;
      for (std::int64_t blk = 0; blk < nb; ++blk) {
        const std::int64_t g = blk / kQuantGroup, b = blk % kQuantGroup, gb = group_blocks(nb, g);
        std::int64_t dot = 0;
        for (int e = 0; e < kQuantBlock; ++e) {
          int qw;
          if (w.format == WeightFormat::kQ8_0) {
            qw = static_cast<int>(wr[q8_index(g, gb, b, e)]) - 128;
          } else {
            int high = 0;
            std::int64_t at = q4_index(g, gb, b, e, &high);
            qw = static_cast<int>((wr[at] >> (4 * high)) & 15) - 8;
          }
          dot += static_cast<std::int64_t>(qw) * xqi[g * 512 + (e / 4) * 64 + 4 * b + (e % 4)];
        }
        acc += static_cast<double>(f16_to_f32(scales[j * nb + blk])) * xd[blk] * static_cast<double>(dot);
      }
      y[i * w.rows + j] = static_cast<float>(acc);
    }
  }
}

}  // namespace ref
}  // namespace internvl::kernels
