// Matrix multiplication against stored weights: y = x · Wᵀ (+ bias), the Linear layer.
#pragma once

#include <cstdint>

#include "kernels/weight.h"

namespace internvl::kernels {

/// y[m, n] = x[m, k] · W[n, k]ᵀ + bias[n] (bias may be null). f32 activations, f32 accumulation.
/// Rows agree with a single-row call to f32 rounding (the summation order may differ).
void matmul(const float* x, std::int64_t m, const WeightMatrix& w, const float* bias, float* y);

namespace ref {
/// Scalar reference: double accumulation, no threading.
void matmul(const float* x, std::int64_t m, const WeightMatrix& w, const float* bias, float* y);
}  // namespace ref

}  // namespace internvl::kernels
