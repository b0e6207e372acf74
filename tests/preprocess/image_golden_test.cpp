// Every case of goldens/image_processor/cases.json, from the image file to pixel_values.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>

#include "golden_pool.h"
#include "media/image_decode.h"
#include "preprocess/image_processor.h"
#include "preprocess/processor_config.h"
#include "support/fixtures.h"
#include "support/golden.h"

namespace internvl::preprocess {
namespace {

constexpr const char* kDir = "goldens/image_processor/";

ImageProcessorConfig fixture_config() {
  // The config the goldens were made with (size 448, ImageNet mean/std as float32 values).
  auto cfg = load_processor_config(test::fixture_path("models/tiny-internvl3-qwen2"));
  EXPECT_TRUE(cfg.ok()) << cfg.status().to_string();
  return cfg.ok() ? cfg->image : ImageProcessorConfig{};
}

TileOptions options_for(const Json& kwargs) {
  TileOptions opt;
  opt.crop_to_patches = kwargs.value("crop_to_patches", true);
  if (kwargs.contains("min_patches")) opt.min_tiles = kwargs["min_patches"].get<int>();
  if (kwargs.contains("max_patches")) opt.max_tiles = kwargs["max_patches"].get<int>();
  return opt;
}

// Number of entries of raw tile `ours` (any dtype, clipped to [0, 255]) that differ from the
// golden u8 tile `ref`; both [3, 448, 448].
std::int64_t tile_mismatches(const Tensor& ours, std::int64_t our_tile, const Tensor& ref,
                             std::int64_t ref_tile) {
  const std::int64_t n = ref.dim(1) * ref.dim(2) * ref.dim(3);
  const std::uint8_t* r = ref.data<std::uint8_t>() + ref_tile * n;
  std::int64_t bad = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    const std::int64_t k = our_tile * n + i;
    const int v = ours.dtype() == DType::kU8 ? ours.data<std::uint8_t>()[k]
                                             : std::clamp(ours.data<std::int32_t>()[k], 0, 255);
    bad += v != r[i];
  }
  return bad;
}

TEST(ImageGolden, EveryCase) {
  const Json golden = test::load_golden_json(std::string(kDir) + "cases.json");
  ASSERT_TRUE(golden.contains("cases"));
  const ImageProcessorConfig cfg = fixture_config();
  int checked = 0;
  for (const Json& c : golden["cases"]) {
    const std::string image = c["image"].get<std::string>();
    const std::string name = image + " / " + c["setting"].get<std::string>();
    SCOPED_TRACE(name);
    auto img = media::load_image_file(test::fixture_path("images/" + image));
    ASSERT_TRUE(img.ok()) << img.status().to_string();
    auto raw = tile_image(*img, cfg, options_for(c["kwargs"]));
    ASSERT_TRUE(raw.ok()) << raw.status().to_string();

    // The reference loaded both GIF frames ([2, 3, 200, 300]: 7 tiles each); our decoder returns
    // the first frame, as the spec asks, so only the first image's tiles are comparable.
    const auto num_patches = c["num_patches"].get<std::vector<int>>();
    const bool multi_frame = num_patches.size() > 1;
    const std::int64_t ours_n = raw->pixels.dim(0);
    ASSERT_EQ(ours_n, num_patches[0]);
    if (!multi_frame) {
      ASSERT_EQ(ours_n, c["shape"][0].get<std::int64_t>());
    }

    auto npz = test::load_golden_npz(std::string(kDir) + c["file"].get<std::string>());
    ASSERT_TRUE(npz.count("pixels_u8") && npz.count("pooled14"));
    const Tensor& ref_u8 = npz["pixels_u8"];
    std::vector<std::int64_t> stored;  // golden tile index -> reference tile index
    if (c.contains("stored_tiles")) {
      stored = c["stored_tiles"].get<std::vector<std::int64_t>>();
    } else {
      for (std::int64_t t = 0; t < ref_u8.dim(0); ++t) stored.push_back(t);
    }
    // u8_exact is false only for the 16-bit PNG, whose tiles are uint16; the golden holds them
    // clipped to [0, 255], which our tiles reproduce exactly too.
    for (std::size_t k = 0; k < stored.size(); ++k) {
      if (stored[k] >= ours_n) continue;  // a tile of the GIF's second frame
      EXPECT_EQ(tile_mismatches(raw->pixels, stored[k], ref_u8, static_cast<std::int64_t>(k)), 0)
          << "tile " << stored[k];
    }

    auto px = preprocess_image(*img, cfg, options_for(c["kwargs"]));
    ASSERT_TRUE(px.ok()) << px.status().to_string();
    const Tensor pooled = test::pool14(px->pixel_values);  // [n, 3, 32, 32]
    const Tensor& ref_pool = npz["pooled14"];
    const std::int64_t per_tile = 3 * 32 * 32;
    // Absolute 1e-4, widened by float32 rounding of the reference's own pooling where the
    // 16-bit image gives values near 1000 (float32 spacing there is 6e-5).
    const test::PoolDiff d = test::compare_pooled(pooled.data<float>(), ref_pool.data<float>(),
                                                  ours_n * per_tile, 1e-4, 1e-6);
    EXPECT_EQ(d.over, 0) << "max |diff| " << d.max_abs << " at " << d.worst << " (ref "
                         << d.ref_at_worst << ")";
    std::printf("  %-36s tiles %2lld  pooled14 max |diff| %.3g (ref %.4g)\n", name.c_str(),
                static_cast<long long>(ours_n), d.max_abs, d.ref_at_worst);
    ++checked;
  }
  EXPECT_EQ(checked, 22);
}

TEST(ImageGolden, ImagesTheReferenceCannotDecodeStillTile) {
  const Json golden = test::load_golden_json(std::string(kDir) + "cases.json");
  ASSERT_TRUE(golden.contains("reference_cannot_decode"));
  const ImageProcessorConfig cfg = fixture_config();
  for (const Json& c : golden["reference_cannot_decode"]) {
    const std::string image = c["image"].get<std::string>();
    auto img = media::load_image_file(test::fixture_path("images/" + image));
    ASSERT_TRUE(img.ok()) << image << ": " << img.status().to_string();
    auto px = preprocess_image(*img, cfg);
    ASSERT_TRUE(px.ok()) << image << ": " << px.status().to_string();
    const TileGrid want = choose_tile_grid(img->width, img->height, 1, 12, 448);
    EXPECT_EQ(px->grid, want) << image;
    EXPECT_EQ(px->pixel_values.dim(0), want.num_tiles()) << image;
    const float* p = px->pixel_values.data<float>();
    for (std::int64_t i = 0; i < px->pixel_values.numel(); ++i) {
      ASSERT_TRUE(std::isfinite(p[i]) && std::fabs(p[i]) < 3.0f) << image << " @" << i;
    }
  }
}

}  // namespace
}  // namespace internvl::preprocess
