// Thin helpers that run a Linear layer through the kernels.
#pragma once

#include "core/tensor.h"
#include "kernels/matmul.h"
#include "model/weights.h"

namespace internvl::model {

/// y[m, n_out] = x[m, n_in] · Wᵀ + b.
inline void linear(const Linear& l, const float* x, std::int64_t m, float* y,
                   kernels::Compute compute = kernels::Compute::kF32) {
  kernels::matmul(x, m, l.w, l.bias_ptr(), y, compute);
}

/// Allocates and returns x · Wᵀ + b as a [m, n_out] f32 tensor.
inline Tensor linear(const Linear& l, const float* x, std::int64_t m,
                     kernels::Compute compute = kernels::Compute::kF32) {
  Tensor y = Tensor::empty(DType::kF32, {m, l.w.rows});
  linear(l, x, m, y.data<float>(), compute);
  return y;
}

}  // namespace internvl::model
