#include "kernels/convert.h"

#include <immintrin.h>

#include <cstring>

#include "core/half.h"

namespace internvl::kernels {

__attribute__((target_clones("avx512f", "avx2", "default")))
void bf16_to_f32_row(const std::uint16_t* in, float* out, std::int64_t n) {
  auto* o = reinterpret_cast<std::uint32_t*>(out);
  for (std::int64_t i = 0; i < n; ++i) o[i] = static_cast<std::uint32_t>(in[i]) << 16;
}

__attribute__((target("avx,f16c"))) static void f16_to_f32_row_f16c(const std::uint16_t* in,
                                                                   float* out, std::int64_t n) {
  std::int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i));
    _mm256_storeu_ps(out + i, _mm256_cvtph_ps(h));
  }
  for (; i < n; ++i) out[i] = f16_to_f32(in[i]);
}

void f16_to_f32_row(const std::uint16_t* in, float* out, std::int64_t n) {
  static const bool has_f16c = __builtin_cpu_supports("f16c");
  if (has_f16c) {
    f16_to_f32_row_f16c(in, out, n);
    return;
  }
  for (std::int64_t i = 0; i < n; ++i) out[i] = f16_to_f32(in[i]);
}

void f32_to_bf16_row(const float* in, std::uint16_t* out, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) out[i] = f32_to_bf16(in[i]);
}

}  // namespace internvl::kernels
