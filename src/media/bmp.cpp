// BMP: our own reader (the reference refuses BMP; we accept the common uncompressed kinds).
// Supported: core (OS/2 v1), INFO, V2/V3/V4/V5 headers; 1/4/8-bit palette, 16/24/32-bit;
// BI_RGB, BI_BITFIELDS, BI_ALPHABITFIELDS; bottom-up (height > 0) and top-down (height < 0).
// Refused: RLE and embedded JPEG/PNG. Every offset is checked against the buffer before use.
// Alpha is dropped; palette indices past the palette read as black.
#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>

#include "media/codecs.h"

namespace internvl::media::detail {
namespace {

constexpr std::uint32_t kBiRgb = 0, kBiRle8 = 1, kBiRle4 = 2, kBiBitfields = 3, kBiJpeg = 4,
                        kBiPng = 5, kBiAlphaBitfields = 6;

class Bytes {
 public:
  explicit Bytes(std::string_view data) : data_(data) {}
  std::size_t size() const { return data_.size(); }
  bool has(std::size_t off, std::size_t n) const { return off <= data_.size() && n <= data_.size() - off; }
  std::uint8_t u8(std::size_t off) const { return static_cast<std::uint8_t>(data_[off]); }
  std::uint16_t u16(std::size_t off) const {
    return static_cast<std::uint16_t>(u8(off) | (u8(off + 1) << 8));
  }
  std::uint32_t u32(std::size_t off) const {
    return static_cast<std::uint32_t>(u16(off)) | (static_cast<std::uint32_t>(u16(off + 2)) << 16);
  }

 private:
  std::string_view data_;
};

// One colour channel described by a bit mask; scales its field to 0..255.
struct Channel {
  std::uint32_t mask = 0;
  int shift = 0;
  std::uint32_t max = 0;  // largest field value

