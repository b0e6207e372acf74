// Elementwise activations.
#pragma once

#include <cstdint>

namespace internvl::kernels {

/// x = 0.5 x (1 + erf(x / sqrt 2)), in place (exact GELU, not the tanh form). SIMD paths use a
/// rational erf (|error| < 4e-7, vec_math.h).
void gelu_erf(float* x, std::int64_t n);

/// out[r, i] = silu(gate[r, i]) * up[r, i] where gate_up rows hold [gate | up] of width 2d.
/// out may alias gate_up's first half only when rows == 1.
void silu_mul(const float* gate, const float* up, std::int64_t rows, std::int64_t d,
              std::int64_t in_stride, float* out);

/// y[i] = x[i] * scale[i % d] + residual[i] (layer scale + residual add), rows of width d.
void scale_add(const float* x, const float* scale, std::int64_t rows, std::int64_t d, float* residual);

/// residual[i] += x[i].
void add_inplace(const float* x, std::int64_t n, float* residual);

namespace ref {
void gelu_erf(float* x, std::int64_t n);
void silu_mul(const float* gate, const float* up, std::int64_t rows, std::int64_t d,
              std::int64_t in_stride, float* out);
}  // namespace ref

}  // namespace internvl::kernels
