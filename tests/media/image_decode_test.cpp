// Decoder behaviour on synthetic images with known pixels: every PNG/JPEG/GIF/WebP variant the
// reference handles, our BMP reader, EXIF orientation, limits and format detection.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "core/file.h"
#include "media/image_decode.h"
#include "support/fixtures.h"
#include "test_encoders.h"

namespace internvl::media {
namespace {

using test_enc::PngSpec;

const ImageDecodeOptions kDefaults;

Image decode_ok(const std::string& bytes, const ImageDecodeOptions& options = kDefaults) {
  auto r = decode_image(bytes, options, "test");
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  return r.ok() ? std::move(r).value() : Image{};
}

std::vector<std::uint8_t> pattern(std::size_t n, int seed) {
  std::vector<std::uint8_t> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint8_t>((i * 37 + seed * 101 + (i >> 5) * 13) & 0xFF);
  return v;
}

// Pixel (x, y) of an 8-bit image.
std::array<int, 3> px(const Image& im, int x, int y) {
  const std::size_t i = (static_cast<std::size_t>(y) * im.width + x) * 3;
  return {im.rgb8[i], im.rgb8[i + 1], im.rgb8[i + 2]};
}

// ---- PNG ----

TEST(Png, RgbAndRgbaKeepColourAndDropAlpha) {
  const int w = 7, h = 5;
  PngSpec rgb{w, h, 8, 2, false, pattern(w * h * 3, 1)};
  Image a = decode_ok(test_enc::encode_png(rgb));
  EXPECT_EQ(a.rgb8, rgb.raw);
  PngSpec rgba{w, h, 8, 6, false, pattern(w * h * 4, 2)};
  for (std::size_t i = 3; i < rgba.raw.size(); i += 4) rgba.raw[i] = static_cast<std::uint8_t>(i % 3 ? 0 : 128);
  Image b = decode_ok(test_enc::encode_png(rgba));
  ASSERT_EQ(b.rgb8.size(), static_cast<std::size_t>(w * h * 3));
  for (int i = 0; i < w * h; ++i) {  // not composited: transparent pixels keep their colour
    for (int c = 0; c < 3; ++c) EXPECT_EQ(b.rgb8[3 * i + c], rgba.raw[4 * i + c]);
  }
}

TEST(Png, GrayIsReplicatedAndLowDepthsExpanded) {
  const int w = 9, h = 4;
  PngSpec g8{w, h, 8, 0, false, pattern(w * h, 3)};
  Image a = decode_ok(test_enc::encode_png(g8));
  for (int i = 0; i < w * h; ++i) {
    for (int c = 0; c < 3; ++c) EXPECT_EQ(a.rgb8[3 * i + c], g8.raw[i]);
  }
  // 2-bit gray: levels 0..3 -> 0, 85, 170, 255; rows packed 4 pixels per byte, MSB first.
  PngSpec g2{8, 2, 2, 0, false, {0b00011011, 0b11100100, 0b01010101, 0b10101010}};
  Image b = decode_ok(test_enc::encode_png(g2));
  const int want[16] = {0, 85, 170, 255, 255, 170, 85, 0, 85, 85, 85, 85, 170, 170, 170, 170};
  for (int i = 0; i < 16; ++i) EXPECT_EQ(b.rgb8[3 * i], want[i]) << i;
  // Gray + alpha: alpha dropped.
  PngSpec ga{3, 1, 8, 4, false, {10, 0, 20, 255, 30, 7}};
  Image c = decode_ok(test_enc::encode_png(ga));
  EXPECT_EQ(c.rgb8, (std::vector<std::uint8_t>{10, 10, 10, 20, 20, 20, 30, 30, 30}));
}

TEST(Png, PaletteWithTransparencyExpandsToOpaqueColours) {
  PngSpec p{4, 2, 8, 3, false, {0, 1, 2, 3, 3, 2, 1, 0}};
  p.palette = {255, 0, 0, 0, 255, 0, 0, 0, 255, 9, 8, 7};
  p.trns = {0, 128};  // entries 0 and 1 (partly) transparent: ignored, as the reference does
  Image a = decode_ok(test_enc::encode_png(p));
  EXPECT_EQ(px(a, 0, 0), (std::array<int, 3>{255, 0, 0}));
  EXPECT_EQ(px(a, 1, 0), (std::array<int, 3>{0, 255, 0}));
  EXPECT_EQ(px(a, 3, 0), (std::array<int, 3>{9, 8, 7}));
  EXPECT_EQ(px(a, 3, 1), (std::array<int, 3>{255, 0, 0}));
  // 4-bit palette (two pixels per byte).
  PngSpec p4{4, 1, 4, 3, false, {0x12, 0x30}};
  p4.palette = {1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4};
  Image b = decode_ok(test_enc::encode_png(p4));
  EXPECT_EQ(b.rgb8, (std::vector<std::uint8_t>{2, 2, 2, 3, 3, 3, 4, 4, 4, 1, 1, 1}));
}

TEST(Png, SixteenBitStaysSixteenBit) {
  // torchvision returns uint16 for 16-bit PNGs and the reference keeps that precision.
  const int w = 3, h = 2;
  const std::uint16_t gray[6] = {0, 1, 257, 32768, 65534, 65535};
  PngSpec g16{w, h, 16, 0, false, {}};
  for (std::uint16_t v : gray) {
    g16.raw.push_back(static_cast<std::uint8_t>(v >> 8));
    g16.raw.push_back(static_cast<std::uint8_t>(v & 0xFF));
  }
  Image a = decode_ok(test_enc::encode_png(g16));
  EXPECT_EQ(a.bit_depth, 16);
  EXPECT_TRUE(a.rgb8.empty());
  ASSERT_EQ(a.rgb16.size(), 18u);
  for (int i = 0; i < 6; ++i) {
    for (int c = 0; c < 3; ++c) EXPECT_EQ(a.rgb16[3 * i + c], gray[i]);
  }
  PngSpec rgba16{1, 1, 16, 6, false, {0x12, 0x34, 0x56, 0x78, 0x9A, 0xBC, 0x00, 0x01}};
  Image b = decode_ok(test_enc::encode_png(rgba16));
  EXPECT_EQ(b.rgb16, (std::vector<std::uint16_t>{0x1234, 0x5678, 0x9ABC}));
}

TEST(Png, InterlacedEqualsNonInterlaced) {
  const int w = 13, h = 11;
  PngSpec plain{w, h, 8, 2, false, pattern(w * h * 3, 4)};
  PngSpec adam7 = plain;
  adam7.interlace = true;
  EXPECT_EQ(decode_ok(test_enc::encode_png(adam7)).rgb8, plain.raw);
}

TEST(Png, TruncatedAndCorruptAreErrors) {
  PngSpec rgb{16, 16, 8, 2, false, pattern(16 * 16 * 3, 5)};
  const std::string png = test_enc::encode_png(rgb);
  auto cut = decode_image(std::string_view(png).substr(0, png.size() / 2), kDefaults, "cut.png");
  ASSERT_FALSE(cut.ok());
  EXPECT_NE(cut.status().message().find("cut.png"), std::string::npos) << cut.status().message();
  std::string bad = png;
  bad[20] ^= 0x40;  // inside IHDR: CRC mismatch on a critical chunk
  EXPECT_FALSE(decode_image(bad, kDefaults, "bad.png").ok());
}

// ---- JPEG ----

TEST(Jpeg, RgbMatchesLibjpegDefaults) {
  test_enc::JpegSpec s{24, 16, 3, pattern(24 * 16 * 3, 6)};
  const std::string jpeg = test_enc::encode_jpeg(s);
  int comps = 0;
  auto native = test_enc::decode_jpeg_native(jpeg, &comps);
  ASSERT_EQ(comps, 3);
  EXPECT_EQ(decode_ok(jpeg).rgb8, native);  // islow DCT, fancy upsampling: libjpeg's defaults
}

TEST(Jpeg, GrayIsReplicated) {
  test_enc::JpegSpec s{10, 6, 1, pattern(60, 7)};
  const std::string jpeg = test_enc::encode_jpeg(s);
  int comps = 0;
  auto gray = test_enc::decode_jpeg_native(jpeg, &comps);
  ASSERT_EQ(comps, 1);
  Image a = decode_ok(jpeg);
  for (int i = 0; i < 60; ++i) {
    for (int c = 0; c < 3; ++c) EXPECT_EQ(a.rgb8[3 * i + c], gray[i]);
  }
}

TEST(Jpeg, ProgressiveEqualsBaseline) {
  test_enc::JpegSpec s{40, 24, 3, pattern(40 * 24 * 3, 8)};
  const Image baseline = decode_ok(test_enc::encode_jpeg(s));
  s.progressive = true;
  const std::string prog = test_enc::encode_jpeg(s);
  EXPECT_EQ(decode_ok(prog).rgb8, baseline.rgb8);  // same coefficients, other scan order
  EXPECT_FALSE(decode_image(std::string_view(prog).substr(0, prog.size() * 2 / 3), kDefaults, "p").ok());
}

TEST(Jpeg, CmykAndYcckUseTheInvertedAdobeFormula) {
  for (bool ycck : {false, true}) {
    SCOPED_TRACE(ycck ? "YCCK" : "CMYK");
    test_enc::JpegSpec s{16, 8, 4, pattern(16 * 8 * 4, 9), 95, false, ycck};
    const std::string jpeg = test_enc::encode_jpeg(s);
    int comps = 0;
    auto cmyk = test_enc::decode_jpeg_native(jpeg, &comps);
    ASSERT_EQ(comps, 4);
    Image a = decode_ok(jpeg);
    ASSERT_EQ(a.width, 16);
    for (int i = 0; i < 16 * 8; ++i) {
      const double k = cmyk[4 * i + 3];
      for (int c = 0; c < 3; ++c) {  // R = C*K/255 for the inverted values libjpeg returns
        EXPECT_NEAR(a.rgb8[3 * i + c], cmyk[4 * i + c] * k / 255.0, 1.0) << i << " " << c;
      }
    }
  }
}

TEST(Jpeg, TruncatedIsAnErrorEvenWhenOnlyTheEndMarkerIsMissing) {
  // torchvision refuses a JPEG whose data ends early ("Image is incomplete or truncated"),
  // even when only the final EOI marker is missing; we do the same.
  test_enc::JpegSpec s{16, 16, 3, pattern(16 * 16 * 3, 10)};
  const std::string jpeg = test_enc::encode_jpeg(s);
  ASSERT_EQ(jpeg.substr(jpeg.size() - 2), "\xFF\xD9");
  for (std::size_t cut : {jpeg.size() - 2, jpeg.size() - 40, std::size_t{200}, std::size_t{3}}) {
    auto r = decode_image(std::string_view(jpeg).substr(0, cut), kDefaults, "cut.jpg");
    ASSERT_FALSE(r.ok()) << cut;
    EXPECT_EQ(r.status().code(), StatusCode::kCorrupt);
    EXPECT_NE(r.status().message().find("truncated"), std::string::npos) << r.status().message();
    EXPECT_NE(r.status().message().find("cut.jpg"), std::string::npos);
  }
}

// ---- GIF ----

const std::vector<std::uint8_t> kGifPalette = {0, 0, 0, 10, 200, 30, 255, 0, 0, 0, 0, 255};

TEST(Gif, FirstFrameOverBackgroundWithTransparency) {
  test_enc::GifFrame f0{1, 1, 3, 2, false, 0, {2, 0, 3, 3, 2, 0}};
  test_enc::GifFrame f1{0, 0, 5, 4, false, -1, std::vector<std::uint8_t>(20, 2)};
  Image a = decode_ok(test_enc::encode_gif(5, 4, kGifPalette, 1, {f0, f1}));
  ASSERT_EQ(a.width, 5);
  ASSERT_EQ(a.height, 4);
  const std::array<int, 3> bg{10, 200, 30}, red{255, 0, 0}, blue{0, 0, 255};
  EXPECT_EQ(px(a, 0, 0), bg);   // outside the frame: background
  EXPECT_EQ(px(a, 1, 1), red);
  EXPECT_EQ(px(a, 2, 1), bg);   // transparent index 0 shows the background
  EXPECT_EQ(px(a, 3, 1), blue);
  EXPECT_EQ(px(a, 1, 2), blue);
  EXPECT_EQ(px(a, 3, 2), bg);
  EXPECT_EQ(px(a, 4, 3), bg);   // the second frame is not used
}

TEST(Gif, InterlacedRowsAndLocalPalette) {
  test_enc::GifFrame f{0, 0, 2, 9, true, -1, {}};
  for (int y = 0; y < 9; ++y) f.indices.insert(f.indices.end(), {static_cast<std::uint8_t>(y % 4), 0});
  f.local_palette = {1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4};
  Image a = decode_ok(test_enc::encode_gif(2, 9, kGifPalette, 0, {f}));
  for (int y = 0; y < 9; ++y) EXPECT_EQ(px(a, 0, y)[0], y % 4 + 1) << y;
}

TEST(Gif, FrameLargerThanScreenWidensTheCanvas) {
  test_enc::GifFrame f{0, 0, 6, 3, false, -1, std::vector<std::uint8_t>(18, 3)};
  Image a = decode_ok(test_enc::encode_gif(4, 2, kGifPalette, 1, {f}));
  EXPECT_EQ(a.width, 6);
  EXPECT_EQ(a.height, 3);
  EXPECT_EQ(px(a, 5, 2), (std::array<int, 3>{0, 0, 255}));
  // A frame placed partly outside max(screen, frame) is clipped, not written out of bounds.
  test_enc::GifFrame off{3, 1, 4, 2, false, -1, std::vector<std::uint8_t>(8, 2)};
  Image b = decode_ok(test_enc::encode_gif(4, 2, kGifPalette, 1, {off}));
  EXPECT_EQ(b.width, 4);
  EXPECT_EQ(b.height, 2);
  EXPECT_EQ(px(b, 3, 1), (std::array<int, 3>{255, 0, 0}));
}

// ---- WebP ----

TEST(Webp, LosslessRgbaDropsAlpha) {
  const int w = 6, h = 5;
  auto rgba = pattern(w * h * 4, 11);
  for (std::size_t i = 3; i < rgba.size(); i += 4) rgba[i] = 200;
  Image a = decode_ok(test_enc::encode_webp_lossless_rgba(w, h, rgba));
  ASSERT_EQ(a.width, w);
  for (int i = 0; i < w * h; ++i) {
    for (int c = 0; c < 3; ++c) EXPECT_EQ(a.rgb8[3 * i + c], rgba[4 * i + c]);
  }
}

TEST(Webp, AnimatedGivesTheFirstFrame) {
  const int w = 4, h = 3;
  std::vector<std::uint8_t> f0(w * h * 4, 255), f1(w * h * 4, 255);
  for (int i = 0; i < w * h; ++i) {
    f0[4 * i] = static_cast<std::uint8_t>(10 * i);
    f1[4 * i + 1] = 7;
  }
  Image a = decode_ok(test_enc::encode_webp_animation(w, h, f0, f1));
  ASSERT_EQ(a.width, w);
  ASSERT_EQ(a.height, h);
  for (int i = 0; i < w * h; ++i) {
    EXPECT_EQ(a.rgb8[3 * i], 10 * i);
    EXPECT_EQ(a.rgb8[3 * i + 1], 255);
  }
}

// ---- EXIF orientation ----

TEST(Exif, OrientationIsIgnoredByDefaultAndAppliedOnRequest) {
  // 3x2 image with pixel value = 10 * (y * 3 + x) + 1 in every channel.
  PngSpec base{3, 2, 8, 0, false, {1, 11, 21, 31, 41, 51}};
  // Expected rows after each orientation (as displayed), from the EXIF specification.
  const std::vector<std::vector<int>> want = {
      {},
      {1, 11, 21, 31, 41, 51},  // 1: 3x2 as stored
      {21, 11, 1, 51, 41, 31},  // 2: mirrored
      {51, 41, 31, 21, 11, 1},  // 3: rotated 180
      {31, 41, 51, 1, 11, 21},  // 4: flipped
      {1, 31, 11, 41, 21, 51},  // 5: transposed, 2x3
      {31, 1, 41, 11, 51, 21},  // 6: rotated 90 clockwise, 2x3
      {51, 21, 41, 11, 31, 1},  // 7: transverse, 2x3
      {21, 51, 11, 41, 1, 31},  // 8: rotated 90 counter-clockwise, 2x3
  };
  ImageDecodeOptions apply;
  apply.apply_exif_orientation = true;
  for (int o = 1; o <= 8; ++o) {
    SCOPED_TRACE(o);
    PngSpec s = base;
    s.exif = test_enc::exif_with_orientation(o, o % 2 == 0);
    const std::string png = test_enc::encode_png(s);
    Image stored = decode_ok(png);
    EXPECT_EQ(stored.width, 3);
    Image shown = decode_ok(png, apply);
    EXPECT_EQ(shown.width, o >= 5 ? 2 : 3);
    std::vector<int> got;
    for (std::size_t i = 0; i < shown.rgb8.size(); i += 3) got.push_back(shown.rgb8[i]);
    EXPECT_EQ(got, want[o]);
  }
  // JPEG APP1 and WebP EXIF chunks are read too.
  test_enc::JpegSpec j{32, 16, 3, pattern(32 * 16 * 3, 12)};
  j.exif = test_enc::exif_with_orientation(6);
  const std::string jpeg = test_enc::encode_jpeg(j);
  EXPECT_EQ(decode_ok(jpeg).width, 32);
  Image rotated = decode_ok(jpeg, apply);
  EXPECT_EQ(rotated.width, 16);
  EXPECT_EQ(rotated.height, 32);
  std::vector<std::uint8_t> rgba(5 * 2 * 4, 255);
  const std::string webp = test_enc::encode_webp_with_exif(5, 2, rgba, test_enc::exif_with_orientation(8));
  EXPECT_EQ(decode_ok(webp).width, 5);
  EXPECT_EQ(decode_ok(webp, apply).width, 2);
  // A malformed EXIF block is ignored, never an error.
  PngSpec broken = base;
  broken.exif = std::string("II*\0\xFF\xFF\0\0", 8);
  EXPECT_EQ(decode_ok(test_enc::encode_png(broken), apply).width, 3);
}

// ---- BMP (our own reader) ----

struct BmpSpec {
  BmpSpec(int w, int h, int depth, bool td = false, std::uint32_t comp = 0,
          std::vector<std::uint32_t> m = {}, std::vector<std::uint8_t> pal = {}, int dib_size = 40)
      : width(w), height(h), bpp(depth), top_down(td), compression(comp), masks(std::move(m)),
        palette(std::move(pal)), dib(dib_size) {}
  int width, height, bpp;
  bool top_down = false;
  std::uint32_t compression = 0;
  std::vector<std::uint32_t> masks;    // R, G, B for bitfields
  std::vector<std::uint8_t> palette;   // BGRX entries
  int dib = 40;                        // 12 (core), 40 or 124
};

void put16(std::string& s, std::uint32_t v) {
  s.push_back(static_cast<char>(v & 0xFF));
  s.push_back(static_cast<char>((v >> 8) & 0xFF));
}
void put32(std::string& s, std::uint32_t v) {
  put16(s, v & 0xFFFF);
  put16(s, v >> 16);
}

// Builds a BMP whose pixel (x, y) is given by `value(x, y)` as the raw field (index or packed).
template <typename F>
std::string make_bmp(const BmpSpec& b, F value) {
  std::string dib;
  const std::size_t stride = ((static_cast<std::size_t>(b.width) * b.bpp + 31) / 32) * 4;
  if (b.dib == 12) {
    put32(dib, 12);
    put16(dib, b.width);
    put16(dib, b.height);
    put16(dib, 1);
    put16(dib, b.bpp);
  } else {
    put32(dib, b.dib);
    put32(dib, b.width);
    put32(dib, static_cast<std::uint32_t>(b.top_down ? -b.height : b.height));
    put16(dib, 1);
    put16(dib, b.bpp);
    put32(dib, b.compression);
    put32(dib, static_cast<std::uint32_t>(stride * b.height));
    put32(dib, 2835);
    put32(dib, 2835);
    put32(dib, static_cast<std::uint32_t>(b.palette.size() / 4));
    put32(dib, 0);
    for (std::uint32_t m : b.masks) put32(dib, m);
    while (dib.size() < static_cast<std::size_t>(b.dib)) dib.push_back('\0');
  }
  std::string pal;
  for (std::size_t i = 0; i < b.palette.size(); i += 4) {
    pal.append(reinterpret_cast<const char*>(&b.palette[i]), b.dib == 12 ? 3 : 4);
  }
  const std::uint32_t offset = static_cast<std::uint32_t>(14 + dib.size() + pal.size());
  std::string pixels(stride * b.height, '\0');
  for (int y = 0; y < b.height; ++y) {
    const int row = b.top_down ? y : b.height - 1 - y;
    for (int x = 0; x < b.width; ++x) {
      const std::uint32_t v = value(x, y);
      char* p = &pixels[row * stride];
      if (b.bpp < 8) {
        const int bit = x * b.bpp;
        p[bit / 8] = static_cast<char>(p[bit / 8] | (v << (8 - b.bpp - bit % 8)));
      } else {
        for (int k = 0; k < b.bpp / 8; ++k) p[x * (b.bpp / 8) + k] = static_cast<char>((v >> (8 * k)) & 0xFF);
      }
    }
  }
  std::string file = "BM";
  put32(file, static_cast<std::uint32_t>(offset + pixels.size()));
  put32(file, 0);
  put32(file, offset);
  return file + dib + pal + pixels;
}

TEST(Bmp, TwentyFourBitBottomUpAndTopDown) {
  for (bool top_down : {false, true}) {
    BmpSpec s{5, 3, 24, top_down};
    Image a = decode_ok(make_bmp(s, [](int x, int y) { return (x * 40u) | ((y * 50u) << 8) | (7u << 16); }));
    ASSERT_EQ(a.width, 5);
    ASSERT_EQ(a.height, 3);
    for (int y = 0; y < 3; ++y) {
      for (int x = 0; x < 5; ++x) {  // stored B, G, R
        EXPECT_EQ(px(a, x, y), (std::array<int, 3>{7, y * 50, x * 40}));
      }
    }
  }
}

TEST(Bmp, ThirtyTwoBitRgbAndBitfields) {
  BmpSpec rgb{3, 2, 32};
  Image a = decode_ok(make_bmp(rgb, [](int x, int y) { return 0xAA000000u | (x * 60u) << 16 | (y * 9u) << 8 | 5u; }));
  EXPECT_EQ(px(a, 2, 1), (std::array<int, 3>{120, 9, 5}));
  BmpSpec bf{3, 2, 32, true, 3, {0x000000FF, 0x0000FF00, 0x00FF0000}, {}, 124};
  Image b = decode_ok(make_bmp(bf, [](int x, int) { return 0xFF000000u | 3u << 16 | 2u << 8 | (x + 1u); }));
  EXPECT_EQ(px(b, 2, 0), (std::array<int, 3>{3, 2, 3}));
  BmpSpec b565{2, 1, 16, false, 3, {0xF800, 0x07E0, 0x001F}};
  Image c = decode_ok(make_bmp(b565, [](int x, int) { return x == 0 ? 0xF800u : 0x07FFu; }));
  EXPECT_EQ(px(c, 0, 0), (std::array<int, 3>{255, 0, 0}));
  EXPECT_EQ(px(c, 1, 0), (std::array<int, 3>{0, 255, 255}));
  BmpSpec b555{1, 1, 16};  // BI_RGB 16-bit is 5-5-5
  Image d = decode_ok(make_bmp(b555, [](int, int) { return 0x7C00u | 0x10u; }));
  EXPECT_EQ(px(d, 0, 0), (std::array<int, 3>{255, 0, 132}));
}

TEST(Bmp, PalettesAndCoreHeader) {
  const std::vector<std::uint8_t> pal = {0, 0, 255, 0, 0, 255, 0, 0, 255, 0, 0, 0, 1, 2, 3, 0};
  for (int bpp : {1, 4, 8}) {
    SCOPED_TRACE(bpp);
    BmpSpec s{9, 2, bpp, false, 0, {}, pal};
    const int n = bpp == 1 ? 2 : 4;
    Image a = decode_ok(make_bmp(s, [n](int x, int y) { return static_cast<std::uint32_t>((x + y) % n); }));
    EXPECT_EQ(px(a, 0, 0), (std::array<int, 3>{255, 0, 0}));
    EXPECT_EQ(px(a, 1, 0), (std::array<int, 3>{0, 255, 0}));
    if (n == 4) {
      EXPECT_EQ(px(a, 3, 0), (std::array<int, 3>{3, 2, 1}));
    }
  }
  BmpSpec core{2, 2, 8, false, 0, {}, pal, 12};
  Image c = decode_ok(make_bmp(core, [](int x, int y) { return static_cast<std::uint32_t>(x + 2 * y); }));
  EXPECT_EQ(px(c, 1, 1), (std::array<int, 3>{3, 2, 1}));
  BmpSpec core24{2, 1, 24, false, 0, {}, {}, 12};
  Image d = decode_ok(make_bmp(core24, [](int, int) { return 0x010203u; }));
  EXPECT_EQ(px(d, 1, 0), (std::array<int, 3>{1, 2, 3}));
}

TEST(Bmp, TruncatedRleAndBadHeadersAreErrors) {
  BmpSpec s{8, 8, 24};
  const std::string ok = make_bmp(s, [](int, int) { return 0u; });
  auto cut = decode_image(std::string_view(ok).substr(0, ok.size() - 1), kDefaults, "cut.bmp");
  ASSERT_FALSE(cut.ok());
  EXPECT_EQ(cut.status().code(), StatusCode::kCorrupt);
  EXPECT_NE(cut.status().message().find("cut.bmp"), std::string::npos);
  BmpSpec rle{8, 8, 8, false, 1, {}, std::vector<std::uint8_t>(8, 0)};
  auto r = decode_image(make_bmp(rle, [](int, int) { return 0u; }), kDefaults, "rle.bmp");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnsupported);
  BmpSpec odd{8, 8, 12};
  EXPECT_FALSE(decode_image(make_bmp(odd, [](int, int) { return 0u; }), kDefaults, "x").ok());
  std::string huge_offset = ok;
  huge_offset[10] = '\xFF';
  huge_offset[13] = '\x7F';
  EXPECT_FALSE(decode_image(huge_offset, kDefaults, "x").ok());
}

// ---- limits ----

TEST(Limits, PixelLimitRefusesBeforeDecoding) {
  ImageDecodeOptions small;
  small.max_pixels = 64 * 48 - 1;
  auto r = load_image_file(test::fixture_path("images/tiny_64x48.png"), small);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kOutOfRange);
  EXPECT_NE(r.status().message().find("64x48"), std::string::npos) << r.status().message();
  small.max_pixels = 64 * 48;
  EXPECT_TRUE(load_image_file(test::fixture_path("images/tiny_64x48.png"), small).ok());
}

