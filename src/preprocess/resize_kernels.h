// Inner loops of the uint8 resize (resize.cpp). Both passes reduce to one operation: an output
// row is a weighted sum of `taps` input rows; horizontal passes run it on a transposed image.
#pragma once

#include <cstddef>
#include <cstdint>

namespace internvl::preprocess::kernels {

/// out[k] = clamp((2^(precision-1) + sum_j w[j] * rows[j * row_len + k]) >> precision, 0, 255)
/// for k < row_len, in int32 (torch's basic_loop_aa_vertical<uint8_t>). SSE2 where available.
void combine_rows_u8(const std::uint8_t* rows, std::size_t row_len, const std::int16_t* w, int taps,
                     int precision, std::uint8_t* out);

/// Plain-loop combine_rows_u8: the scalar reference and the non-x86 path.
void combine_rows_u8_portable(const std::uint8_t* rows, std::size_t row_len, const std::int16_t* w,
                              int taps, int precision, std::uint8_t* out);

/// A rows x cols matrix of 3-byte pixels -> its cols x rows transpose.
void transpose_rgb8(const std::uint8_t* src, int rows, int cols, std::uint8_t* dst);

}  // namespace internvl::preprocess::kernels
