// Normalizations over the last dimension, statistics in f32 as the reference computes them.
#pragma once

#include <cstdint>

namespace internvl::kernels {

/// out[r] = w * x[r] / sqrt(mean(x[r]^2) + eps), rows of width d. out may alias x.
void rms_norm(const float* x, const float* w, float eps, std::int64_t rows, std::int64_t d, float* out);

/// out[r] = (x[r] - mean) / sqrt(var + eps) * w + b (biased variance). out may alias x.
void layer_norm(const float* x, const float* w, const float* b, float eps, std::int64_t rows,
                std::int64_t d, float* out);

namespace ref {
void rms_norm(const float* x, const float* w, float eps, std::int64_t rows, std::int64_t d, float* out);
void layer_norm(const float* x, const float* w, const float* b, float eps, std::int64_t rows,
                std::int64_t d, float* out);
}  // namespace ref

}  // namespace internvl::kernels
