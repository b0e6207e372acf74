// Video: metadata and frames of the fixture clips, selected-frame decoding, memory input,
// limits and errors. The golden part compares frames with the reference's video goldens.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "core/file.h"
#include "media/video.h"
#include "support/fixtures.h"
#include "support/golden.h"

namespace internvl::media {
namespace {

const std::string kFfv1 = "video/clip_37f_10fps_ffv1.mkv";
const std::string kH264 = "video/clip_37f_10fps_h264.mp4";
constexpr float kMean[3] = {0.485f, 0.456f, 0.406f};
constexpr float kStd[3] = {0.229f, 0.224f, 0.225f};

std::vector<Image> decode_ok(const std::string& rel, const std::vector<std::int64_t>& indices) {
  auto r = decode_video_frames(test::fixture_path(rel), indices);
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  return r.ok() ? std::move(r).value() : std::vector<Image>{};
}

// Mean error, in u8 levels, between the area means of `frame` over a 32x32 grid and the
// reference's pooled14 block means of the same frame resized to 448x448 (pooled: [n, 3, 32, 32]).
double block_error(const Image& frame, const Tensor& pooled, std::int64_t n) {
  const double bw = frame.width / 32.0, bh = frame.height / 32.0;
  double sum = 0;
  for (int c = 0; c < 3; ++c) {
    for (int by = 0; by < 32; ++by) {
      for (int bx = 0; bx < 32; ++bx) {
        double acc = 0, area = 0;
        for (int y = static_cast<int>(by * bh); y < static_cast<int>(std::ceil((by + 1) * bh)); ++y) {
          const double wy = std::min((by + 1) * bh, y + 1.0) - std::max(by * bh, double(y));
          for (int x = static_cast<int>(bx * bw); x < static_cast<int>(std::ceil((bx + 1) * bw)); ++x) {
            const double wx = std::min((bx + 1) * bw, x + 1.0) - std::max(bx * bw, double(x));
            acc += wx * wy * frame.rgb8[(static_cast<std::size_t>(y) * frame.width + x) * 3 + c];
            area += wx * wy;
          }
        }
        const double ours = (acc / area / 255.0 - kMean[c]) / kStd[c];
        const double ref = pooled.data<float>()[((n * 3 + c) * 32 + by) * 32 + bx];
        sum += std::fabs(ours - ref) * 255.0 * kStd[c];
      }
    }
  }
  return sum / (3 * 32 * 32);
}

TEST(Video, ProbeFixtures) {
  for (const std::string& rel : {kFfv1, kH264}) {
    SCOPED_TRACE(rel);
    auto info = probe_video(test::fixture_path(rel));
    ASSERT_TRUE(info.ok()) << info.status().to_string();
    EXPECT_EQ(info->width, 320);
    EXPECT_EQ(info->height, 240);
    EXPECT_DOUBLE_EQ(info->fps, 10.0);
    EXPECT_EQ(info->num_frames, 37);  // MKV stores no count: counted from packets
    EXPECT_NEAR(info->duration_s, 3.7, 0.05);
  }
  // FFV1 stores RGB (bgr0): conversion to RGB24 is a lossless reshuffle, so our frames are the
  // reference's whatever decoder it used.
  EXPECT_EQ(probe_video(test::fixture_path(kFfv1))->pixel_format, "bgr0");
  EXPECT_EQ(probe_video(test::fixture_path(kH264))->codec, "h264");
}

TEST(VideoGolden, Ffv1FramesMatchTheReferenceFrames) {
  Json cases = test::load_golden_json("goldens/video_processor/cases.json");
  ASSERT_EQ(cases["num_source_frames"].get<int>(), 37);
  const std::vector<Image> all = decode_ok(kFfv1, {});
  ASSERT_EQ(all.size(), 37u);
  for (const Image& f : all) {
    EXPECT_EQ(f.width, 320);
    EXPECT_EQ(f.height, 240);
  }
  auto nosample = test::load_golden_npz("goldens/video_processor/nosample.npz");
  const Tensor& pooled = nosample.at("pooled14");  // [37, 3, 32, 32]
  ASSERT_EQ(pooled.dim(0), 37);
  double worst = 0;
  for (int i = 0; i < 37; ++i) worst = std::max(worst, block_error(all[i], pooled, i));
  std::printf("FFV1 frames vs reference block means: worst mean error %.3f u8 levels\n", worst);
  EXPECT_LT(worst, 1.0);
  // A frame shifted by one position would be far off: frame 0 against the reference's frame 1.
  EXPECT_GT(block_error(all[0], pooled, 1), 2 * worst);
  // The sampled cases: decoding only their indices gives the reference's frames, in order.
  for (const Json& c : cases["cases"]) {
    if (!c.contains("sample_indices")) continue;
    SCOPED_TRACE(c["name"].get<std::string>());
    const auto indices = c["sample_indices"].get<std::vector<std::int64_t>>();
    const std::vector<Image> picked = decode_ok(kFfv1, indices);
    ASSERT_EQ(picked.size(), indices.size());
    auto npz = test::load_golden_npz("goldens/video_processor/" + c["file"].get<std::string>());
    for (std::size_t k = 0; k < indices.size(); ++k) {
      EXPECT_EQ(picked[k].rgb8, all[indices[k]].rgb8);
      EXPECT_LT(block_error(picked[k], npz.at("pooled14"), static_cast<std::int64_t>(k)), 1.0);
    }
  }
}

TEST(VideoGolden, H264FramesAreCloseToTheReference) {
  // Lossy (crf 18) and converted from yuv420p: no exact golden, but close to the same frames.
  const std::vector<Image> all = decode_ok(kH264, {});
  ASSERT_EQ(all.size(), 37u);
  auto nosample = test::load_golden_npz("goldens/video_processor/nosample.npz");
  double worst = 0;
  for (int i = 0; i < 37; ++i) worst = std::max(worst, block_error(all[i], nosample.at("pooled14"), i));
  std::printf("H.264 frames vs reference block means: worst mean error %.3f u8 levels\n", worst);
  EXPECT_LT(worst, 4.0);
}

TEST(Video, SelectedIndicesEqualTheFullDecode) {
  for (const std::string& rel : {kFfv1, kH264}) {
    SCOPED_TRACE(rel);
    const std::vector<Image> all = decode_ok(rel, {});
    ASSERT_EQ(all.size(), 37u);
    const std::vector<std::int64_t> indices = {36, 0, 17, 17, 5};  // any order, repeats allowed
    const std::vector<Image> some = decode_ok(rel, indices);
    ASSERT_EQ(some.size(), indices.size());
    for (std::size_t k = 0; k < indices.size(); ++k) EXPECT_EQ(some[k].rgb8, all[indices[k]].rgb8) << k;
  }
}

TEST(Video, FromBytesEqualsFromPath) {
  auto bytes = read_file(test::fixture_path(kH264));
  ASSERT_TRUE(bytes.ok());
  auto info = probe_video_bytes(*bytes, "upload.mp4");
  ASSERT_TRUE(info.ok()) << info.status().to_string();
  EXPECT_EQ(info->num_frames, 37);
  auto frames = decode_video_frames_from_bytes(*bytes, {3, 30}, {}, "upload.mp4");
  ASSERT_TRUE(frames.ok()) << frames.status().to_string();
  const std::vector<Image> from_path = decode_ok(kH264, {3, 30});
  ASSERT_EQ(frames->size(), 2u);
  EXPECT_EQ((*frames)[0].rgb8, from_path[0].rgb8);
  EXPECT_EQ((*frames)[1].rgb8, from_path[1].rgb8);
}

TEST(Video, LimitsAndBadIndices) {
  const std::string path = test::fixture_path(kFfv1);
  VideoDecodeOptions few;
  few.max_frames = 10;
  auto all = decode_video_frames(path, {}, few);
  ASSERT_FALSE(all.ok());
  EXPECT_EQ(all.status().code(), StatusCode::kOutOfRange);
  EXPECT_TRUE(decode_video_frames(path, {0, 36}, few).ok());
  VideoDecodeOptions small;
  small.max_pixels_per_frame = 320 * 240 - 1;
  auto big = decode_video_frames(path, {0}, small);
  ASSERT_FALSE(big.ok());
  EXPECT_NE(big.status().message().find("320x240"), std::string::npos) << big.status().message();
  auto past = decode_video_frames(path, {2, 37});
  ASSERT_FALSE(past.ok());
  EXPECT_EQ(past.status().code(), StatusCode::kOutOfRange);
  EXPECT_NE(past.status().message().find("37 frames"), std::string::npos) << past.status().message();
  EXPECT_FALSE(decode_video_frames(path, {-1}).ok());
}

TEST(Video, ErrorsNameTheInput) {
  const std::string dir = test::make_temp_dir("media-video");
  const std::string garbage = path_join(dir, "garbage.mp4");
  std::string noise(5000, '\0');
  for (std::size_t i = 0; i < noise.size(); ++i) noise[i] = static_cast<char>((i * 7919) % 251);
  ASSERT_TRUE(write_file(garbage, noise).ok());
  for (auto r : {probe_video(garbage).status(), decode_video_frames(garbage, {}).status()}) {
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.message().find("garbage.mp4"), std::string::npos) << r.message();
  }
  auto missing = probe_video(path_join(dir, "missing.mkv"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(decode_video_frames_from_bytes("", {}, {}, "empty").ok());
  // A WAV file: FFmpeg reads it, but it has no video stream.
  std::string wav = "RIFF";
  auto u32 = [&](std::uint32_t v) { for (int k = 0; k < 4; ++k) wav.push_back(static_cast<char>(v >> (8 * k))); };
  auto u16 = [&](std::uint16_t v) { for (int k = 0; k < 2; ++k) wav.push_back(static_cast<char>(v >> (8 * k))); };
  u32(36 + 800);
  wav += "WAVEfmt ";
  u32(16); u16(1); u16(1); u32(8000); u32(16000); u16(2); u16(16);
  wav += "data";
  u32(800);
  wav.append(800, '\0');
  auto audio = probe_video_bytes(wav, "speech.wav");
  ASSERT_FALSE(audio.ok());
  EXPECT_NE(audio.status().message().find("no video stream"), std::string::npos) << audio.status().message();
  EXPECT_NE(audio.status().message().find("speech.wav"), std::string::npos);
}

TEST(Video, PlaylistsCannotOpenOtherFiles) {
  // An HLS playlist or a concat list naming a local file must not make FFmpeg read that file.
  const std::string target = test::fixture_path(kFfv1);
  const std::string hls = "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4.0,\n" + target + "\n#EXT-X-ENDLIST\n";
  const std::string concat = "ffconcat version 1.0\nfile '" + target + "'\n";
  for (const std::string& text : {hls, concat}) {
    auto frames = decode_video_frames_from_bytes(text, {0}, {}, "playlist");
    EXPECT_FALSE(frames.ok());
  }
  const std::string dir = test::make_temp_dir("media-playlist");
  const std::string m3u8 = path_join(dir, "list.m3u8");
  ASSERT_TRUE(write_file(m3u8, hls).ok());
  EXPECT_FALSE(decode_video_frames(m3u8, {0}).ok());
}

TEST(Video, DamagedFilesNeverCrash) {
  for (const std::string& rel : {kFfv1, kH264}) {
    auto bytes = read_file(test::fixture_path(rel));
    ASSERT_TRUE(bytes.ok());
    for (int k = 1; k < 8; ++k) {
      const std::string cut = bytes->substr(0, bytes->size() * k / 8);
      auto r = decode_video_frames_from_bytes(cut, {}, {}, rel);
      if (r.ok()) {
        EXPECT_LE(r->size(), 37u);
      }
    }
    std::string flipped = *bytes;
    for (std::size_t i = 100; i < flipped.size(); i += flipped.size() / 50) flipped[i] ^= 0x5A;
    auto r = decode_video_frames_from_bytes(flipped, {}, {}, rel);
    if (r.ok()) {
      for (const Image& f : *r) EXPECT_EQ(f.rgb8.size(), static_cast<std::size_t>(f.width) * f.height * 3);
    }
  }
}

}  // namespace
}  // namespace internvl::media
