// OpenMP helpers shared by the kernels.
#pragma once

#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <type_traits>

namespace internvl::kernels {

/// Work (multiply-adds, bytes) below which a kernel runs on the calling thread only.
inline constexpr std::int64_t kParallelMinWork = 1 << 15;

/// Calls fn(b0, b1) on byte ranges that partition [0, total) of a decode step's weights. Each
/// thread first reads the first 7/8 of its own contiguous share (long streams are fastest, see
/// gemv_streams); then the threads take the shares' last eighths in ~256 KB pieces as they
/// finish, so a thread slowed by the OS or by memory delays holds up only its current piece.
template <typename Fn>
void for_byte_shares(std::int64_t total, bool parallel, const Fn& fn) {
  constexpr std::int64_t kPiece = 256 << 10;
  if (!parallel || omp_get_max_threads() <= 1 || total <= 2 * kPiece) {
    if (total > 0) fn(std::int64_t{0}, total);
    return;
  }
#pragma omp parallel
  {
    const std::int64_t nt = omp_get_num_threads(), t = omp_get_thread_num();
    auto share = [&](std::int64_t u) { return total * u / nt; };
    auto head_end = [&](std::int64_t u) { return share(u) + (share(u + 1) - share(u)) * 7 / 8; };
    if (share(t) < head_end(t)) fn(share(t), head_end(t));
    std::int64_t max_tail = 0;
    for (std::int64_t u = 0; u < nt; ++u) max_tail = std::max(max_tail, share(u + 1) - head_end(u));
    const std::int64_t pieces = (max_tail + kPiece - 1) / kPiece;
#pragma omp for schedule(dynamic, 1)
    for (std::int64_t p = 0; p < nt * pieces; ++p) {
      const std::int64_t u = p % nt, b0 = head_end(u) + p / nt * kPiece;
      const std::int64_t b1 = std::min(share(u + 1), b0 + kPiece);
      if (b0 < b1) fn(b0, b1);
    }
  }
}

/// Calls fn(b0, b1) on consecutive ~256 KB pieces of [0, total) handed out dynamically: for the
/// integer GEMVs of several activation rows, which read one weight row at a time and measured
/// faster this way than with for_byte_shares (8B MLP matrix, 2 threads: Q8_0 41-44 vs 28-32
/// GB/s).
template <typename Fn>
void for_byte_pieces(std::int64_t total, bool parallel, const Fn& fn) {
  constexpr std::int64_t kPiece = 256 << 10;
  const std::int64_t pieces = (total + kPiece - 1) / kPiece;
  const bool par = parallel && omp_get_max_threads() > 1 && pieces > 1;
#pragma omp parallel for schedule(dynamic, 1) if (par)
  for (std::int64_t p = 0; p < pieces; ++p) fn(p * kPiece, std::min(total, (p + 1) * kPiece));
}

/// The rows of a matrix with `row_bytes` per row whose first byte lies in [b0, b1), the matrix
/// starting at byte `off` of the range: [*r0, *r1).
inline void rows_in_bytes(std::int64_t b0, std::int64_t b1, std::int64_t off, std::int64_t row_bytes,
                          std::int64_t rows, std::int64_t* r0, std::int64_t* r1) {
  auto first_at = [&](std::int64_t b) {
    return b <= off ? 0 : std::min(rows, (b - off + row_bytes - 1) / row_bytes);
  };
  *r0 = first_at(b0);
  *r1 = first_at(b1);
}

/// How a decode step's `total` bytes of weights are split among threads: for_byte_pieces
/// (`pieces`, see quant_gemv_in_pieces) or for_byte_shares.
template <typename Fn>
void for_weight_bytes(std::int64_t total, bool parallel, bool pieces, const Fn& fn) {
  if (pieces) {
    for_byte_pieces(total, parallel, fn);
  } else {
    for_byte_shares(total, parallel, fn);
  }
}

/// for_weight_bytes over the rows of one matrix: fn(r0, r1) on row ranges.
template <typename Fn>
void for_weight_rows(std::int64_t rows, std::int64_t row_bytes, bool parallel, bool pieces, const Fn& fn) {
  for_weight_bytes(rows * row_bytes, parallel, pieces, [&](std::int64_t b0, std::int64_t b1) {
    std::int64_t r0, r1;
    rows_in_bytes(b0, b1, 0, row_bytes, rows, &r0, &r1);
    if (r0 < r1) fn(r0, r1);
  });
}

/// Number of interleaved sequential streams a decode GEMV reads a thread's `bytes` of weights
/// as: DRAM reads are fastest with a few long streams per core (measured: a 68 MB share of the
/// 8B MLP matrix at 4 streams 72 GB/s, 2 streams 62, 1 stream 52; a 4 MB share is best at 2).
inline int gemv_streams(std::int64_t bytes) { return bytes >= (16 << 20) ? 4 : bytes >= (32 << 10) ? 2 : 1; }

/// Rows a float GEMV block reads at once for `m` activation rows over `bytes` of weights: the
/// streams above for one row; with more rows the accumulators fill the registers (2 rows x 2
/// streams, else 1).
inline int gemv_block_rows(std::int64_t m, std::int64_t bytes) {
  return m <= 1 ? gemv_streams(bytes) : m <= 2 ? 2 : 1;
}

/// Runs rows [r0, r1) as R interleaved sequential streams: block(j, s) takes rows j, j + s, ...,
/// j + (R - 1) s for each j in [r0, r0 + s), s = (r1 - r0) / R; single(j) takes the rows left.
template <int R, typename Block, typename Single>
void for_row_streams(std::int64_t r0, std::int64_t r1, const Block& block, const Single& single) {
  const std::int64_t s = (r1 - r0) / R;
  for (std::int64_t j = r0; j < r0 + s; ++j) block(j, s);
  for (std::int64_t j = r0 + R * s; j < r1; ++j) single(j);
}

/// Calls fn(std::integral_constant<int, M>{}) with M = m for m in 1..7, else 8: the decode
/// kernels are templates on their number of activation rows (at most 8, kGemvMaxRows).
template <typename Fn>
void with_act_rows(std::int64_t m, const Fn& fn) {
  switch (m) {
    case 1: return fn(std::integral_constant<int, 1>{});
    case 2: return fn(std::integral_constant<int, 2>{});
    case 3: return fn(std::integral_constant<int, 3>{});
    case 4: return fn(std::integral_constant<int, 4>{});
    case 5: return fn(std::integral_constant<int, 5>{});
    case 6: return fn(std::integral_constant<int, 6>{});
    case 7: return fn(std::integral_constant<int, 7>{});
    default: return fn(std::integral_constant<int, 8>{});
  }
}

/// Calls fn(std::integral_constant<int, R>{}) for a stream count from gemv_streams /
/// gemv_block_rows (4, 2, else 1).
template <typename Fn>
void with_streams(int streams, const Fn& fn) {
  if (streams == 4) return fn(std::integral_constant<int, 4>{});
  if (streams == 2) return fn(std::integral_constant<int, 2>{});
  fn(std::integral_constant<int, 1>{});
}

}  // namespace internvl::kernels
