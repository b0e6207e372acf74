// include/internvl/model.h: the Transformers-shaped API over the reference goldens.
#include "internvl/model.h"

#include <gtest/gtest.h>

#include "support/fixtures.h"
#include "support/golden.h"

namespace internvl::test {
namespace {

Tensor tile0_pixels() {
  auto px = load_golden_npz("goldens/image_processor/square_448__default.npz");
  const Tensor& u8 = px["pixels_u8"];
  static const float mean[3] = {0.485f, 0.456f, 0.406f}, sd[3] = {0.229f, 0.224f, 0.225f};
  Tensor out = Tensor::empty(DType::kF32, u8.shape());
  const std::int64_t plane = u8.dim(2) * u8.dim(3);
  for (std::int64_t i = 0; i < u8.numel(); ++i) {
    int c = static_cast<int>((i / plane) % 3);
    out.data<float>()[i] = (u8.data<std::uint8_t>()[i] / 255.0f - mean[c]) / sd[c];
  }
  return out;
}

TEST(ConditionalGeneration, VisionModelAndFeatures) {
  auto m = InternVLForConditionalGeneration::from_pretrained(model_dir("tiny-internvl35-qwen3"));
  ASSERT_TRUE(m.ok()) << m.status().to_string();
  auto ref = load_golden_npz("goldens/models/tiny-internvl35-qwen3/vision_tile0.npz");
  Tensor px = tile0_pixels();
  auto v = (*m)->vision_model(px, true);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->hidden_states.size(), 3u);  // embeddings + 2 layers
  Diff d = compare(v->last_hidden_state, ref["vision_last_hidden_state"]);
  EXPECT_LE(d.max_abs, 1e-5 * d.max_ref);
  auto f = (*m)->get_image_features(px);
  ASSERT_TRUE(f.ok());
  Diff df = compare(*f, ref["image_features"]);
  EXPECT_LE(df.max_abs, 1e-5 * df.max_ref);
  EXPECT_FALSE((*m)->get_image_features(px, 7).ok());
  Tensor bad = Tensor::zeros(DType::kF32, {1, 3, 10, 10});
  EXPECT_FALSE((*m)->vision_model(bad).ok());
}

TEST(ConditionalGeneration, ForwardAndGenerateOnALeftPaddedBatch) {
  auto m = InternVLForConditionalGeneration::from_pretrained(model_dir("tiny-internvl3-qwen2"));
  ASSERT_TRUE(m.ok());
  Json g = load_golden_json("goldens/models/tiny-internvl3-qwen2/generate.json")["cases"]["text_only"];
  Json ex = load_golden_json("goldens/models/tiny-internvl3-qwen2/generate_extra.json")["cases"]["text_only"];
  std::vector<std::int32_t> ids = g["input_ids"][0].get<std::vector<std::int32_t>>();
  CausalLMInput in;
  in.input_ids = {ids, ids};
  in.input_ids[1].insert(in.input_ids[1].begin(), 3, 151643);  // padded copy
  in.input_ids[0].insert(in.input_ids[0].begin(), 3, 151643);
  in.attention_mask = {std::vector<std::int32_t>(3, 0), std::vector<std::int32_t>(3, 0)};
  for (auto& row : in.attention_mask) row.insert(row.end(), ids.size(), 1);
  in.labels = in.input_ids;
  for (auto& row : in.labels) {
    for (int i = 0; i < 3; ++i) row[static_cast<std::size_t>(i)] = -100;
  }
  auto out = (*m)->forward(in);
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  // Two identical rows: the mean loss equals the single-row reference loss.
  EXPECT_NEAR(*out->loss, ex["loss_labels_eq_input_ids"].get<double>(), 1e-4);
  GenerateConfig cfg;
  cfg.max_new_tokens = 12;
  cfg.min_new_tokens = 12;
  auto gen = (*m)->generate(in, cfg);
  ASSERT_TRUE(gen.ok());
  for (const auto& row : gen->sequences) EXPECT_EQ(row, g["generated"][0].get<std::vector<std::int32_t>>());
}

}  // namespace
}  // namespace internvl::test
