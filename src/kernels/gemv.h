// Matrix-vector products for decode (a few activation rows against a streamed weight matrix):
// memory-bound, so the kernels convert weights in registers and keep several rows in flight.
#pragma once

#include <cstdint>

#include "kernels/weight.h"

namespace internvl::kernels {

/// Most activation rows the GEMV kernels take in one call (matmul splits larger batches).
inline constexpr std::int64_t kGemvMaxRows = 8;

/// y[m, n] = x[m, k] · W[n, k]ᵀ (+ bias[n]); f32 activations, f32 accumulation, W f32/bf16/f16.
/// m <= kGemvMaxRows. Threads over rows of W.
void gemv_f32(const float* x, std::int64_t m, const WeightMatrix& w, const float* bias, float* y);

/// The same with bf16 activations xb[m, k] against bf16 W (vdpbf16ps: pairs of bf16 products
/// summed in f32). Needs Isa::kAvx512Bf16; callers fall back to gemv_f32 otherwise.
void gemv_bf16(const std::uint16_t* xb, std::int64_t m, const WeightMatrix& w, const float* bias,
               float* y);

/// Single-threaded pieces for callers that schedule several matrices in one parallel pass:
/// rows [r0, r1) of y, read as gemv_streams(bytes of the range) streams.
void gemv_f32_rows(const float* x, std::int64_t m, const WeightMatrix& w, const float* bias, float* y,
                   std::int64_t r0, std::int64_t r1);
void gemv_bf16_rows(const std::uint16_t* xb, std::int64_t m, const WeightMatrix& w, const float* bias,
                    float* y, std::int64_t r0, std::int64_t r1);

namespace ref {
/// Scalar reference: double accumulation (any float format; bf16 x widened exactly).
void gemv_f32(const float* x, std::int64_t m, const WeightMatrix& w, const float* bias, float* y);
}  // namespace ref

}  // namespace internvl::kernels
