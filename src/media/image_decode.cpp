// decode_image(): format detection, the pixel limit, dispatch to one decoder, EXIF orientation.
#include "media/image_decode.h"

#include <utility>

#include "core/check.h"
#include "core/file.h"
#include "media/codecs.h"

namespace internvl::media {
namespace detail {

Status check_dimensions(std::int64_t width, std::int64_t height, const ImageDecodeOptions& options,
                        std::string_view what, const char* format) {
  if (width <= 0 || height <= 0) {
    return corrupt(format, " image '", what, "' has an empty size ", width, "x", height);
  }
  // Image stores int sizes and byte offsets in size_t; 2^31 per side is far past any limit.
  if (width > (1 << 30) || height > (1 << 30)) {
    return out_of_range(format, " image '", what, "' is ", width, "x", height,
                        " pixels, wider or taller than 2^30");
  }
  const std::int64_t pixels = width * height;
  if (options.max_pixels > 0 && pixels > options.max_pixels) {
    return out_of_range(format, " image '", what, "' is ", width, "x", height, " = ", pixels,
                        " pixels, over the limit of ", options.max_pixels,
                        " (ImageDecodeOptions::max_pixels; a decompression bomb?)");
  }
  return Status();
}

void allocate_image(Image& image, int width, int height, int bit_depth) {
  INTERNVL_CHECK(width > 0 && height > 0 && (bit_depth == 8 || bit_depth == 16),
                 "allocate_image ", width, "x", height, " @", bit_depth);
  image.width = width;
  image.height = height;
  image.bit_depth = bit_depth;
  const std::size_t n = static_cast<std::size_t>(width) * static_cast<std::size_t>(height) * 3;
  image.rgb8.clear();
  image.rgb16.clear();
  if (bit_depth == 8) {
    image.rgb8.resize(n);
  } else {
    image.rgb16.resize(n);
  }
}

}  // namespace detail

namespace {

template <typename T>
std::vector<T> reorient(const std::vector<T>& src, int w, int h, int orientation, int* out_w,
                        int* out_h) {
  const bool swap = orientation >= 5;
  const int ow = swap ? h : w;
  const int oh = swap ? w : h;
  std::vector<T> dst(src.size());
  for (int oy = 0; oy < oh; ++oy) {
    for (int ox = 0; ox < ow; ++ox) {
      int ix = ox, iy = oy;  // source pixel of output (ox, oy); orientation 1 is the identity
      switch (orientation) {
        case 2: ix = w - 1 - ox; break;                          // mirror horizontally
        case 3: ix = w - 1 - ox; iy = h - 1 - oy; break;         // rotate 180
        case 4: iy = h - 1 - oy; break;                          // mirror vertically
        case 5: ix = oy; iy = ox; break;                         // transpose
        case 6: ix = oy; iy = h - 1 - ox; break;                 // rotate 90 clockwise
        case 7: ix = w - 1 - oy; iy = h - 1 - ox; break;         // transverse
        case 8: ix = w - 1 - oy; iy = ox; break;                 // rotate 90 counter-clockwise
        default: break;
      }
      const std::size_t s = (static_cast<std::size_t>(iy) * w + ix) * 3;
      const std::size_t d = (static_cast<std::size_t>(oy) * ow + ox) * 3;
      dst[d] = src[s];
      dst[d + 1] = src[s + 1];
      dst[d + 2] = src[s + 2];
    }
  }
  *out_w = ow;
  *out_h = oh;
  return dst;
}

}  // namespace

void apply_exif_orientation(Image& image, int orientation) {
  if (orientation < 2 || orientation > 8 || image.empty()) return;
  int w = image.width, h = image.height;
  if (image.bit_depth == 16) {
    image.rgb16 = reorient(image.rgb16, image.width, image.height, orientation, &w, &h);
  } else {
    image.rgb8 = reorient(image.rgb8, image.width, image.height, orientation, &w, &h);
  }
  image.width = w;
  image.height = h;
}

Result<Image> decode_image(std::string_view bytes, const ImageDecodeOptions& options,
                           std::string_view what) {
  if (bytes.empty()) return corrupt("image '", what, "' is empty (0 bytes)");
  const ImageFormat format = detect_image_format(bytes);
  Result<detail::Decoded> decoded = [&]() -> Result<detail::Decoded> {
    switch (format) {
      case ImageFormat::kJpeg: return detail::decode_jpeg(bytes, options, what);
      case ImageFormat::kPng: return detail::decode_png(bytes, options, what);
      case ImageFormat::kGif: return detail::decode_gif(bytes, options, what);
      case ImageFormat::kWebp: return detail::decode_webp(bytes, options, what);
      case ImageFormat::kBmp: return detail::decode_bmp(bytes, options, what);
      case ImageFormat::kUnknown:
        return unsupported("'", what, "' is not a supported image (", bytes.size(),
                           " bytes, no JPEG/PNG/GIF/WebP/BMP signature)");
      default:
        return unsupported("'", what, "' is a ", image_format_name(format),
                           " image; supported formats are JPEG, PNG, GIF, WebP and BMP");
    }
  }();
  if (!decoded.ok()) return decoded.status();
  Image image = std::move(decoded->image);
  if (options.apply_exif_orientation && !decoded->exif.empty()) {
    apply_exif_orientation(image, detail::exif_orientation(decoded->exif));
  }
  return image;
}

Result<Image> load_image_file(const std::string& path, const ImageDecodeOptions& options) {
  INTERNVL_ASSIGN_OR_RETURN(std::string bytes, read_file(path));
  return decode_image(bytes, options, path);
}

}  // namespace internvl::media
