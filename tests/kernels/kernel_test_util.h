// Shared helpers for the kernel tests: random data, the ISA levels to run, error bounds.
#pragma once

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "core/half.h"
#include "kernels/cpu.h"

namespace internvl::test {

/// Unit roundoff of f32 and bf16.
inline constexpr double kU32 = 1.0 / (1 << 24);
inline constexpr double kUbf16 = 1.0 / (1 << 8);

/// Every ISA level this CPU runs, lowest first (each test loops over them).
inline std::vector<kernels::Isa> isa_levels() {
  std::vector<kernels::Isa> out;
  for (auto l : {kernels::Isa::kScalar, kernels::Isa::kAvx2, kernels::Isa::kAvx512, kernels::Isa::kAvx512Bf16}) {
    if (l <= kernels::detected_isa()) out.push_back(l);
  }
  return out;
}

inline std::vector<float> randn(std::size_t n, std::uint64_t seed, float scale = 1.0f) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> dist(0.0f, scale);
  std::vector<float> v(n);
  for (auto& x : v) x = dist(rng);
  return v;
}

inline std::vector<std::uint16_t> to_bf16(const std::vector<float>& v) {
  std::vector<std::uint16_t> out(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) out[i] = f32_to_bf16(v[i]);
  return out;
}

inline std::vector<std::uint16_t> to_f16(const std::vector<float>& v) {
  std::vector<std::uint16_t> out(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) out[i] = f32_to_f16(v[i]);
  return out;
}

/// Worst-case relative error of a length-k f32 dot product (Higham's gamma_k).
inline double gamma_f32(std::int64_t k) {
  double ku = static_cast<double>(k) * kU32;
  return ku / (1.0 - ku);
}

}  // namespace internvl::test
