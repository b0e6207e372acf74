// Every fixture image against what the reference decoded (goldens/image_processor).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <set>
#include <string>

#include "media/image_decode.h"
#include "support/fixtures.h"
#include "support/golden.h"

namespace internvl::media {
namespace {

constexpr float kMean[3] = {0.485f, 0.456f, 0.406f};
constexpr float kStd[3] = {0.229f, 0.224f, 0.225f};

Json cases() { return test::load_golden_json("goldens/image_processor/cases.json"); }

// Pixel (x, y) channel c. 16-bit values are used as they are: the reference resizes the uint16
// tensor and applies the same 1/255 rescale, so its pixel_values reach about 257 / std.
double sample(const Image& im, int x, int y, int c) {
  const std::size_t i = (static_cast<std::size_t>(y) * im.width + x) * 3 + c;
  return im.bit_depth == 16 ? im.rgb16[i] : im.rgb8[i];
}

// Mean of channel c over the source rectangle [x0, x1) x [y0, y1) in fractional pixels.
double area_mean(const Image& im, int c, double x0, double x1, double y0, double y1) {
  double sum = 0, area = 0;
  for (int y = static_cast<int>(std::floor(y0)); y < static_cast<int>(std::ceil(y1)); ++y) {
    const double wy = std::min<double>(y + 1, y1) - std::max<double>(y, y0);
    for (int x = static_cast<int>(std::floor(x0)); x < static_cast<int>(std::ceil(x1)); ++x) {
      const double wx = std::min<double>(x + 1, x1) - std::max<double>(x, x0);
      sum += wx * wy * sample(im, x, y, c);
      area += wx * wy;
    }
  }
  return sum / area;
}

TEST(ImageGolden, EveryFixtureDecodesToTheReferenceSize) {
  Json j = cases();
  std::set<std::string> seen;
  for (const Json& c : j["cases"]) {
    const std::string name = c["image"].get<std::string>();
    if (!seen.insert(name).second) continue;
    SCOPED_TRACE(name);
    auto image = load_image_file(test::fixture_path("images/" + name));
    ASSERT_TRUE(image.ok()) << image.status().to_string();
    const Json& loaded = c["loaded"];  // [3, H, W], or [frames, 3, H, W] for the GIF
    const std::size_t n = loaded.size();
    EXPECT_EQ(image->height, loaded[n - 2].get<int>());
    EXPECT_EQ(image->width, loaded[n - 1].get<int>());
    EXPECT_EQ(image->bit_depth, name.rfind("gray16", 0) == 0 ? 16 : 8);
  }
  EXPECT_EQ(seen.size(), 14u);
  // The reference cannot decode the BMP; we can, at the size its name gives.
  ASSERT_EQ(j["reference_cannot_decode"][0]["image"].get<std::string>(), "bitmap_333x222.bmp");
  auto bmp = load_image_file(test::fixture_path("images/bitmap_333x222.bmp"));
  ASSERT_TRUE(bmp.ok()) << bmp.status().to_string();
  EXPECT_EQ(bmp->width, 333);
  EXPECT_EQ(bmp->height, 222);
}

TEST(ImageGolden, Square448IsExactlyTheReferenceTile) {
  // square_448.png needs no resize: its single tile is the decoded image itself.
  auto image = load_image_file(test::fixture_path("images/square_448.png"));
  ASSERT_TRUE(image.ok()) << image.status().to_string();
  auto npz = test::load_golden_npz("goldens/image_processor/square_448__default.npz");
  ASSERT_TRUE(npz.count("pixels_u8"));
  const Tensor& ref = npz.at("pixels_u8");  // [1, 3, 448, 448]
  ASSERT_EQ(ref.dtype(), DType::kU8);
  ASSERT_EQ(ref.shape(), (std::vector<std::int64_t>{1, 3, 448, 448}));
  ASSERT_EQ(image->width, 448);
  ASSERT_EQ(image->height, 448);
  std::int64_t mismatches = 0;
  for (int c = 0; c < 3; ++c) {
    for (int y = 0; y < 448; ++y) {
      for (int x = 0; x < 448; ++x) {
        const std::uint8_t want = ref.data<std::uint8_t>()[(c * 448 + y) * 448 + x];
        const std::uint8_t got = image->rgb8[(y * 448 + x) * 3 + c];
        if (want != got && mismatches++ < 5) {
          ADD_FAILURE() << "pixel (" << x << ", " << y << ") channel " << c << ": " << int(got)
                        << " vs reference " << int(want);
        }
      }
    }
  }
  EXPECT_EQ(mismatches, 0);
}

// Each case's whole-image tile (the only tile, or the thumbnail after the grid) is the decoded
// image resized to 448x448; its `pooled14` block means must match area means of our pixels up to
// resampling error. This catches channel order, CMYK conversion, gray/16-bit handling, GIF
// composition and any geometric mistake, for formats whose full-size pixels have no golden.
TEST(ImageGolden, WholeImageTileMatchesReferenceBlockMeans) {
  Json j = cases();
  std::set<std::string> seen;
  for (const Json& c : j["cases"]) {
    if (c["setting"].get<std::string>() != "default") continue;
    const std::string name = c["image"].get<std::string>();
    if (!seen.insert(name).second) continue;
    SCOPED_TRACE(name);
    auto image = load_image_file(test::fixture_path("images/" + name));
    ASSERT_TRUE(image.ok()) << image.status().to_string();
    auto npz = test::load_golden_npz("goldens/image_processor/" + c["file"].get<std::string>());
    ASSERT_TRUE(npz.count("pooled14"));
    const Tensor& pooled = npz.at("pooled14");  // [n_tiles, 3, 32, 32]
    // The whole image of the first frame is the last tile of frame 0.
    const int tile = c["num_patches"][0].get<int>() - 1;
    ASSERT_LT(tile, pooled.dim(0));
    // Errors in units of one u8 level after normalization (1/255/std); 16-bit values are 257x
    // larger, so they are divided by 257 first.
    const double unit = (image->bit_depth == 16 ? 257.0 : 1.0) / 255.0 / 0.225;
    double sum_err = 0, max_err = 0;
    int off_blocks = 0;  // blocks more than 3 levels off
    const double bw = image->width / 32.0, bh = image->height / 32.0;
    for (int ch = 0; ch < 3; ++ch) {
      for (int by = 0; by < 32; ++by) {
        for (int bx = 0; bx < 32; ++bx) {
          const double ours = area_mean(*image, ch, bx * bw, (bx + 1) * bw, by * bh, (by + 1) * bh);
          const double ref = pooled.data<float>()[((tile * 3 + ch) * 32 + by) * 32 + bx];
          const double err = std::fabs((ours / 255.0 - kMean[ch]) / kStd[ch] - ref) / unit;
          sum_err += err;
          max_err = std::max(max_err, err);
          off_blocks += err > 3.0;
        }
      }
    }
    const double mean_err = sum_err / (3 * 32 * 32);
    std::printf("%-26s block means vs reference, in u8 levels: mean %.3f max %.3f, %d blocks > 3\n",
                name.c_str(), mean_err, max_err, off_blocks);
    if (image->bit_depth == 8) {
      // Only resampling differences remain: well under one level on average.
      EXPECT_LT(mean_err, 1.0);
      EXPECT_LT(max_err, 20.0);
      // tiny_64x48 is upscaled 7x: there bicubic and area means differ at every edge.
      if (name != "tiny_64x48.png") {
        EXPECT_EQ(off_blocks, 0);
      }
    } else {
      // The reference resizes 16-bit images in float and casts back to uint16 without clamping,
      // so bicubic over/undershoot at strong edges wraps around; flat regions still agree.
      EXPECT_LT(off_blocks, 3 * 32 * 32 / 5);
    }
  }
  EXPECT_EQ(seen.size(), 14u);
}

}  // namespace
}  // namespace internvl::media
