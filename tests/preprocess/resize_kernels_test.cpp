// The SIMD resize kernels against their plain-loop references.
#include "preprocess/resize_kernels.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

namespace internvl::preprocess::kernels {
namespace {

TEST(ResizeKernels, CombineRowsMatchesPortable) {
  std::mt19937 rng(42);
  for (int trial = 0; trial < 400; ++trial) {
    const int taps = 1 + static_cast<int>(rng() % 24);
    const std::size_t row_len = 1 + rng() % 200;
    const int precision = 8 + static_cast<int>(rng() % 15);  // 8..22
    std::vector<std::uint8_t> rows(taps * row_len);
    for (auto& v : rows) v = static_cast<std::uint8_t>(rng());
    std::vector<std::int16_t> w(taps);
    for (int j = 0; j < taps; ++j) {
      // Mostly realistic weights, sometimes extremes and zeros (window padding).
      const int kind = static_cast<int>(rng() % 6);
      w[j] = kind == 0   ? 0
             : kind == 1 ? static_cast<std::int16_t>(32767 - static_cast<int>(rng() % 3))
             : kind == 2 ? static_cast<std::int16_t>(-static_cast<int>(rng() % 32768))
                         : static_cast<std::int16_t>(static_cast<int>(rng() % (1 << 14)) - 2000);
    }
    std::vector<std::uint8_t> got(row_len), want(row_len);
    combine_rows_u8(rows.data(), row_len, w.data(), taps, precision, got.data());
    combine_rows_u8_portable(rows.data(), row_len, w.data(), taps, precision, want.data());
    // Direct definition as a third opinion.
    for (std::size_t k = 0; k < row_len; ++k) {
      std::int64_t acc = 1 << (precision - 1);
      for (int j = 0; j < taps; ++j) acc += static_cast<std::int64_t>(rows[j * row_len + k]) * w[j];
      const std::int64_t v = acc >> precision;
      ASSERT_EQ(want[k], v < 0 ? 0 : v > 255 ? 255 : v) << "trial " << trial << " k " << k;
    }
    ASSERT_EQ(got, want) << "trial " << trial << " taps " << taps << " len " << row_len;
  }
}

TEST(ResizeKernels, TransposeRgb8) {
  std::mt19937 rng(7);
  for (const auto& [rows, cols] :
       {std::pair{1, 1}, {1, 7}, {7, 1}, {31, 33}, {32, 32}, {33, 65}, {100, 3}, {65, 64}}) {
    std::vector<std::uint8_t> src(static_cast<std::size_t>(rows) * cols * 3);
    for (auto& v : src) v = static_cast<std::uint8_t>(rng());
    std::vector<std::uint8_t> dst(src.size() + 8, 0xAB);  // guard bytes after the end
    transpose_rgb8(src.data(), rows, cols, dst.data());
    for (int r = 0; r < rows; ++r)
      for (int c = 0; c < cols; ++c)
        for (int ch = 0; ch < 3; ++ch)
          ASSERT_EQ(dst[(static_cast<std::size_t>(c) * rows + r) * 3 + ch],
                    src[(static_cast<std::size_t>(r) * cols + c) * 3 + ch])
              << rows << "x" << cols << " at " << r << "," << c;
    for (std::size_t i = src.size(); i < dst.size(); ++i) ASSERT_EQ(dst[i], 0xAB) << "overrun";
  }
}

}  // namespace
}  // namespace internvl::preprocess::kernels
