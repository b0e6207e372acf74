// Scaled dot-product attention with an online softmax (flash-attention style): memory stays
// linear in the sequence length; no score matrix is materialized.
#pragma once

#include <cstdint>

#include "kernels/matmul.h"

namespace internvl::kernels {

struct AttentionShape {
  std::int64_t n_q = 0;       // query tokens
  std::int64_t n_kv = 0;      // key/value tokens
  int n_heads = 0;            // query heads
  int n_kv_heads = 0;         // key/value heads; query head h uses kv head h / (n_heads / n_kv_heads)
  int head_dim = 0;
  std::int64_t q_stride = 0;  // floats between consecutive query tokens
  std::int64_t kv_stride = 0; // floats between consecutive key (and value) tokens
  std::int64_t o_stride = 0;  // floats between consecutive output tokens
  bool causal = false;        // query i sees keys j <= kv_offset + i
  std::int64_t kv_offset = 0; // position of query 0 among the keys (cached tokens before it)
  float scale = 1.0f;
};

/// out[i, h, :] = softmax(q[i, h] · k[:, g]ᵀ * scale) · v[:, g], g = kv head of h.
/// Work is split into tasks of 64 "rows" of one kv head, a row being (query token, query head
/// of that kv head): GQA heads share every key block. Keys are read in blocks of 64 with the
/// queries of a task in SIMD lanes (scores are kept transposed), so only the queries are packed.
/// kF32: f32 FMAs. kBF16: q, k, v and the probabilities rounded to bf16, vdpbf16ps products
/// with f32 sums (AVX-512 BF16; other CPUs use the f32 path).
void attention(const float* q, const float* k, const float* v, const AttentionShape& s, float* out,
               Compute compute = Compute::kF32);

/// Whether attention() with this head dim and compute mode rounds k and v to bf16 before using
/// them (the AVX-512 BF16 path): then a bf16 KV cache changes nothing but its size.
bool attention_rounds_kv_to_bf16(int head_dim, Compute compute);

/// The same with k and v stored as bf16 (a bf16 KV cache). kBF16 on AVX-512 BF16 reads them
/// as the f32 overload reads k and v after rounding them to bf16 (the same result); otherwise
/// they are widened to f32 first (exact) and the f32 overload runs.
void attention(const float* q, const std::uint16_t* k, const std::uint16_t* v, const AttentionShape& s,
               float* out, Compute compute = Compute::kF32);

namespace ref {
/// Two-pass scalar reference in double.
void attention(const float* q, const float* k, const float* v, const AttentionShape& s, float* out);
}  // namespace ref

}  // namespace internvl::kernels
