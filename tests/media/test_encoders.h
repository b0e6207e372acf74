// Test-only encoders: build small images with known pixels in every variant the decoders handle.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace internvl::media::test_enc {

struct PngSpec {
  PngSpec(int w, int h, int depth, int type, bool adam7, std::vector<std::uint8_t> rows)
      : width(w), height(h), bit_depth(depth), color_type(type), interlace(adam7), raw(std::move(rows)) {}
  int width = 0;
  int height = 0;
  int bit_depth = 8;
  int color_type = 2;            // PNG_COLOR_TYPE_*: 0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA
  bool interlace = false;
  std::vector<std::uint8_t> raw;  // rows as PNG stores them (16-bit big-endian, packed low depths)
  std::vector<std::uint8_t> palette;  // RGB triples
  std::vector<std::uint8_t> trns;     // palette alpha entries
  std::string exif;                   // eXIf chunk payload (TIFF)
};
/// Encodes a PNG exactly as specified.
std::string encode_png(const PngSpec& spec);

struct JpegSpec {
  JpegSpec(int w, int h, int comps, std::vector<std::uint8_t> px, int q = 90, bool prog = false,
           bool is_ycck = false)
      : width(w), height(h), components(comps), pixels(std::move(px)), quality(q),
        progressive(prog), ycck(is_ycck) {}
  int width = 0;
  int height = 0;
  int components = 3;            // 1 gray, 3 RGB, 4 CMYK
  std::vector<std::uint8_t> pixels;  // [height, width, components]
  int quality = 90;
  bool progressive = false;
  bool ycck = false;             // 4 components stored as YCCK instead of CMYK
  std::string exif;              // APP1 "Exif\0\0" + this TIFF block when not empty
};
/// Encodes a JPEG with libjpeg (CMYK/YCCK get an Adobe marker).
std::string encode_jpeg(const JpegSpec& spec);

/// Decodes a JPEG with plain libjpeg into its native components (CMYK stays CMYK).
std::vector<std::uint8_t> decode_jpeg_native(const std::string& jpeg, int* components);

struct GifFrame {
  GifFrame(int l, int t, int w, int h, bool il, int transp, std::vector<std::uint8_t> idx)
      : left(l), top(t), width(w), height(h), interlace(il), transparent(transp), indices(std::move(idx)) {}
  int left = 0, top = 0, width = 0, height = 0;
  bool interlace = false;
  int transparent = -1;
  std::vector<std::uint8_t> indices;  // [height, width] in display order
  std::vector<std::uint8_t> local_palette;  // RGB triples; empty = use the global one
};
/// Encodes a GIF with giflib: screen size, global palette (RGB triples, power-of-two count),
/// background index, frames.
std::string encode_gif(int screen_w, int screen_h, const std::vector<std::uint8_t>& palette,
                       int background, const std::vector<GifFrame>& frames);

/// Lossless WebP of RGBA pixels [height, width, 4].
std::string encode_webp_lossless_rgba(int width, int height, const std::vector<std::uint8_t>& rgba);

/// A two-frame animated WebP (hand-assembled VP8X/ANIM/ANMF) from two lossless RGBA frames
/// covering the canvas.
std::string encode_webp_animation(int width, int height, const std::vector<std::uint8_t>& frame0,
                                  const std::vector<std::uint8_t>& frame1);

/// A lossless WebP in the extended (VP8X) layout carrying an EXIF chunk.
std::string encode_webp_with_exif(int width, int height, const std::vector<std::uint8_t>& rgba,
                                  const std::string& exif);

/// A TIFF EXIF block holding only the orientation tag, little- or big-endian.
std::string exif_with_orientation(int orientation, bool little_endian = true);

}  // namespace internvl::media::test_enc
