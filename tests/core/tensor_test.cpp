#include "core/tensor.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>

#include "core/half.h"

namespace internvl {
namespace {

TEST(Tensor, ShapeAndViews) {
  Tensor t = Tensor::zeros(DType::kF32, {2, 3, 4});
  EXPECT_EQ(t.numel(), 24);
  EXPECT_EQ(t.nbytes(), 96u);
  EXPECT_EQ(t.dim(-1), 4);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(t.raw()) % 64, 0u);
  for (int i = 0; i < 24; ++i) t.data<float>()[i] = static_cast<float>(i);
  Tensor r = t.reshape({6, 4});
  EXPECT_EQ(r.data<float>(), t.data<float>());
  Tensor s = r.slice_rows(2, 4);
  EXPECT_EQ(s.dim(0), 2);
  EXPECT_EQ(s.data<float>()[0], 8.0f);
  Tensor c = s.clone();
  c.data<float>()[0] = -1;
  EXPECT_EQ(s.data<float>()[0], 8.0f);
}

TEST(Half, Bf16RoundTripAndRounding) {
  EXPECT_EQ(bf16_to_f32(f32_to_bf16(1.0f)), 1.0f);
  EXPECT_EQ(bf16_to_f32(f32_to_bf16(-2.5f)), -2.5f);
  // 1 + 2^-8 is exactly halfway between two bf16 values: ties go to even (1.0).
  EXPECT_EQ(bf16_to_f32(f32_to_bf16(1.0f + 1.0f / 256)), 1.0f);
  EXPECT_TRUE(std::isnan(bf16_to_f32(f32_to_bf16(NAN))));
}

TEST(Half, F16ExhaustiveRoundTrip) {
  for (std::uint32_t h = 0; h < 65536; ++h) {
    float f = f16_to_f32(static_cast<std::uint16_t>(h));
    if (std::isnan(f)) continue;
    ASSERT_EQ(f32_to_f16(f), h) << "half bits " << h;
  }
  // Midpoints round to even, including subnormals.
  for (std::uint32_t h = 0; h < 0x7bff; ++h) {
    float a = f16_to_f32(static_cast<std::uint16_t>(h));
    float b = f16_to_f32(static_cast<std::uint16_t>(h + 1));
    ASSERT_EQ(f32_to_f16((a + b) / 2), (h & 1) ? h + 1 : h) << "midpoint after " << h;
  }
  EXPECT_EQ(f32_to_f16(1e6f), 0x7c00);
}

TEST(Tensor, ToF32) {
  Tensor t = Tensor::empty(DType::kBF16, {3});
  auto* p = t.data<std::uint16_t>();
  p[0] = f32_to_bf16(1.5f);
  p[1] = f32_to_bf16(-3.0f);
  p[2] = f32_to_bf16(0.0f);
  Tensor f = t.to_f32();
  EXPECT_EQ(f.data<float>()[0], 1.5f);
  EXPECT_EQ(f.data<float>()[1], -3.0f);
}

}  // namespace
}  // namespace internvl