TEST(Limits, HeadersClaimingHugeSizesAreRefusedByDefault) {
  // A JPEG whose SOF claims 60000x60000 (3.6 gigapixels) from a few hundred bytes.
  test_enc::JpegSpec s{8, 8, 3, pattern(192, 13)};
  std::string jpeg = test_enc::encode_jpeg(s);
  const std::size_t sof = jpeg.find("\xFF\xC0");
  ASSERT_NE(sof, std::string::npos);
  for (std::size_t at : {sof + 5, sof + 7}) {
    jpeg[at] = static_cast<char>(60000 >> 8);
    jpeg[at + 1] = static_cast<char>(60000 & 0xFF);
  }
  auto r = decode_image(jpeg, kDefaults, "bomb.jpg");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kOutOfRange);
  EXPECT_NE(r.status().message().find("60000x60000"), std::string::npos) << r.status().message();
  // A GIF screen of 65535x65535.
  test_enc::GifFrame f{0, 0, 1, 1, false, -1, {1}};
  std::string gif = test_enc::encode_gif(1, 1, kGifPalette, 0, {f});
  gif[6] = gif[7] = gif[8] = gif[9] = '\xFF';
  auto g = decode_image(gif, kDefaults, "bomb.gif");
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), StatusCode::kOutOfRange);
  // A BMP of 100000 x 100000 (the size check runs before the truncation check).
  BmpSpec b{1, 1, 24};
  std::string bmp = make_bmp(b, [](int, int) { return 0u; });
  for (int at : {18, 22}) {
    bmp[at] = static_cast<char>(100000 & 0xFF);
    bmp[at + 1] = static_cast<char>((100000 >> 8) & 0xFF);
    bmp[at + 2] = static_cast<char>(100000 >> 16);
  }
  auto m = decode_image(bmp, kDefaults, "bomb.bmp");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), StatusCode::kOutOfRange);
  EXPECT_NE(m.status().message().find("100000x100000"), std::string::npos);
}

