// The EXIF orientation tag, read from a TIFF-structured EXIF block with bounds checks on every
// offset (a hand-written reader: we need one tag, and the input is untrusted).
#include <cstdint>
#include <string_view>

#include "media/codecs.h"

namespace internvl::media::detail {
namespace {

constexpr std::uint16_t kOrientationTag = 0x0112;
constexpr std::uint16_t kTypeShort = 3;

class TiffReader {
 public:
  TiffReader(std::string_view data, bool little) : data_(data), little_(little) {}

  bool u16(std::size_t off, std::uint16_t* v) const {
    if (off > data_.size() || data_.size() - off < 2) return false;
    auto b0 = static_cast<std::uint8_t>(data_[off]), b1 = static_cast<std::uint8_t>(data_[off + 1]);
    *v = little_ ? static_cast<std::uint16_t>(b0 | (b1 << 8))
                 : static_cast<std::uint16_t>((b0 << 8) | b1);
    return true;
  }
  bool u32(std::size_t off, std::uint32_t* v) const {
    std::uint16_t a = 0, b = 0;
    if (!u16(off, &a) || !u16(off + 2, &b)) return false;
    *v = little_ ? (static_cast<std::uint32_t>(b) << 16) | a : (static_cast<std::uint32_t>(a) << 16) | b;
    return true;
  }

 private:
  std::string_view data_;
  bool little_;
};

}  // namespace

int exif_orientation(std::string_view tiff) {
  // Some writers leave the "Exif\0\0" APP1 prefix in (PNG eXIf, WebP EXIF chunks).
  if (tiff.substr(0, 6) == std::string_view("Exif\0\0", 6)) tiff.remove_prefix(6);
  if (tiff.size() < 8) return 0;
  bool little = false;
  if (tiff.substr(0, 4) == std::string_view("II*\0", 4)) {
    little = true;
  } else if (tiff.substr(0, 4) != std::string_view("MM\0*", 4)) {
    return 0;
  }
  TiffReader r(tiff, little);
  std::uint32_t ifd = 0;
  std::uint16_t count = 0;
  if (!r.u32(4, &ifd) || !r.u16(ifd, &count)) return 0;
  // Orientation lives in IFD0; entries are 12 bytes after the 2-byte count.
  for (std::uint32_t i = 0; i < count; ++i) {
    const std::size_t entry = static_cast<std::size_t>(ifd) + 2 + 12 * static_cast<std::size_t>(i);
    std::uint16_t tag = 0, type = 0, value = 0;
    std::uint32_t n = 0;
    if (!r.u16(entry, &tag) || !r.u16(entry + 2, &type) || !r.u32(entry + 4, &n)) return 0;
    if (tag != kOrientationTag) continue;
    if (type != kTypeShort || n != 1 || !r.u16(entry + 8, &value)) return 0;
    return value >= 1 && value <= 8 ? value : 0;
  }
  return 0;
}

}  // namespace internvl::media::detail
