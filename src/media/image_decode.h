// Still-image decoding: bytes or a file -> internvl::Image (RGB, HWC), as the reference loads them.
//
// The reference (Transformers 5.17) reads files with torchvision.io.decode_image(mode=RGB):
// libjpeg-turbo, libpng, libwebp and giflib. We use the same libraries with the same settings so
// that the decoded pixels are identical:
//   JPEG  default DCT (islow) and fancy upsampling; gray replicated by libjpeg; CMYK/YCCK decoded
//         as CMYK and converted with torchvision's (Pillow's) integer formula.
//   PNG   palette expanded (tRNS dropped), gray replicated, alpha stripped (not composited),
//         1/2/4-bit gray expanded to 8 bits; 16-bit sources stay 16-bit (Image::rgb16), as
//         torchvision returns a uint16 tensor for them; gamma/ICC chunks are ignored.
//   WebP  WebPDecodeRGB (alpha ignored). Animated WebP: the first frame (the reference refuses).
//   GIF   the first frame only, drawn over the logical screen filled with the background colour;
//         transparent pixels show that background (the reference returns every frame).
//   BMP   our own reader (the reference refuses BMP): 1/4/8-bit palette, 16/24/32-bit, top-down
//         and bottom-up, BI_RGB and BI_BITFIELDS; RLE is refused.
// EXIF orientation is not applied unless asked (the reference does not apply it).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/image.h"
#include "internvl/status.h"
#include "media/image_format.h"

namespace internvl::media {

/// Default pixel limit: 2 x 89,478,485, Pillow's DecompressionBombError threshold.
inline constexpr std::int64_t kDefaultMaxImagePixels = 178'956'970;

struct ImageDecodeOptions {
  // Width x height above which an image is refused before any pixel buffer is allocated
  // (decompression bombs); <= 0 disables the check.
  std::int64_t max_pixels = kDefaultMaxImagePixels;
  // Rotate/flip as the EXIF orientation tag says (JPEG APP1, PNG eXIf, WebP EXIF).
  bool apply_exif_orientation = false;
};

/// Decodes an encoded image; `what` names the source in error messages (a path, a URL, "request").
Result<Image> decode_image(std::string_view bytes, const ImageDecodeOptions& options,
                           std::string_view what = "image");

/// Reads and decodes an image file; errors name the path.
Result<Image> load_image_file(const std::string& path, const ImageDecodeOptions& options = {});

/// Applies EXIF orientation `orientation` (1..8; others leave the image unchanged) in place.
void apply_exif_orientation(Image& image, int orientation);

}  // namespace internvl::media
