// oneDNN matmul primitives for the large products: bf16 x bf16 -> f32 with W as stored
// ([n, k] row-major is the "ba" layout of a [k, n] matrix). Primitives are created once per
// shape and cached per thread.
#pragma once

#include <cstdint>

namespace internvl::kernels {

/// y[m, n] (ld n) = a[m, k] (bf16, ld k) · b[n, k]ᵀ (bf16, ld ldb) + bias[n] (f32, may be null).
/// Returns false when oneDNN has no implementation for this CPU (the caller falls back).
bool dnnl_gemm_bf16(const std::uint16_t* a, std::int64_t m, std::int64_t k, const std::uint16_t* b,
                    std::int64_t n, std::int64_t ldb, const float* bias, float* y, std::int64_t ldy);

/// y[m, n] = a[m, k] · b[n, k]ᵀ in f32 (dnnl_sgemm), ld of y = ldy.
void dnnl_gemm_f32(const float* a, std::int64_t m, std::int64_t k, const float* b, std::int64_t n,
                   float* y, std::int64_t ldy);

}  // namespace internvl::kernels
