// WeightMatrix: a Linear layer's weight as stored, [n_out, n_in] row-major (PyTorch layout).
// Kernels read it in its storage format; nothing is widened to f32 in memory.
//
// Block-quantized formats (our own layout, chosen for the AVX-512 VNNI dot product):
//   A row of n_in = 32 * n_blocks weights is cut into blocks of 32, each with an f16 scale d:
//   w = d * q. Q8_0: q in [-127, 127], stored as the byte q + 128. Q4_0: q in [-8, 7], stored as
//   the nibble q + 8. Scales: f16 [n_out, n_blocks] in block order (`scales`).
//   Quants are interleaved per group of up to 16 blocks (512 weights), so that one 64-byte vector
//   holds 4 consecutive weights of each of the group's G blocks and a vpdpbusd lane accumulates
//   one block:
//   - Q8_0: group g starts at byte 512 g of the row; "step" t = 0..7 takes 4G bytes at
//     512 g + 4 G t; byte 4 b + e holds block (16 g + b), element 4 t + e.
//   - Q4_0: group g starts at byte 256 g; "pair" p = 0..3 takes 4G bytes at 256 g + 4 G p;
//     byte 4 b + e holds element 8 p + e in its low nibble and 8 p + 4 + e in its high nibble.
#pragma once

#include <cstdint>

#include "core/tensor.h"

namespace internvl::kernels {

enum class WeightFormat : std::uint8_t { kF32, kBF16, kF16, kQ8_0, kQ4_0 };

/// Weights per quantization block, and blocks per interleaved group.
inline constexpr std::int64_t kQuantBlock = 32;
inline constexpr std::int64_t kQuantGroup = 16;

struct WeightMatrix {
  WeightFormat format = WeightFormat::kF32;
  const void* data = nullptr;    // values (float formats) or interleaved quants
  const void* scales = nullptr;  // f16 [rows, cols / 32] for quantized formats
  std::int64_t rows = 0;         // n_out
  std::int64_t cols = 0;         // n_in

  bool quantized() const { return format == WeightFormat::kQ8_0 || format == WeightFormat::kQ4_0; }
  /// Bytes of one stored row of values/quants (scales excluded).
  std::int64_t row_bytes() const;
  /// Bytes of the stored matrix: values/quants plus scales.
  std::int64_t nbytes() const;
  /// Row r widened (or dequantized) to f32 into out[cols].
  void row_to_f32(std::int64_t r, float* out) const;
  /// Rows [r0, r0 + n) as bf16 into out[n, cols] (rounded to nearest even from f32/f16).
  void rows_to_bf16(std::int64_t r0, std::int64_t n, std::uint16_t* out) const;
};

/// A view of a 2-D f32/bf16/f16 tensor as a weight matrix.
WeightMatrix weight_from_tensor(const Tensor& t);

/// "f32", "bf16", "f16", "q8_0", "q4_0".
const char* weight_format_name(WeightFormat f);

}  // namespace internvl::kernels
