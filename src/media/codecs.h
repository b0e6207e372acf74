// Internal: the per-format decoders behind decode_image() and the helpers they share.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/image.h"
#include "internvl/status.h"
#include "media/image_decode.h"

namespace internvl::media::detail {

/// What a format decoder returns: the pixels and, when asked for, the raw EXIF (TIFF) block.
struct Decoded {
  Image image;
  std::string exif;  // TIFF header onwards; empty when absent or not requested
};

/// Each decoder reads `bytes` (already identified by magic) and names `what` in its errors.
Result<Decoded> decode_jpeg(std::string_view bytes, const ImageDecodeOptions& options,
                            std::string_view what);
Result<Decoded> decode_png(std::string_view bytes, const ImageDecodeOptions& options,
                           std::string_view what);
Result<Decoded> decode_webp(std::string_view bytes, const ImageDecodeOptions& options,
                            std::string_view what);
Result<Decoded> decode_gif(std::string_view bytes, const ImageDecodeOptions& options,
                           std::string_view what);
Result<Decoded> decode_bmp(std::string_view bytes, const ImageDecodeOptions& options,
                           std::string_view what);

/// Refuses empty or over-limit dimensions; called with header values before any allocation.
Status check_dimensions(std::int64_t width, std::int64_t height, const ImageDecodeOptions& options,
                        std::string_view what, const char* format);

/// Sizes `image` for width x height at 8 or 16 bits (dimensions already checked).
void allocate_image(Image& image, int width, int height, int bit_depth);

/// The EXIF orientation (1..8) in a TIFF-structured EXIF block; 0 when absent or malformed.
int exif_orientation(std::string_view tiff);

}  // namespace internvl::media::detail
