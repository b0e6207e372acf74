// Matrix multiplication against stored weights: y = x · Wᵀ (+ bias), the Linear layer.
#pragma once

#include <cstdint>

#include "kernels/weight.h"

namespace internvl::kernels {

/// Arithmetic of the large matrix products (prefill, vision encode).
///  kF32:  exact f32 products and sums (the parity tests' mode).
///  kBF16: activations rounded to bf16, f32 accumulation (AVX-512 BF16 / oneDNN bf16 GEMM);
///         about 3 significant digits per product, 2x the f32 throughput.
/// Decode GEMVs are memory-bound and use f32 activations in kF32 mode.
enum class Compute : std::uint8_t { kF32, kBF16 };

/// "f32" or "bf16".
const char* compute_name(Compute c);

/// y[m, n] = x[m, k] · W[n, k]ᵀ + bias[n] (bias may be null), any weight format.
/// Up to 8 rows: GEMV kernels that stream W once (quantized W: int8 dot products with x
/// quantized per block). More rows: a GEMM (f32: oneDNN sgemm on f32 panels of W; bf16: oneDNN
/// bf16 matmul on W, or on bf16 panels of non-bf16 W).
void matmul(const float* x, std::int64_t m, const WeightMatrix& w, const float* bias, float* y,
            Compute compute = Compute::kF32);

/// One product of matmul_multi: y = x · Wᵀ + bias.
struct MatmulTarget {
  const WeightMatrix* w = nullptr;
  const float* bias = nullptr;
  float* y = nullptr;
};

/// The same x [m, k] through several matrices with k columns (q/k/v, gate/up): for decode one
/// parallel pass over all of them (fewer thread hand-offs; x quantized/rounded once per format);
/// for larger m, one matmul each. Results equal separate matmul calls.
void matmul_multi(const float* x, std::int64_t m, const MatmulTarget* targets, int n_targets,
                  Compute compute = Compute::kF32);

namespace ref {
/// Scalar reference: double accumulation, no threading.
void matmul(const float* x, std::int64_t m, const WeightMatrix& w, const float* bias, float* y);
}  // namespace ref

}  // namespace internvl::kernels
