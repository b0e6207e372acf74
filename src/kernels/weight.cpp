#include "kernels/weight.h"

#include <cstring>

#include "core/half.h"
#include "kernels/convert.h"

namespace internvl::kernels {

std::int64_t WeightMatrix::nbytes() const {
  std::int64_t elem = format == WeightFormat::kF32 ? 4 : 2;
  return rows * cols * elem;
}

void WeightMatrix::row_to_f32(std::int64_t r, float* out) const {
  switch (format) {
    case WeightFormat::kF32:
      std::memcpy(out, static_cast<const float*>(data) + r * cols, sizeof(float) * cols);
      break;
    case WeightFormat::kBF16:
      bf16_to_f32_row(static_cast<const std::uint16_t*>(data) + r * cols, out, cols);
      break;
    case WeightFormat::kF16:
      f16_to_f32_row(static_cast<const std::uint16_t*>(data) + r * cols, out, cols);
      break;
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
  }
  return "?";
}

}  // namespace internvl::kernels
