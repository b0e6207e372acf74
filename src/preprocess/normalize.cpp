#include "preprocess/normalize.h"

#include <cstddef>
#include <cstdint>

#include "core/check.h"
#include "core/str.h"

namespace internvl::preprocess {
namespace {

// One channel plane; the loop is a plain elementwise map so it vectorizes (divps).
template <typename T>
void normalize_plane(const T* src, std::size_t n, float sub, float div, float mul, float* dst) {
  if (mul == 1.0f) {
    for (std::size_t i = 0; i < n; ++i) dst[i] = (static_cast<float>(src[i]) - sub) / div;
  } else {
    for (std::size_t i = 0; i < n; ++i) dst[i] = ((static_cast<float>(src[i]) - sub) / div) * mul;
  }
}

}  // namespace

NormalizeConstants normalize_constants(const PixelConfig& cfg) {
  NormalizeConstants k;
  if (cfg.do_normalize) {
    // torch.tensor(mean) is float32; `* (1.0 / rescale_factor)` multiplies by that double
    // rounded to float32 (opmath of a float tensor and a Python scalar).
    const float inv = cfg.do_rescale ? static_cast<float>(1.0 / cfg.rescale_factor) : 1.0f;
    for (int c = 0; c < 3; ++c) {
      k.sub[c] = static_cast<float>(cfg.image_mean[c]) * inv;
      k.div[c] = static_cast<float>(cfg.image_std[c]) * inv;
    }
  } else if (cfg.do_rescale) {
    k.mul = static_cast<float>(cfg.rescale_factor);  // uint8 tensor * Python float
  }
  return k;
}

Tensor normalize_tiles(const Tensor& raw, const PixelConfig& cfg) {
  INTERNVL_CHECK(raw.ndim() == 4 && raw.dim(1) == 3, "tiles shape ", shape_str(raw.shape()));
  INTERNVL_CHECK(raw.dtype() == DType::kU8 || raw.dtype() == DType::kI32, "tiles dtype ",
                 dtype_name(raw.dtype()));
  const NormalizeConstants k = normalize_constants(cfg);
  Tensor out = Tensor::empty(DType::kF32, raw.shape());  // [n_tiles, 3, h, w]
  const std::size_t plane = static_cast<std::size_t>(raw.dim(2)) * raw.dim(3);
  for (std::int64_t t = 0; t < raw.dim(0); ++t) {
    for (int c = 0; c < 3; ++c) {
      const std::size_t off = (static_cast<std::size_t>(t) * 3 + c) * plane;
      if (raw.dtype() == DType::kU8) {
        normalize_plane(raw.data<std::uint8_t>() + off, plane, k.sub[c], k.div[c], k.mul,
                        out.data<float>() + off);
      } else {
        normalize_plane(raw.data<std::int32_t>() + off, plane, k.sub[c], k.div[c], k.mul,
                        out.data<float>() + off);
      }
    }
  }
  return out;
}

}  // namespace internvl::preprocess
