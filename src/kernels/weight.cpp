#include "kernels/weight.h"

#include <cstring>
#include <memory>

#include "core/half.h"
#include "kernels/convert.h"
#include "kernels/quant.h"

namespace internvl::kernels {

std::int64_t WeightMatrix::row_bytes() const {
  switch (format) {
    case WeightFormat::kF32: return cols * 4;
    case WeightFormat::kBF16:
    case WeightFormat::kF16: return cols * 2;
    case WeightFormat::kQ8_0:
    case WeightFormat::kQ4_0: return quant_row_bytes(format, cols);
  }
  return 0;
}

std::int64_t WeightMatrix::nbytes() const {
  std::int64_t n = rows * row_bytes();
  if (quantized()) n += rows * (cols / kQuantBlock) * 2;
  return n;
}

void WeightMatrix::row_to_f32(std::int64_t r, float* out) const {
  const auto* base = static_cast<const std::uint8_t*>(data) + r * row_bytes();
  switch (format) {
    case WeightFormat::kF32:
      std::memcpy(out, base, sizeof(float) * static_cast<std::size_t>(cols));
      break;
    case WeightFormat::kBF16:
      bf16_to_f32_row(reinterpret_cast<const std::uint16_t*>(base), out, cols);
      break;
    case WeightFormat::kF16:
      f16_to_f32_row(reinterpret_cast<const std::uint16_t*>(base), out, cols);
      break;
    case WeightFormat::kQ8_0:
    case WeightFormat::kQ4_0:
      dequantize_row(format, base, static_cast<const std::uint16_t*>(scales) + r * (cols / kQuantBlock),
                     cols, out);
      break;
  }
}

void WeightMatrix::rows_to_bf16(std::int64_t r0, std::int64_t n, std::uint16_t* out) const {
  if (format == WeightFormat::kBF16) {
    std::memcpy(out, static_cast<const std::uint16_t*>(data) + r0 * cols,
                sizeof(std::uint16_t) * static_cast<std::size_t>(n * cols));
    return;
  }
  // Widen row by row through a small f32 buffer (exact for f16 and the quantized formats'
  // d * q products up to f32 rounding), then round to bf16.
  constexpr std::int64_t kStack = 4096;
  float stack_buf[kStack];
  std::unique_ptr<float[]> heap;
  float* tmp = stack_buf;
  if (cols > kStack) {
    heap.reset(new float[static_cast<std::size_t>(cols)]);
    tmp = heap.get();
  }
  for (std::int64_t i = 0; i < n; ++i) {
    row_to_f32(r0 + i, tmp);
    f32_to_bf16_row(tmp, out + i * cols, cols);
  }
}

WeightMatrix weight_from_tensor(const Tensor& t) {
  INTERNVL_CHECK(t.ndim() == 2, "weight must be 2-D, got ", shape_str(t.shape()));
  WeightMatrix w;
  switch (t.dtype()) {
    case DType::kF32: w.format = WeightFormat::kF32; break;
    case DType::kBF16: w.format = WeightFormat::kBF16; break;
    case DType::kF16: w.format = WeightFormat::kF16; break;
    default: INTERNVL_CHECK(false, "unsupported weight dtype ", dtype_name(t.dtype()));
  }
  w.data = t.raw();
  w.rows = t.dim(0);
  w.cols = t.dim(1);
  return w;
}

const char* weight_format_name(WeightFormat f) {
  switch (f) {
    case WeightFormat::kF32: return "f32";
    case WeightFormat::kBF16: return "bf16";
    case WeightFormat::kF16: return "f16";
    case WeightFormat::kQ8_0: return "q8_0";
    case WeightFormat::kQ4_0: return "q4_0";
  }
  return "?";
}

}  // namespace internvl::kernels
