// Per-region target selection for SIMD code, so the project needs no -march flag: code between
// INTERNVL_TARGET_AVX2_BEGIN / INTERNVL_TARGET_END (or the AVX-512 variants) is compiled for that
// ISA and must only run after kernels::isa() said so. Helpers inside a region must be `static`
// (or in an anonymous namespace): an inline function with external linkage compiled for AVX-512
// could be picked by the linker for callers on other CPUs. Standard headers are included before
// the region so their templates keep the baseline target.
#pragma once

#include <immintrin.h>

// GCC 12's AVX-512 headers trip -Wuninitialized on their own _mm512_undefined_*() placeholders
// (a known false positive); silence it for the SIMD translation units.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#if defined(__clang__)
#define INTERNVL_PRAGMA_(x) _Pragma(#x)
#define INTERNVL_TARGET_BEGIN_(features) \
  INTERNVL_PRAGMA_(clang attribute push(__attribute__((target(features))), apply_to = function))
#define INTERNVL_TARGET_END INTERNVL_PRAGMA_(clang attribute pop)
#else
#define INTERNVL_PRAGMA_(x) _Pragma(#x)
#define INTERNVL_TARGET_BEGIN_(features) \
  INTERNVL_PRAGMA_(GCC push_options) INTERNVL_PRAGMA_(GCC target(features))
#define INTERNVL_TARGET_END INTERNVL_PRAGMA_(GCC pop_options)
#endif

/// AVX2 + FMA + F16C (Haswell and later, Zen 1 and later).
#define INTERNVL_TARGET_AVX2_BEGIN INTERNVL_TARGET_BEGIN_("avx2,fma,f16c,bmi2")
/// AVX-512 F/BW/DQ/VL (Skylake-X and later, Zen 4).
#define INTERNVL_TARGET_AVX512_BEGIN \
  INTERNVL_TARGET_BEGIN_("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma,f16c,bmi2")
/// AVX-512 + BF16 + VNNI (Zen 4, Sapphire Rapids).
#define INTERNVL_TARGET_AVX512BF16_BEGIN                                                     \
  INTERNVL_TARGET_BEGIN_(                                                                   \
      "avx512f,avx512bw,avx512dq,avx512vl,avx512bf16,avx512vnni,avx2,fma,f16c,bmi2")
