// Block quantization (Q8_0, Q4_0; layout in weight.h): quantizing and dequantizing weight rows,
// quantizing activations per block on the fly, and the integer GEMV for decode.
#pragma once

#include <cstdint>
#include "kernels/buffer.h"
#include "kernels/weight.h"

namespace internvl::kernels {

/// Bytes of one quantized row of `cols` weights (cols % 32 == 0), scales excluded.
std::int64_t quant_row_bytes(WeightFormat format, std::int64_t cols);
/// True when `format` can hold rows of `cols` weights (cols a positive multiple of 32).
bool quantizable(WeightFormat format, std::int64_t cols);

/// Quantizes one f32 row [cols] into its interleaved quants (quant_row_bytes) and f16 scales
/// [cols / 32]. Q8_0: d = max|w| / 127. Q4_0: the scale with the smallest squared error among
/// a few candidates around max|w| / 8.
void quantize_row(WeightFormat format, const float* x, std::int64_t cols, std::uint8_t* quants,
                  std::uint16_t* scales);
/// Dequantizes one row into out[cols].
void dequantize_row(WeightFormat format, const std::uint8_t* quants, const std::uint16_t* scales,
                    std::int64_t cols, float* out);

/// Most activation rows gemv_quant takes in one call.
inline constexpr std::int64_t kGemvMaxRowsQ = 8;

/// Activations [m, k] quantized to int8 per 32-block (d = max|x| / 127), laid out for the
/// kernels: per row and group of 16 blocks, 8 steps of 64 bytes (4 bytes per block, zero padded
/// past the group's blocks), so every step is one aligned vector load.
struct QuantizedActs {
  std::int64_t m = 0, k = 0, n_groups = 0;
  GrowBuffer<std::int8_t> q;     // [m, n_groups, 8, 64]
  GrowBuffer<float> d;           // [m, n_groups * 16] block scales (0 past the last block)
  GrowBuffer<std::int32_t> sum;  // [m, n_groups * 16] sum of q per block

  const std::int8_t* row_q(std::int64_t i) const { return q.data() + i * n_groups * 512; }
  const float* row_d(std::int64_t i) const { return d.data() + i * n_groups * 16; }
  const std::int32_t* row_sum(std::int64_t i) const { return sum.data() + i * n_groups * 16; }
};

/// Quantizes x [m, k] (k % 32 == 0) into `out` (storage reused between calls).
void quantize_acts(const float* x, std::int64_t m, std::int64_t k, QuantizedActs* out);

/// y[i, j] = sum over blocks of d_w * d_x * (q_w · q_x) (+ bias[j]); w is Q8_0 or Q4_0 with
/// w.cols == xq.k. Threads over rows of w.
void gemv_quant(const QuantizedActs& xq, const WeightMatrix& w, const float* bias, float* y);

/// True when an integer GEMV of `m` activation rows is split among threads with for_byte_pieces
/// (its kernel reads one weight row at a time); with AVX-512 VNNI one activation row reads 2-4
/// strided weight rows per thread share (for_byte_shares), like the float GEMVs.
bool quant_gemv_in_pieces(std::int64_t m);

/// Rows [r0, r1) on the calling thread (see gemv.h).
void gemv_quant_rows(const QuantizedActs& xq, const WeightMatrix& w, const float* bias, float* y,
                     std::int64_t r0, std::int64_t r1);

namespace ref {
/// Scalar reference of gemv_quant: the same integer products, double accumulation.
void gemv_quant(const QuantizedActs& xq, const WeightMatrix& w, const float* bias, float* y);
}  // namespace ref

}  // namespace internvl::kernels
