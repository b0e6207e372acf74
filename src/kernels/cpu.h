// Run-time selection of the SIMD code path. Every kernel has a scalar path, an AVX2 path and
// (where it pays) AVX-512 paths; `isa()` picks the best one the CPU has, capped by a limit that
// tests and benchmarks lower to exercise the other paths on the same machine.
#pragma once

#include <cstdint>

namespace internvl::kernels {

/// Instruction-set levels, ordered: each includes the ones before it.
enum class Isa : std::uint8_t {
  kScalar = 0,
  kAvx2 = 1,        // AVX2 + FMA + F16C
  kAvx512 = 2,      // AVX-512 F/BW/DQ/VL
  kAvx512Bf16 = 3,  // + AVX512_BF16 and AVX512_VNNI (Zen 4, Sapphire Rapids, Cooper Lake + VNNI)
};

/// The best level this CPU supports (cpuid via __builtin_cpu_supports).
Isa detected_isa();
/// The level kernels use: min(detected, limit).
Isa isa();
/// Caps the level (process-wide; not for concurrent use while kernels run).
void set_isa_limit(Isa limit);
/// "scalar", "avx2", "avx512", "avx512bf16".
const char* isa_name(Isa isa);

/// Sets an ISA limit for a scope, restoring the previous one.
class ScopedIsaLimit {
 public:
  explicit ScopedIsaLimit(Isa limit);
  ~ScopedIsaLimit();
  ScopedIsaLimit(const ScopedIsaLimit&) = delete;
  ScopedIsaLimit& operator=(const ScopedIsaLimit&) = delete;

 private:
  Isa previous_;
};

}  // namespace internvl::kernels
