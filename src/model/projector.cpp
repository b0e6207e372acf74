#include "model/projector.h"

#include <cmath>
#include <cstring>

#include "kernels/activation.h"
#include "kernels/norm.h"
#include "model/linear.h"

namespace internvl::model {

Tensor pixel_shuffle(const Tensor& features, double downsample_ratio) {
  const std::int64_t n = features.dim(0), n_tok = features.dim(1) - 1, d = features.dim(2);
  const std::int64_t g = static_cast<std::int64_t>(std::lround(std::sqrt(static_cast<double>(n_tok))));
  const std::int64_t s = static_cast<std::int64_t>(std::lround(1.0 / downsample_ratio));
  INTERNVL_CHECK(g * g == n_tok && g % s == 0, "pixel shuffle needs a square grid divisible by ", s,
                 ", got ", n_tok, " patches");
  const std::int64_t go = g / s, dout = d * s * s;
  Tensor out = Tensor::empty(DType::kF32, {n, go, go, dout});
  const float* in = features.data<float>();
  float* o = out.data<float>();
  for (std::int64_t t = 0; t < n; ++t) {
    const float* patches = in + (t * (n_tok + 1) + 1) * d;  // skip CLS
    for (std::int64_t i = 0; i < go; ++i) {
      for (std::int64_t j = 0; j < go; ++j) {
        float* dst = o + ((t * go + i) * go + j) * dout;
        for (std::int64_t dy = 0; dy < s; ++dy) {
          for (std::int64_t dx = 0; dx < s; ++dx) {
            const float* src = patches + ((i * s + dy) * g + (j * s + dx)) * d;
            std::memcpy(dst + (dy * s + dx) * d, src, sizeof(float) * d);
          }
        }
      }
    }
  }
  return out;
}

Tensor project(const ProjectorWeights& w, const Tensor& shuffled, kernels::Compute compute) {
  const std::int64_t n = shuffled.dim(0);
  const std::int64_t din = shuffled.dim(-1);
  const std::int64_t rows = shuffled.numel() / din;
  Tensor normed = Tensor::empty(DType::kF32, {rows, din});
  // PyTorch's default LayerNorm eps: the projector does not take it from the config.
  kernels::layer_norm(shuffled.data<float>(), w.norm_w.data(), w.norm_b.data(), 1e-5f, rows, din,
                      normed.data<float>());
  Tensor hidden = linear(w.fc1, normed.data<float>(), rows, compute);
  kernels::gelu_erf(hidden.data<float>(), hidden.numel());
  Tensor out = linear(w.fc2, hidden.data<float>(), rows, compute);
  return out.reshape({n, rows / n, w.fc2.w.rows});
}

}  // namespace internvl::model
