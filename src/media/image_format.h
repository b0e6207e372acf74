// Image container detection by magic bytes (never by file extension).
#pragma once

#include <cstdint>
#include <string_view>

namespace internvl::media {

/// Formats we decode (kJpeg..kBmp) and formats we recognise only to name them in errors.
enum class ImageFormat : std::uint8_t {
  kUnknown,
  kJpeg,
  kPng,
  kGif,
  kWebp,
  kBmp,
  // Recognised, not decoded.
  kTiff,
  kAvif,
  kHeic,
  kJpeg2000,
  kJpegXl,
  kIco,
  kPsd,
  kSvg,
  kPdf,
};

/// The format whose signature starts `bytes`; kUnknown when none matches.
ImageFormat detect_image_format(std::string_view bytes);

/// "JPEG", "PNG", ... ("unknown" for kUnknown).
const char* image_format_name(ImageFormat format);

/// True for the formats decode_image() accepts.
bool is_decodable_format(ImageFormat format);

}  // namespace internvl::media
