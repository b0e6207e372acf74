#include "io/npy.h"

#include <gtest/gtest.h>

#include "core/file.h"
#include "support/fixtures.h"
#include "support/golden.h"

namespace internvl {
namespace {

TEST(Npy, RoundTrip) {
  Tensor t = Tensor::empty(DType::kF32, {2, 3});
  for (int i = 0; i < 6; ++i) t.data<float>()[i] = 0.5f * static_cast<float>(i);
  auto bytes = io::encode_npy(t);
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(bytes->size() % 64, 24u);  // 64-aligned header + 24 data bytes
  auto back = io::parse_npy(*bytes, "test");
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_EQ(back->shape(), t.shape());
  EXPECT_EQ(back->data<float>()[5], 2.5f);
}

TEST(Npy, RejectsGarbage) {
  EXPECT_EQ(io::parse_npy("hello world", "x").status().code(), StatusCode::kCorrupt);
  Tensor t = Tensor::zeros(DType::kU8, {4});
  auto bytes = io::encode_npy(t);
  ASSERT_TRUE(bytes.ok());
  std::string cut = bytes->substr(0, bytes->size() - 1);
  EXPECT_EQ(io::parse_npy(cut, "x").status().code(), StatusCode::kCorrupt);
}

TEST(Npz, ReadsDeflatedGolden) {
  auto m = test::load_golden_npz("goldens/models/tiny-internvl3-qwen2/vision_tile0.npz");
  ASSERT_EQ(m.count("vision_last_hidden_state"), 1u);
  EXPECT_EQ(m["vision_last_hidden_state"].shape(), (std::vector<std::int64_t>{1, 1025, 64}));
  EXPECT_EQ(m["pixel_shuffle_out"].shape(), (std::vector<std::int64_t>{1, 16, 16, 256}));
}

TEST(Npz, MissingFile) {
  auto m = io::load_npz("/nonexistent/x.npz");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace internvl
