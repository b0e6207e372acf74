// Resize kernels against the slow references of resize_reference.h.
#include "preprocess/resize.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>

#include "resize_reference.h"

namespace internvl::preprocess {
namespace {

Image random_image(int w, int h, std::uint32_t seed, int bit_depth = 8) {
  std::mt19937 rng(seed);
  Image img;
  img.width = w;
  img.height = h;
  img.bit_depth = bit_depth;
  const std::size_t n = static_cast<std::size_t>(w) * h * 3;
  if (bit_depth == 8) {
    img.rgb8.resize(n);
    for (auto& v : img.rgb8) v = static_cast<std::uint8_t>(rng());
  } else {
    img.rgb16.resize(n);
    for (auto& v : img.rgb16) v = static_cast<std::uint16_t>(rng());
  }
  return img;
}

// A smooth picture plus noise: closer to photos than pure noise, still hits the clamps.
Image smooth_image(int w, int h, std::uint32_t seed) {
  std::mt19937 rng(seed);
  Image img;
  img.width = w;
  img.height = h;
  img.rgb8.resize(static_cast<std::size_t>(w) * h * 3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c) {
        const double v = 128 + 100 * std::sin(0.05 * x * (c + 1)) * std::cos(0.03 * y) +
                         static_cast<int>(rng() % 21) - 10;
        img.rgb8[(static_cast<std::size_t>(y) * w + x) * 3 + c] =
            static_cast<std::uint8_t>(std::clamp(v, 0.0, 255.0));
      }
  return img;
}

struct Size2 {
  int w, h, ow, oh;
};

const Size2 kSizes[] = {{64, 48, 448, 448},     {800, 600, 1792, 1344}, {800, 600, 448, 448},
                        {1920, 1080, 448, 448}, {300, 1000, 448, 448},  {300, 1000, 448, 1792},
                        {1000, 7, 13, 3},       {5, 5, 448, 448},       {1, 1, 7, 5},
                        {3, 9, 1, 1},           {448, 300, 448, 448},   {300, 448, 448, 448},
                        {449, 447, 448, 448},   {2000, 300, 3136, 448}, {640, 480, 1792, 1344}};

TEST(Resize, Uint8MatchesTorchLoopsExactly) {
  std::uint32_t seed = 1;
  for (const Size2& s : kSizes) {
    for (int kind = 0; kind < 2; ++kind) {
      const Image in = kind == 0 ? random_image(s.w, s.h, seed++) : smooth_image(s.w, s.h, seed++);
      const Image ours = resize_bicubic_aa(in, s.ow, s.oh);
      const Image ref = testref::resize_u8(in, s.ow, s.oh);
      ASSERT_EQ(ours.width, s.ow);
      ASSERT_EQ(ours.height, s.oh);
      ASSERT_EQ(ours.bit_depth, 8);
      std::size_t mismatches = 0;
      for (std::size_t i = 0; i < ref.rgb8.size(); ++i) mismatches += ours.rgb8[i] != ref.rgb8[i];
      EXPECT_EQ(mismatches, 0u) << s.w << "x" << s.h << " -> " << s.ow << "x" << s.oh << " kind "
                                << kind;
    }
  }
}

TEST(Resize, Uint8StaysWithinOneOfExactFilter) {
  // Quantized weights and the uint8 intermediate cost at most a couple of levels.
  for (const Size2& s :
       {Size2{800, 600, 1792, 1344}, Size2{1920, 1080, 448, 448}, Size2{64, 48, 448, 448}}) {
    const Image in = smooth_image(s.w, s.h, 7);
    const Image ours = resize_bicubic_aa(in, s.ow, s.oh);
    const std::vector<double> exact = testref::resize_exact(in, s.ow, s.oh);
    int worst = 0;
    for (std::size_t i = 0; i < exact.size(); ++i) {
      const double ref = std::clamp(std::round(exact[i]), 0.0, 255.0);
      worst = std::max(worst, static_cast<int>(std::fabs(ours.rgb8[i] - ref)));
    }
    EXPECT_LE(worst, 2) << s.w << "x" << s.h << " -> " << s.ow << "x" << s.oh;
  }
}

TEST(Resize, SameSizeIsACopy) {
  const Image in = random_image(37, 23, 3);
  const Image out = resize_bicubic_aa(in, 37, 23);
  EXPECT_EQ(out.rgb8, in.rgb8);
  const Image in16 = random_image(11, 9, 4, 16);
  EXPECT_EQ(resize_bicubic_aa(in16, 11, 9).rgb16, in16.rgb16);
}

TEST(Resize, UnchangedAxisIsNotFiltered) {
  // Only the width changes: every column of the output is a filtered row, rows never mix.
  const Image in = random_image(50, 4, 5);
  const Image out = resize_bicubic_aa(in, 20, 4);
  for (int y = 0; y < 4; ++y) {
    Image row;
    row.width = 50;
    row.height = 1;
    row.rgb8.assign(in.rgb8.begin() + y * 150, in.rgb8.begin() + (y + 1) * 150);
    const Image r = resize_bicubic_aa(row, 20, 1);
    EXPECT_TRUE(std::equal(r.rgb8.begin(), r.rgb8.end(), out.rgb8.begin() + y * 60)) << y;
  }
}

TEST(Resize, ConstantImageStaysNearConstant) {
  Image in;
  in.width = 123;
  in.height = 77;
  in.rgb8.assign(123 * 77 * 3, 200);
  const Image out = resize_bicubic_aa(in, 448, 448);
  for (std::uint8_t v : out.rgb8) ASSERT_NEAR(v, 200, 1);
}

TEST(Resize, Int16WeightsUseTheLargestPrecision) {
  for (const auto& [in, out] : {std::pair{1920, 448}, {64, 448}, {600, 448}, {448, 447}}) {
    const auto ax = resize_axis_i16(in, out);
    int biggest = 0;
    for (std::int16_t w : ax.weights) biggest = std::max(biggest, static_cast<int>(w));
    EXPECT_LT(biggest, 1 << 15);
    // One more bit would overflow the largest weight (or precision is capped at 22).
    EXPECT_TRUE(ax.precision == 22 || 2 * biggest + 1 >= (1 << 15)) << in << "->" << out;
    // Rounded from the double weights: within half a unit of the last place.
    const auto exact = resize_axis_f64(in, out);
    ASSERT_EQ(exact.taps, ax.taps);
    for (std::size_t i = 0; i < ax.weights.size(); ++i) {
      ASSERT_NEAR(ax.weights[i], exact.weights[i] * (1 << ax.precision), 0.5) << in << "->" << out;
    }
    // Each output's weights sum to about 2^precision.
    for (int o = 0; o < ax.out_size; ++o) {
      int sum = 0;
      for (int j = 0; j < ax.taps; ++j) sum += ax.weights[o * ax.taps + j];
      EXPECT_NEAR(sum, 1 << ax.precision, ax.taps) << in << "->" << out << " @" << o;
      EXPECT_GE(ax.first[o], 0);
      EXPECT_LE(ax.first[o] + ax.taps, in);
    }
  }
}

TEST(Resize, SixteenBitUsesFloatPathAndWrapsToUint16) {
  // Sharp random 16-bit data overshoots below 0 and above 65535: torch's float -> uint16 cast
  // keeps the low 16 bits of the truncated value.
  const Image in = random_image(60, 40, 9, 16);
  const Image out = resize_bicubic_aa(in, 448, 448);
  ASSERT_EQ(out.bit_depth, 16);
  const std::vector<double> exact = testref::resize_exact(in, 448, 448);
  int wrapped = 0;
  for (std::size_t i = 0; i < exact.size(); ++i) {
    const double v = exact[i];
    // The float path rounds the scale and the filter centres to float32: on values up to 65535
    // its weights move the result by up to a few tenths (the golden test checks exactness).
    const double eps = 1.0;
    const auto lo = static_cast<std::int64_t>(std::trunc(v - eps));
    const auto hi = static_cast<std::int64_t>(std::trunc(v + eps));
    const std::uint16_t got = out.rgb16[i];
    bool found = false;
    for (std::int64_t t = lo; t <= hi; ++t) found |= (t & 0xFFFF) == got;
    ASSERT_TRUE(found) << "index " << i << " exact " << v << " got " << got;
    wrapped += v < 0 || v >= 65536;
  }
  EXPECT_GT(wrapped, 0) << "the test image should exercise the wrap-around";
}

}  // namespace
}  // namespace internvl::preprocess
