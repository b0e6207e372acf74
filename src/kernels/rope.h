// Rotary position embeddings in the non-interleaved "rotate_half" form used by Qwen2/Qwen3.
#pragma once

#include <cstdint>

namespace internvl::kernels {

/// cos/sin tables [n_tokens, half] with angle = float(pos) * inv_freq[i], computed in f32 as the
/// reference does (one f32 product, then f32 cos/sin).
void rope_tables(const std::int64_t* positions, std::int64_t n_tokens, const float* inv_freq,
                 int half, float* cos_out, float* sin_out);

/// Rotates x [n_tokens, n_heads, head_dim] in place with per-token tables [n_tokens, head_dim/2]:
/// x' = x * cos + rotate_half(x) * sin, rotate_half(x) = concat(-x[h:], x[:h]).
/// `row_stride` is the distance in floats between tokens (>= n_heads * head_dim).
void apply_rope(float* x, std::int64_t n_tokens, int n_heads, int head_dim, std::int64_t row_stride,
                const float* cos_t, const float* sin_t);

}  // namespace internvl::kernels
