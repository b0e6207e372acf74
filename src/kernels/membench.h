// Machine rooflines measured in the same run as a benchmark: memory bandwidth (stream read and
// copy of a buffer much larger than the caches) and the dense bf16 GEMM peak of oneDNN.
#pragma once

#include <cstdint>

namespace internvl::kernels {

struct Bandwidth {
  double read_gbs = 0;  // bytes read per second / 1e9 (best of the repeats)
  double copy_gbs = 0;  // bytes copied (read + write counted once) per second / 1e9
};

/// Streams `bytes` (huge-page backed) with all kernel threads; best of `repeats`.
Bandwidth measure_bandwidth(std::int64_t bytes, int repeats);

struct GemmPeak {
  double gflops = 0;   // best over the sizes tried
  std::int64_t n = 0;  // the square size that reached it
};

/// Best GFLOP/s of oneDNN's bf16 matmul (bf16 inputs, f32 output, 2 n^3 FLOP) on square sizes
/// n = 2048, 3072, 4096 (quick: 3072 only), all threads; `repeats` timed runs per size after an
/// untimed one (primitive creation, first touch).
GemmPeak measure_gemm_peak_bf16(int repeats, bool quick = false);

}  // namespace internvl::kernels
