// Image: decoded pixels in memory, the hand-off between media decoders and preprocessing.
#pragma once

#include <cstdint>
#include <vector>

namespace internvl {

/// Decoded RGB pixels, interleaved, row-major: [height, width, 3].
/// 8-bit sources fill `rgb8`; 16-bit sources (16-bit PNG) fill `rgb16` so that preprocessing
/// keeps their precision, as the reference does.
struct Image {
  int width = 0;
  int height = 0;
  int bit_depth = 8;                 // 8 or 16
  std::vector<std::uint8_t> rgb8;    // [height, width, 3] when bit_depth == 8
  std::vector<std::uint16_t> rgb16;  // [height, width, 3] when bit_depth == 16

  bool empty() const { return width <= 0 || height <= 0; }
};

}  // namespace internvl
