#include "preprocess/video_sampling.h"

#include <gtest/gtest.h>

namespace internvl::preprocess {
namespace {

using Indices = std::vector<std::int64_t>;

TEST(VideoSampling, SpecExample) {
  VideoProcessorConfig cfg;
  auto idx = sample_frame_indices(300, 8, std::nullopt, 30.0, cfg);
  ASSERT_TRUE(idx.ok()) << idx.status().to_string();
  EXPECT_EQ(*idx, (Indices{18, 56, 93, 131, 168, 206, 243, 281}));
}

TEST(VideoSampling, GoldenClipIndices) {
  // goldens/video_processor/cases.json: 37 frames at 10 fps.
  VideoProcessorConfig cfg;
  EXPECT_EQ(*sample_frame_indices(37, 8, std::nullopt, 10.0, cfg),
            (Indices{2, 6, 11, 16, 20, 25, 30, 34}));
  EXPECT_EQ(*sample_frame_indices(37, 4, std::nullopt, 10.0, cfg), (Indices{4, 13, 23, 32}));
}

TEST(VideoSampling, FpsUsesVideoRate) {
  VideoProcessorConfig cfg;
  // int(37 / 10 * 2) = 7 frames.
  auto idx = sample_frame_indices(37, std::nullopt, 2.0, 10.0, cfg);
  ASSERT_TRUE(idx.ok()) << idx.status().to_string();
  EXPECT_EQ(idx->size(), 7u);
  EXPECT_EQ(idx->front(), 2);  // 37/7/2 = 2.64
  // num_frames wins over fps.
  EXPECT_EQ(sample_frame_indices(37, 3, 2.0, 10.0, cfg)->size(), 3u);
  // Unknown video fps.
  auto bad = sample_frame_indices(37, std::nullopt, 2.0, 0.0, cfg);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("frame rate"), std::string::npos);
  // Too low a rate: zero frames.
  EXPECT_FALSE(sample_frame_indices(37, std::nullopt, 0.1, 10.0, cfg).ok());
}

TEST(VideoSampling, ConfigDefaultsAndInitialShift) {
  VideoProcessorConfig cfg;
  cfg.num_frames = 4;
  cfg.initial_shift = InitialShift{false, 0.0};
  EXPECT_EQ(*sample_frame_indices(40, std::nullopt, std::nullopt, 0, cfg),
            (Indices{0, 10, 20, 30}));
  cfg.initial_shift = InitialShift{false, 3.0};
  EXPECT_EQ(*sample_frame_indices(40, std::nullopt, std::nullopt, 0, cfg),
            (Indices{3, 13, 23, 33}));
  // A large shift leaves fewer values than num_frames, as torch.arange does.
  cfg.initial_shift = InitialShift{false, 25.0};
  EXPECT_EQ(*sample_frame_indices(40, std::nullopt, std::nullopt, 0, cfg), (Indices{25, 35}));
  cfg.initial_shift = InitialShift{false, -1.0};
  EXPECT_FALSE(sample_frame_indices(40, std::nullopt, std::nullopt, 0, cfg).ok());
}

TEST(VideoSampling, Errors) {
  VideoProcessorConfig cfg;
  auto too_many = sample_frame_indices(37, 38, std::nullopt, 10.0, cfg);
  ASSERT_FALSE(too_many.ok());
  EXPECT_EQ(too_many.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(too_many.status().message().find("num_frames=38"), std::string::npos);
  EXPECT_NE(too_many.status().message().find("37"), std::string::npos);
  auto nothing = sample_frame_indices(37, std::nullopt, std::nullopt, 10.0, cfg);
  ASSERT_FALSE(nothing.ok());
  EXPECT_NE(nothing.status().message().find("num_frames or fps"), std::string::npos);
  EXPECT_FALSE(sample_frame_indices(0, 1, std::nullopt, 10.0, cfg).ok());
  EXPECT_FALSE(sample_frame_indices(37, 0, std::nullopt, 10.0, cfg).ok());
  // Every frame may be asked for.
  EXPECT_EQ(sample_frame_indices(5, 5, std::nullopt, 10.0, cfg)->size(), 5u);
}

TEST(VideoSampling, AllFramesWhenSamplingIsOff) {
  VideoProcessorConfig cfg;  // do_sample_frames false
  FrameSampling req;
  req.num_frames = 8;  // ignored without do_sample_frames, as in the reference
  auto all = video_frame_indices(37, 10.0, cfg, req);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 37u);
  EXPECT_EQ(all->back(), 36);
  req.do_sample_frames = true;
  EXPECT_EQ(*video_frame_indices(37, 10.0, cfg, req), (Indices{2, 6, 11, 16, 20, 25, 30, 34}));
  cfg.do_sample_frames = true;
  EXPECT_FALSE(video_frame_indices(37, 10.0, cfg, {}).ok());  // sampling on, nothing to sample
}

}  // namespace
}  // namespace internvl::preprocess
