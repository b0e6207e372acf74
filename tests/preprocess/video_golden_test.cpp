// goldens/video_processor: the 37-frame FFV1 clip through sampling, resize and normalize.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>

#include "golden_pool.h"
#include "media/video.h"
#include "preprocess/processor_config.h"
#include "preprocess/video_processor.h"
#include "preprocess/video_sampling.h"
#include "support/fixtures.h"
#include "support/golden.h"

namespace internvl::preprocess {
namespace {

constexpr const char* kDir = "goldens/video_processor/";

VideoProcessorConfig fixture_config() {
  auto cfg = load_processor_config(test::fixture_path("models/tiny-internvl3-qwen2"));
  EXPECT_TRUE(cfg.ok()) << cfg.status().to_string();
  return cfg.ok() ? cfg->video : VideoProcessorConfig{};
}

TEST(VideoGolden, EveryCase) {
  const Json golden = test::load_golden_json(std::string(kDir) + "cases.json");
  ASSERT_TRUE(golden.contains("cases"));
  const std::string clip = test::fixture_path("video/clip_37f_10fps_ffv1.mkv");
  auto info = media::probe_video(clip);
  ASSERT_TRUE(info.ok()) << info.status().to_string();
  ASSERT_EQ(info->num_frames, golden["num_source_frames"].get<std::int64_t>());
  ASSERT_DOUBLE_EQ(info->fps, golden["source_fps"].get<double>());
  const VideoProcessorConfig cfg = fixture_config();

  int checked = 0;
  for (const Json& c : golden["cases"]) {
    const std::string name = c["name"].get<std::string>();
    SCOPED_TRACE(name);
    const Json& kw = c["kwargs"];
    FrameSampling req;
    req.do_sample_frames = kw.value("do_sample_frames", false);
    if (kw.contains("num_frames")) req.num_frames = kw["num_frames"].get<int>();
    auto indices = video_frame_indices(info->num_frames, info->fps, cfg, req);
    ASSERT_TRUE(indices.ok()) << indices.status().to_string();
    if (c.contains("sample_indices")) {
      EXPECT_EQ(*indices, c["sample_indices"].get<std::vector<std::int64_t>>());
    } else {
      // The reference's sample_frames fails without num_frames/fps; so does ours.
      EXPECT_FALSE(
          sample_frame_indices(info->num_frames, std::nullopt, std::nullopt, info->fps, cfg).ok());
    }
    const auto shape = c["shape"].get<std::vector<std::int64_t>>();  // [1, T, 3, 448, 448]
    ASSERT_EQ(static_cast<std::int64_t>(indices->size()), shape[1]);

    auto frames = media::decode_video_frames(clip, *indices);
    ASSERT_TRUE(frames.ok()) << frames.status().to_string();
    auto raw = video_frames_u8(*frames, cfg);
    ASSERT_TRUE(raw.ok()) << raw.status().to_string();
    ASSERT_EQ(raw->shape(), (std::vector<std::int64_t>{shape[1], 3, 448, 448}));

    auto npz = test::load_golden_npz(std::string(kDir) + c["file"].get<std::string>());
    ASSERT_TRUE(npz.count("pixels_u8") && npz.count("pooled14"));
    const Tensor& ref_u8 = npz["pixels_u8"];  // all frames (nf4) or frame 0
    const std::int64_t frame = 3 * 448 * 448;
    for (std::int64_t t = 0; t < ref_u8.dim(0); ++t) {
      std::int64_t bad = 0;
      for (std::int64_t i = 0; i < frame; ++i) {
        bad +=
            raw->data<std::uint8_t>()[t * frame + i] != ref_u8.data<std::uint8_t>()[t * frame + i];
      }
      EXPECT_EQ(bad, 0) << "frame " << t;
    }

    auto px = preprocess_video_frames(*frames, cfg);
    ASSERT_TRUE(px.ok()) << px.status().to_string();
    const Tensor pooled = test::pool14(*px);
    const test::PoolDiff d = test::compare_pooled(
        pooled.data<float>(), npz["pooled14"].data<float>(), pooled.numel(), 1e-4, 0);
    EXPECT_EQ(npz["pooled14"].numel(), pooled.numel());
    EXPECT_EQ(d.over, 0) << "max |diff| " << d.max_abs << " at " << d.worst;
    std::printf("  %-10s frames %2zu  pooled14 max |diff| %.3g\n", name.c_str(), indices->size(),
                d.max_abs);
    ++checked;
  }
  EXPECT_EQ(checked, 3);
}

TEST(VideoGolden, LossyClipHasTheSameTiming) {
  // The H.264 copy has no exact golden; it must sample and process the same way.
  const std::string clip = test::fixture_path("video/clip_37f_10fps_h264.mp4");
  auto info = media::probe_video(clip);
  ASSERT_TRUE(info.ok()) << info.status().to_string();
  FrameSampling req;
  req.do_sample_frames = true;
  req.num_frames = 8;
  auto indices = video_frame_indices(info->num_frames, info->fps, fixture_config(), req);
  ASSERT_TRUE(indices.ok());
  EXPECT_EQ(*indices, (std::vector<std::int64_t>{2, 6, 11, 16, 20, 25, 30, 34}));
  auto frames = media::decode_video_frames(clip, *indices);
  ASSERT_TRUE(frames.ok()) << frames.status().to_string();
  auto px = preprocess_video_frames(*frames, fixture_config());
  ASSERT_TRUE(px.ok());
  EXPECT_EQ(px->shape(), (std::vector<std::int64_t>{8, 3, 448, 448}));
}

}  // namespace
}  // namespace internvl::preprocess
