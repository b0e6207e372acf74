// Row conversions between storage formats and f32 (scalar, AVX2 and AVX-512 paths).
#pragma once

#include <cstdint>

namespace internvl::kernels {

/// out[i] = bf16 in[i] widened (exact).
void bf16_to_f32_row(const std::uint16_t* in, float* out, std::int64_t n);
/// out[i] = f16 in[i] widened (exact).
void f16_to_f32_row(const std::uint16_t* in, float* out, std::int64_t n);
/// out[i] = in[i] rounded to bf16 (nearest even; NaN stays NaN).
void f32_to_bf16_row(const float* in, std::uint16_t* out, std::int64_t n);

namespace ref {
void bf16_to_f32_row(const std::uint16_t* in, float* out, std::int64_t n);
void f16_to_f32_row(const std::uint16_t* in, float* out, std::int64_t n);
void f32_to_bf16_row(const float* in, std::uint16_t* out, std::int64_t n);
}  // namespace ref

}  // namespace internvl::kernels