  static Channel from_mask(std::uint32_t mask) {
    Channel c;
    c.mask = mask;
    if (mask == 0) return c;
    while (((mask >> c.shift) & 1u) == 0) ++c.shift;
    c.max = mask >> c.shift;
    return c;
  }
  std::uint8_t get(std::uint32_t pixel) const {
    if (max == 0) return 0;
    const std::uint64_t v = (pixel & mask) >> shift;
    return static_cast<std::uint8_t>((v * 255 + max / 2) / max);
  }
};

struct Header {
  std::int64_t width = 0;
  std::int64_t height = 0;  // positive; top_down says the row order
  bool top_down = false;
  int bpp = 0;
  std::uint32_t compression = kBiRgb;
  std::uint32_t data_offset = 0;
  std::size_t palette_offset = 0;
  std::size_t palette_entry = 4;  // bytes per palette entry (3 for core headers)
  std::uint32_t colors_used = 0;
  std::array<std::uint32_t, 3> masks{};  // R, G, B
};

Result<Header> parse_header(const Bytes& b, std::string_view what) {
  if (!b.has(0, 18)) return corrupt("BMP '", what, "' is truncated in its file header");
  Header h;
  h.data_offset = b.u32(10);
  const std::uint32_t dib = b.u32(14);
  if (dib < 12 || !b.has(14, dib)) {
    return corrupt("BMP '", what, "' has a bad or truncated DIB header (size ", dib, ")");
  }
  if (dib == 12) {  // BITMAPCOREHEADER: unsigned 16-bit sizes, always bottom-up
    h.width = b.u16(18);
    h.height = b.u16(20);
    h.bpp = b.u16(24);
    h.palette_entry = 3;
    h.palette_offset = 14 + dib;
    return h;
  }
  if (dib < 40) return corrupt("BMP '", what, "' has an unknown DIB header size ", dib);
  h.width = static_cast<std::int32_t>(b.u32(18));
  const std::int32_t height = static_cast<std::int32_t>(b.u32(22));
  if (height == std::numeric_limits<std::int32_t>::min()) {
    return corrupt("BMP '", what, "' has an invalid height");
  }
  h.top_down = height < 0;
  h.height = height < 0 ? -static_cast<std::int64_t>(height) : height;
  h.bpp = b.u16(28);
  h.compression = b.u32(30);
  h.colors_used = b.u32(46);
  h.palette_offset = 14 + dib;
  if (h.compression == kBiBitfields || h.compression == kBiAlphaBitfields) {
    // V2+ headers hold the masks; a 40-byte header is followed by them.
    const std::size_t masks_at = 14 + 40;
    if (dib == 40) h.palette_offset += h.compression == kBiAlphaBitfields ? 16 : 12;
    if (!b.has(masks_at, 12)) return corrupt("BMP '", what, "' is truncated in its colour masks");
    for (int i = 0; i < 3; ++i) h.masks[i] = b.u32(masks_at + 4 * i);
  }
  return h;
}

}  // namespace

Result<Decoded> decode_bmp(std::string_view bytes, const ImageDecodeOptions& options,
                           std::string_view what) {
  const Bytes b(bytes);
  INTERNVL_ASSIGN_OR_RETURN(Header h, parse_header(b, what));
  switch (h.compression) {
    case kBiRgb: case kBiBitfields: case kBiAlphaBitfields: break;
    case kBiRle8: case kBiRle4: return unsupported("BMP '", what, "' is RLE-compressed (not supported)");
    case kBiJpeg: case kBiPng: return unsupported("BMP '", what, "' embeds a JPEG/PNG (not supported)");
    default: return corrupt("BMP '", what, "' has an unknown compression ", h.compression);
  }
  const bool bitfields = h.compression != kBiRgb;
  const bool valid_bpp = bitfields ? (h.bpp == 16 || h.bpp == 32)
                                   : (h.bpp == 1 || h.bpp == 4 || h.bpp == 8 || h.bpp == 16 ||
                                      h.bpp == 24 || h.bpp == 32);
  if (!valid_bpp) {
    return unsupported("BMP '", what, "' has ", h.bpp, " bits per pixel with compression ",
                       h.compression, " (not supported)");
  }
  INTERNVL_RETURN_IF_ERROR(check_dimensions(h.width, h.height, options, what, "BMP"));

  // Rows are padded to 4 bytes; the whole pixel array must be inside the file.
  const std::uint64_t stride = ((static_cast<std::uint64_t>(h.width) * h.bpp + 31) / 32) * 4;
  const std::uint64_t need = stride * static_cast<std::uint64_t>(h.height);
  if (h.data_offset > b.size() || need > b.size() - h.data_offset) {
    return corrupt("BMP '", what, "' is truncated: ", h.width, "x", h.height, " at ", h.bpp,
                   " bits needs ", need, " bytes of pixels from offset ", h.data_offset, ", file has ",
                   b.size(), " bytes");
  }

  std::array<std::array<std::uint8_t, 3>, 256> palette{};  // RGB; unused entries stay black
  if (h.bpp <= 8) {
    const std::uint32_t max_colors = 1u << h.bpp;
    std::uint32_t n = h.colors_used == 0 || h.colors_used > max_colors ? max_colors : h.colors_used;
    // Writers often store fewer entries than the depth allows (core headers cannot say how
    // many); the palette ends where the pixels start.
    if (h.data_offset >= h.palette_offset) {
      n = std::min<std::uint64_t>(n, (h.data_offset - h.palette_offset) / h.palette_entry);
    }
    for (std::uint32_t i = 0; i < n; ++i) {
      const std::size_t at = h.palette_offset + i * h.palette_entry;
      if (!b.has(at, h.palette_entry)) return corrupt("BMP '", what, "' is truncated in its palette");
      palette[i] = {b.u8(at + 2), b.u8(at + 1), b.u8(at)};  // stored B, G, R
    }
  }
  std::array<Channel, 3> ch;
  if (bitfields) {
    for (int i = 0; i < 3; ++i) ch[i] = Channel::from_mask(h.masks[i]);
  } else if (h.bpp == 16) {  // BI_RGB 16-bit is X1R5G5B5
    ch = {Channel::from_mask(0x7C00), Channel::from_mask(0x03E0), Channel::from_mask(0x001F)};
  }

  Decoded out;
  const int w = static_cast<int>(h.width), hgt = static_cast<int>(h.height);
  allocate_image(out.image, w, hgt, 8);
  for (int y = 0; y < hgt; ++y) {
    const int src_row = h.top_down ? y : hgt - 1 - y;
    const std::size_t row = h.data_offset + static_cast<std::size_t>(src_row) * stride;
    std::uint8_t* dst = out.image.rgb8.data() + static_cast<std::size_t>(y) * w * 3;
    for (int x = 0; x < w; ++x, dst += 3) {
      switch (h.bpp) {
        case 1: case 4: case 8: {
          const std::size_t bit = static_cast<std::size_t>(x) * h.bpp;
          const int shift = 8 - h.bpp - static_cast<int>(bit % 8);
          const int index = (b.u8(row + bit / 8) >> shift) & ((1 << h.bpp) - 1);
          dst[0] = palette[index][0];
          dst[1] = palette[index][1];
          dst[2] = palette[index][2];
          break;
        }
        case 24: {
          const std::size_t p = row + static_cast<std::size_t>(x) * 3;
          dst[0] = b.u8(p + 2);
          dst[1] = b.u8(p + 1);
          dst[2] = b.u8(p);
          break;
        }
        default: {  // 16 or 32 bits: masks (BI_RGB 32-bit is B, G, R, unused)
          const std::size_t p = row + static_cast<std::size_t>(x) * (h.bpp / 8);
          if (h.bpp == 32 && !bitfields) {
            dst[0] = b.u8(p + 2);
            dst[1] = b.u8(p + 1);
            dst[2] = b.u8(p);
            break;
          }
          const std::uint32_t v = h.bpp == 16 ? b.u16(p) : b.u32(p);
          dst[0] = ch[0].get(v);
          dst[1] = ch[1].get(v);
          dst[2] = ch[2].get(v);
          break;
        }
      }
    }
  }
  return out;
}

}  // namespace internvl::media::detail
