// Image pipeline on synthetic pictures: tiling layout, thumbnail, normalization formula, errors.
#include "preprocess/image_processor.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>

#include "preprocess/normalize.h"
#include "preprocess/resize.h"

namespace internvl::preprocess {
namespace {

Image noise_image(int w, int h, std::uint32_t seed) {
  std::mt19937 rng(seed);
  Image img;
  img.width = w;
  img.height = h;
  img.rgb8.resize(static_cast<std::size_t>(w) * h * 3);
  for (auto& v : img.rgb8) v = static_cast<std::uint8_t>(rng());
  return img;
}

ImageProcessorConfig internvl_config() {
  ImageProcessorConfig cfg;
  cfg.pixels.height = cfg.pixels.width = 448;
  cfg.pixels.image_mean = {0.485, 0.456, 0.406};
  cfg.pixels.image_std = {0.229, 0.224, 0.225};
  return cfg;
}

// Tile `t`, channel `c`, pixel (x, y) of a u8 [n, 3, h, w] tensor.
std::uint8_t at(const Tensor& t, int tile, int c, int y, int x) {
  const std::int64_t h = t.dim(2), w = t.dim(3);
  return t.data<std::uint8_t>()[((tile * 3 + c) * h + y) * w + x];
}

TEST(ImageProcessor, TilesAreCanvasCropsThenThumbnail) {
  const Image img = noise_image(500, 300, 1);  // 3x2 grid + thumbnail
  const ImageProcessorConfig cfg = internvl_config();
  auto raw = tile_image(img, cfg);
  ASSERT_TRUE(raw.ok()) << raw.status().to_string();
  EXPECT_EQ(raw->grid, (TileGrid{3, 2, true}));
  ASSERT_EQ(raw->pixels.shape(), (std::vector<std::int64_t>{7, 3, 448, 448}));
  const Image canvas = resize_bicubic_aa(img, 3 * 448, 2 * 448);
  const Image thumb = resize_bicubic_aa(img, 448, 448);
  for (int tile = 0; tile < 6; ++tile) {
    const int x0 = (tile % 3) * 448, y0 = (tile / 3) * 448;  // row-major
    for (int y = 0; y < 448; y += 37)
      for (int x = 0; x < 448; x += 41)
        for (int c = 0; c < 3; ++c)
          ASSERT_EQ(
              at(raw->pixels, tile, c, y, x),
              canvas.rgb8[((static_cast<std::size_t>(y0 + y)) * canvas.width + x0 + x) * 3 + c])
              << tile;
  }
  for (int y = 0; y < 448; ++y)
    for (int x = 0; x < 448; ++x)
      for (int c = 0; c < 3; ++c)
        ASSERT_EQ(at(raw->pixels, 6, c, y, x),
                  thumb.rgb8[(static_cast<std::size_t>(y) * 448 + x) * 3 + c]);
}

TEST(ImageProcessor, NoCropResizesWholeImage) {
  const Image img = noise_image(321, 123, 2);
  ImageProcessorConfig cfg = internvl_config();
  TileOptions opt;
  opt.crop_to_patches = false;
  auto raw = tile_image(img, cfg, opt);
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(raw->grid.num_tiles(), 1);
  EXPECT_EQ(raw->pixels.dim(0), 1);
  cfg.pixels.do_resize = false;  // kept at its own size
  auto same = tile_image(img, cfg, opt);
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->pixels.shape(), (std::vector<std::int64_t>{1, 3, 123, 321}));
  EXPECT_EQ(at(same->pixels, 0, 2, 5, 7), img.rgb8[(5 * 321 + 7) * 3 + 2]);
}

TEST(ImageProcessor, PerCallMinMaxOverride) {
  const Image img = noise_image(800, 600, 3);
  const ImageProcessorConfig cfg = internvl_config();
  TileOptions opt;
  opt.max_tiles = 6;
  EXPECT_EQ(*num_image_tiles(800, 600, cfg, opt), 7);
  opt.max_tiles = 1;
  EXPECT_EQ(*num_image_tiles(800, 600, cfg, opt), 1);
  opt.max_tiles.reset();
  opt.min_tiles = 3;
  EXPECT_EQ(*num_image_tiles(800, 600, cfg, opt), 13);
  auto px = preprocess_image(img, cfg, opt);
  ASSERT_TRUE(px.ok());
  EXPECT_EQ(px->pixel_values.dim(0), 13);
  EXPECT_EQ(px->pixel_values.dtype(), DType::kF32);
}

TEST(ImageProcessor, NormalizationIsFusedFloat32) {
  const ImageProcessorConfig cfg = internvl_config();
  const NormalizeConstants k = normalize_constants(cfg.pixels);
  // mean/std rounded to float32 first, then scaled by float32(255).
  EXPECT_EQ(k.sub[0], static_cast<float>(0.485) * 255.0f);
  EXPECT_EQ(k.div[2], static_cast<float>(0.225) * 255.0f);
  Tensor raw = Tensor::empty(DType::kU8, {1, 3, 1, 256});
  for (int c = 0; c < 3; ++c)
    for (int v = 0; v < 256; ++v)
      raw.data<std::uint8_t>()[c * 256 + v] = static_cast<std::uint8_t>(v);
  const Tensor px = normalize_tiles(raw, cfg.pixels);
  for (int c = 0; c < 3; ++c)
    for (int v = 0; v < 256; ++v) {
      const float got = px.data<float>()[c * 256 + v];
      EXPECT_EQ(got, (static_cast<float>(v) - k.sub[c]) / k.div[c]);
      // Same as the fixture README's (u8/255 - mean)/std up to float32 rounding.
      const double ref = (v / 255.0 - cfg.pixels.image_mean[c]) / cfg.pixels.image_std[c];
      EXPECT_NEAR(got, ref, 2e-6);
    }
  // Rescale only / neither.
  PixelConfig only = cfg.pixels;
  only.do_normalize = false;
  EXPECT_EQ(normalize_tiles(raw, only).data<float>()[200], 200.0f * static_cast<float>(1.0 / 255));
  only.do_rescale = false;
  EXPECT_EQ(normalize_tiles(raw, only).data<float>()[200], 200.0f);
}

TEST(ImageProcessor, SixteenBitTilesKeepTheirRange) {
  Image img;
  img.width = 300;
  img.height = 300;
  img.bit_depth = 16;
  img.rgb16.assign(300 * 300 * 3, 1000);
  auto raw = tile_image(img, internvl_config());
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(raw->pixels.dtype(), DType::kI32);
  EXPECT_NEAR(raw->pixels.data<std::int32_t>()[12345], 1000, 1);
  auto px = preprocess_image(img, internvl_config());
  ASSERT_TRUE(px.ok());
  // 1000/255 is far outside [0, 1]: the reference normalizes the raw 16-bit values.
  EXPECT_GT(px->pixel_values.data<float>()[0], 10.0f);
}

TEST(ImageProcessor, BadInputsAreErrors) {
  const ImageProcessorConfig cfg = internvl_config();
  EXPECT_EQ(tile_image(Image{}, cfg).status().code(), StatusCode::kInvalidArgument);
  Image short_buffer = noise_image(10, 10, 4);
  short_buffer.rgb8.resize(10);
  auto r = tile_image(short_buffer, cfg);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("10x10"), std::string::npos);
  Image odd_depth = noise_image(10, 10, 5);
  odd_depth.bit_depth = 12;
  EXPECT_FALSE(tile_image(odd_depth, cfg).ok());
  TileOptions opt;
  opt.min_tiles = 0;
  EXPECT_FALSE(tile_image(noise_image(10, 10, 6), cfg, opt).ok());
  opt.min_tiles = 4;
  opt.max_tiles = 2;
  auto mm = tile_image(noise_image(10, 10, 6), cfg, opt);
  ASSERT_FALSE(mm.ok());
  EXPECT_NE(mm.status().message().find("max_tiles 2"), std::string::npos);
  opt.min_tiles = 1;
  opt.max_tiles = kMaxTilesLimit + 1;
  EXPECT_FALSE(plan_image_tiles(10, 10, cfg, opt).ok());
}

}  // namespace
}  // namespace internvl::preprocess
