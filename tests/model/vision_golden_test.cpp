// Vision tower, pixel shuffle and projector against the reference dumps (vision_tile0.npz and the
// vision entries of extra.npz). Tolerance: max-abs error <= 1e-5 x max |reference|.
#include <gtest/gtest.h>

#include "model/projector.h"
#include "model/vision_encoder.h"
#include "model_test_util.h"
#include "support/golden.h"

namespace internvl::test {
namespace {

class VisionGolden : public ::testing::TestWithParam<const char*> {};

void expect_close(const Tensor& ours, const Tensor& ref, const char* what) {
  ASSERT_EQ(ours.numel(), ref.numel()) << what;
  Diff d = compare(ours, ref);
  std::printf("[ vision ] %-28s max_abs/max_ref = %.2e\n", what, d.max_abs / d.max_ref);
  EXPECT_LE(d.max_abs, 1e-5 * d.max_ref) << what << ": max_abs " << d.max_abs << " at " << d.worst
                                         << ", max |ref| " << d.max_ref;
}

TEST_P(VisionGolden, Tile0) {
  const std::string name = GetParam();
  const auto& m = fixture_model(name);
  auto px = load_golden_npz("goldens/image_processor/square_448__default.npz");
  auto ref = load_golden_npz(golden_dir(name) + "/vision_tile0.npz");
  ASSERT_TRUE(px.count("pixels_u8") && ref.count("vision_last_hidden_state"));
  Tensor pixels = normalize_u8_tiles(px["pixels_u8"]);
  std::vector<Tensor> hs;
  Tensor last = m.vision_model(pixels, &hs);
  expect_close(hs[0], ref["vision_embeddings"], "vision_embeddings");
  expect_close(hs[1], ref["vision_layer0_out"], "vision_layer0_out");
  expect_close(last, ref["vision_last_hidden_state"], "vision_last_hidden_state");
  Tensor shuffled = model::pixel_shuffle(last, m.config().downsample_ratio);
  expect_close(shuffled, ref["pixel_shuffle_out"], "pixel_shuffle_out");
  expect_close(m.image_features(pixels), ref["image_features"], "image_features");
}

TEST_P(VisionGolden, ExtraLayerM2And224) {
  const std::string name = GetParam();
  const auto& m = fixture_model(name);
  auto px = load_golden_npz("goldens/image_processor/square_448__default.npz");
  auto extra = load_golden_npz(golden_dir(name) + "/extra.npz");
  ASSERT_TRUE(extra.count("image_features_layer_m2"));
  Tensor pixels = normalize_u8_tiles(px["pixels_u8"]);
  expect_close(m.image_features(pixels, -2), extra["image_features_layer_m2"], "image_features_layer_m2");
  Tensor last224 = m.vision_model(extra["vision224_pixel_values"]);
  expect_close(last224, extra["vision224_last_hidden_state"], "vision224_last_hidden_state");
}

INSTANTIATE_TEST_SUITE_P(Models, VisionGolden, ::testing::ValuesIn(kFixtureModels),
                         [](const auto& param_info) {
                           std::string s = param_info.param;
                           for (auto& c : s) if (c == '-') c = '_';
                           return s;
                         });

}  // namespace
}  // namespace internvl::test
