// Internal interface between the attention driver (attention.cpp) and its SIMD task kernels.
#pragma once

#include <cstdint>

#include "kernels/attention.h"

namespace internvl::kernels::attn {

/// Rows (query token x GQA head) per task, and keys per block.
inline constexpr std::int64_t kTaskRows = 64;
inline constexpr std::int64_t kBlockKeys = 64;

/// Floats of scratch one task needs (a thread reuses it across tasks).
std::int64_t task_scratch_floats(int head_dim);

/// Row r of kv head g: token r / group, query head g * group + r % group.
struct RowMap {
  int group = 1;
  std::int64_t token(std::int64_t r) const { return r / group; }
  int head(int g, std::int64_t r) const { return g * group + static_cast<int>(r % group); }
};

/// One task: rows [row0, row0 + n_rows) of kv head g (n_rows <= kTaskRows).
/// f32 paths need head_dim % 16 == 0 (AVX-512) or % 8 == 0 (AVX2); bf16 needs % 16 == 0.
void task_f32_avx512(const float* q, const float* k, const float* v, const AttentionShape& s, int g,
                     std::int64_t row0, std::int64_t n_rows, float* out, float* scratch);
void task_bf16_avx512(const float* q, const float* k, const float* v, const AttentionShape& s, int g,
                      std::int64_t row0, std::int64_t n_rows, float* out, float* scratch);
/// The same reading bf16 k and v (a bf16 KV cache) without rounding them again.
void task_bf16_avx512(const float* q, const std::uint16_t* k, const std::uint16_t* v, const AttentionShape& s,
                      int g, std::int64_t row0, std::int64_t n_rows, float* out, float* scratch);
void task_f32_avx2(const float* q, const float* k, const float* v, const AttentionShape& s, int g,
                   std::int64_t row0, std::int64_t n_rows, float* out, float* scratch);

}  // namespace internvl::kernels::attn
