#include "kernels/cpu.h"

#include <atomic>
#include <cstdlib>
#include <cstring>

namespace internvl::kernels {

namespace {

Isa detect() {
  __builtin_cpu_init();
  if (!(__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))) return Isa::kScalar;
  if (!(__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl"))) {
    return Isa::kAvx2;
  }
  if (__builtin_cpu_supports("avx512bf16") && __builtin_cpu_supports("avx512vnni")) {
    return Isa::kAvx512Bf16;
  }
  return Isa::kAvx512;
}

// INTERNVL_ISA=scalar|avx2|avx512 caps the level from the environment (debugging, benchmarks).
Isa initial_limit() {
  const char* env = std::getenv("INTERNVL_ISA");
  if (!env) return Isa::kAvx512Bf16;
  for (Isa i : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512, Isa::kAvx512Bf16}) {
    if (std::strcmp(env, isa_name(i)) == 0) return i;
  }
  return Isa::kAvx512Bf16;
}

std::atomic<Isa>& limit_ref() {
  static std::atomic<Isa> limit{initial_limit()};
  return limit;
}

}  // namespace

Isa detected_isa() {
  static const Isa detected = detect();
  return detected;
}

Isa isa() {
  Isa d = detected_isa(), l = limit_ref().load(std::memory_order_relaxed);
  return static_cast<std::uint8_t>(d) < static_cast<std::uint8_t>(l) ? d : l;
}

void set_isa_limit(Isa limit) { limit_ref().store(limit, std::memory_order_relaxed); }

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::kScalar: return "scalar";
    case Isa::kAvx2: return "avx2";
    case Isa::kAvx512: return "avx512";
    case Isa::kAvx512Bf16: return "avx512bf16";
  }
  return "?";
}

ScopedIsaLimit::ScopedIsaLimit(Isa limit) : previous_(limit_ref().load()) { set_isa_limit(limit); }
ScopedIsaLimit::~ScopedIsaLimit() { set_isa_limit(previous_); }

}  // namespace internvl::kernels