// ---- detection ----

TEST(Format, DetectedByMagicNotName) {
  EXPECT_EQ(detect_image_format("\xFF\xD8\xFF\xE0"), ImageFormat::kJpeg);
  EXPECT_EQ(detect_image_format("\x89PNG\r\n\x1A\n...."), ImageFormat::kPng);
  EXPECT_EQ(detect_image_format("GIF89a...."), ImageFormat::kGif);
  EXPECT_EQ(detect_image_format(std::string("RIFF\x10\0\0\0WEBPVP8 ", 16)), ImageFormat::kWebp);
  EXPECT_EQ(detect_image_format(std::string("RIFF\x10\0\0\0WAVEfmt ", 16)), ImageFormat::kUnknown);
  EXPECT_EQ(detect_image_format(std::string("II*\0\x08\0\0\0", 8)), ImageFormat::kTiff);
  EXPECT_EQ(detect_image_format(std::string("\0\0\0\x1C" "ftypavif", 12)), ImageFormat::kAvif);
  EXPECT_EQ(detect_image_format(std::string("\0\0\0\x18" "ftypheic", 12)), ImageFormat::kHeic);
  EXPECT_EQ(detect_image_format("<?xml version=\"1.0\"?><svg>"), ImageFormat::kSvg);
  EXPECT_EQ(detect_image_format("hello"), ImageFormat::kUnknown);
  // A PNG named .jpg is still a PNG.
  auto png = read_file(test::fixture_path("images/tiny_64x48.png"));
  ASSERT_TRUE(png.ok());
  EXPECT_EQ(detect_image_format(*png), ImageFormat::kPng);
}

TEST(Format, UnsupportedFormatsAreNamed) {
  auto tiff = decode_image(std::string("II*\0\x08\0\0\0\0\0", 10), kDefaults, "scan.tif");
  ASSERT_FALSE(tiff.ok());
  EXPECT_EQ(tiff.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(tiff.status().message().find("TIFF"), std::string::npos);
  EXPECT_NE(tiff.status().message().find("scan.tif"), std::string::npos);
  auto text = decode_image("just some text", kDefaults, "notes.txt");
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(text.status().message().find("notes.txt"), std::string::npos);
  EXPECT_FALSE(decode_image("", kDefaults, "empty").ok());
  auto missing = load_image_file("/nonexistent/x.png");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace internvl::media
