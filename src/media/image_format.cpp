#include "media/image_format.h"

#include <cstring>

namespace internvl::media {
namespace {

bool has_prefix(std::string_view bytes, std::string_view magic, std::size_t offset = 0) {
  return bytes.size() >= offset + magic.size() && bytes.substr(offset, magic.size()) == magic;
}

// ISO base media files (AVIF, HEIC, also MP4) start with a box "....ftyp<brand>".
ImageFormat detect_ftyp(std::string_view bytes) {
  if (!has_prefix(bytes, "ftyp", 4) || bytes.size() < 12) return ImageFormat::kUnknown;
  std::string_view brand = bytes.substr(8, 4);
  if (brand == "avif" || brand == "avis") return ImageFormat::kAvif;
  if (brand == "heic" || brand == "heix" || brand == "heim" || brand == "heis" ||
      brand == "hevc" || brand == "hevx" || brand == "mif1" || brand == "msf1") {
    return ImageFormat::kHeic;
  }
  return ImageFormat::kUnknown;
}

bool looks_like_svg(std::string_view bytes) {
  std::string_view head = bytes.substr(0, 512);
  std::size_t i = 0;
  if (has_prefix(head, "\xEF\xBB\xBF")) i = 3;  // UTF-8 byte order mark
  while (i < head.size() && (head[i] == ' ' || head[i] == '\t' || head[i] == '\r' || head[i] == '\n')) {
    ++i;
  }
  head = head.substr(i);
  if (!has_prefix(head, "<?xml") && !has_prefix(head, "<svg")) return false;
  return head.find("<svg") != std::string_view::npos;
}

}  // namespace

ImageFormat detect_image_format(std::string_view bytes) {
  // Same signatures as torchvision's decode_image for the four formats it reads.
  if (has_prefix(bytes, "\xFF\xD8\xFF")) return ImageFormat::kJpeg;
  if (has_prefix(bytes, "\x89PNG\r\n\x1A\n")) return ImageFormat::kPng;
  if (has_prefix(bytes, "GIF87a") || has_prefix(bytes, "GIF89a")) return ImageFormat::kGif;
  if (has_prefix(bytes, "RIFF") && has_prefix(bytes, "WEBP", 8)) return ImageFormat::kWebp;
  if (has_prefix(bytes, "BM") && bytes.size() >= 18) return ImageFormat::kBmp;
  if (has_prefix(bytes, std::string_view("II*\0", 4)) || has_prefix(bytes, std::string_view("MM\0*", 4))) {
    return ImageFormat::kTiff;
  }
  if (ImageFormat f = detect_ftyp(bytes); f != ImageFormat::kUnknown) return f;
  if (has_prefix(bytes, std::string_view("\0\0\0\x0CjP  \r\n\x87\n", 12)) ||
      has_prefix(bytes, "\xFF\x4F\xFF\x51")) {
    return ImageFormat::kJpeg2000;
  }
  if (has_prefix(bytes, "\xFF\x0A") ||
      has_prefix(bytes, std::string_view("\0\0\0\x0CJXL \r\n\x87\n", 12))) {
    return ImageFormat::kJpegXl;
  }
  if (has_prefix(bytes, std::string_view("\0\0\1\0", 4))) return ImageFormat::kIco;
  if (has_prefix(bytes, "8BPS")) return ImageFormat::kPsd;
  if (has_prefix(bytes, "%PDF-")) return ImageFormat::kPdf;
  if (looks_like_svg(bytes)) return ImageFormat::kSvg;
  return ImageFormat::kUnknown;
}

const char* image_format_name(ImageFormat format) {
  switch (format) {
    case ImageFormat::kUnknown: return "unknown";
    case ImageFormat::kJpeg: return "JPEG";
    case ImageFormat::kPng: return "PNG";
    case ImageFormat::kGif: return "GIF";
    case ImageFormat::kWebp: return "WebP";
    case ImageFormat::kBmp: return "BMP";
    case ImageFormat::kTiff: return "TIFF";
    case ImageFormat::kAvif: return "AVIF";
    case ImageFormat::kHeic: return "HEIC/HEIF";
    case ImageFormat::kJpeg2000: return "JPEG 2000";
    case ImageFormat::kJpegXl: return "JPEG XL";
    case ImageFormat::kIco: return "ICO";
    case ImageFormat::kPsd: return "PSD";
    case ImageFormat::kSvg: return "SVG";
    case ImageFormat::kPdf: return "PDF";
  }
  return "unknown";
}

bool is_decodable_format(ImageFormat format) {
  switch (format) {
    case ImageFormat::kJpeg:
    case ImageFormat::kPng:
    case ImageFormat::kGif:
    case ImageFormat::kWebp:
    case ImageFormat::kBmp:
      return true;
    default:
      return false;
  }
}

}  // namespace internvl::media
