// OpenMP helpers shared by the kernels.
#pragma once

#include <omp.h>

#include <algorithm>
#include <cstdint>

namespace internvl::kernels {

/// Work (multiply-adds, bytes) below which a kernel runs on the calling thread only.
inline constexpr std::int64_t kParallelMinWork = 1 << 15;

/// Calls fn(r0, r1) on each thread with one contiguous range of [0, n) in units of `chunk`
/// rows, so every thread streams its own sequential part of a matrix.
template <typename Fn>
void for_row_ranges(std::int64_t n, std::int64_t chunk, bool parallel, const Fn& fn) {
  const bool par = parallel && omp_get_max_threads() > 1 && n > chunk;
#pragma omp parallel if (par)
  {
    const std::int64_t nt = omp_get_num_threads(), t = omp_get_thread_num();
    const std::int64_t chunks = (n + chunk - 1) / chunk;
    const std::int64_t c0 = chunks * t / nt, c1 = chunks * (t + 1) / nt;
    const std::int64_t r0 = c0 * chunk, r1 = std::min(n, c1 * chunk);
    if (r0 < r1) fn(r0, r1);
  }
}

/// Calls fn(r0, r1) for consecutive chunks of [0, n) handed out dynamically: a thread that the
/// OS preempts (a shared machine) delays only its current chunk, the others take the rest.
template <typename Fn>
void for_row_chunks(std::int64_t n, std::int64_t chunk, bool parallel, const Fn& fn) {
  const std::int64_t chunks = (n + chunk - 1) / chunk;
  const bool par = parallel && omp_get_max_threads() > 1 && chunks > 1;
#pragma omp parallel for schedule(dynamic, 1) if (par)
  for (std::int64_t c = 0; c < chunks; ++c) fn(c * chunk, std::min(n, (c + 1) * chunk));
}

/// Rows per chunk so that one chunk streams about `bytes` of a matrix with `row_bytes` rows,
/// a multiple of `align` rows (the kernels' row blocks).
inline std::int64_t rows_per_chunk(std::int64_t row_bytes, std::int64_t bytes, std::int64_t align) {
  std::int64_t r = std::max<std::int64_t>(1, bytes / std::max<std::int64_t>(1, row_bytes));
  return std::max(align, r / align * align);
}

}  // namespace internvl::kernels
