// WeightMatrix: a Linear layer's weight as stored, [n_out, n_in] row-major (PyTorch layout).
// Kernels read it in its storage format; nothing is widened to f32 in memory.
#pragma once

#include <cstdint>

#include "core/tensor.h"

namespace internvl::kernels {

enum class WeightFormat : std::uint8_t { kF32, kBF16, kF16 };

struct WeightMatrix {
  WeightFormat format = WeightFormat::kF32;
  const void* data = nullptr;
  std::int64_t rows = 0;  // n_out
  std::int64_t cols = 0;  // n_in

  /// Bytes of the stored matrix.
  std::int64_t nbytes() const;
  /// Row r widened to f32 into out[cols].
  void row_to_f32(std::int64_t r, float* out) const;
};

/// A view of a 2-D f32/bf16/f16 tensor as a weight matrix.
WeightMatrix weight_from_tensor(const Tensor& t);

const char* weight_format_name(WeightFormat f);

}  // namespace internvl::kernels
