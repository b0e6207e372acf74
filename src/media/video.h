// Video decoding with FFmpeg: metadata and RGB24 frames, any container/codec FFmpeg reads.
//
// Frames are numbered in presentation order from 0, as the reference's decoders number them.
// Conversion to RGB uses swscale (bilinear, the frame's colour matrix and range, full-range RGB
// out), as PyAV's to_ndarray(format="rgb24") and torchcodec's CPU path do. For RGB-coded
// streams (e.g. the FFV1 fixture) the conversion is an exact reshuffle of the stored samples.
// Every input is read through our own AVIOContext and nested opens are refused, so a playlist
// or concat file cannot make FFmpeg read other files or URLs.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/image.h"
#include "internvl/status.h"

namespace internvl::media {

struct VideoInfo {
  int width = 0;
  int height = 0;
  double fps = 0;               // average frame rate (avg_frame_rate, else r_frame_rate; 0 if unknown)
  std::int64_t num_frames = 0;  // the container's count, or packets counted when it has none
  double duration_s = 0;        // stream duration, else container duration, else frames / fps
  std::string codec;            // FFmpeg codec name ("h264", "ffv1", ...)
  std::string pixel_format;     // FFmpeg pixel format of the coded frames ("yuv420p", "bgr0", ...)
};

struct VideoDecodeOptions {
  std::int64_t max_frames = 1024;                       // frames returned at most
  std::int64_t max_pixels_per_frame = 8192LL * 4320;    // refuse larger frames (8K)
  int threads = 0;                                      // decoder threads; 0 lets FFmpeg choose
};

/// Reads the metadata of the best video stream; errors name the path.
Result<VideoInfo> probe_video(const std::string& path);
/// probe_video for a video held in memory; `what` names it in errors.
Result<VideoInfo> probe_video_bytes(std::string_view bytes, std::string_view what = "video");

/// Decodes the frames at `indices` (any order, repeats allowed; empty = every frame) and returns
/// them in the order asked. Decoding is sequential and keeps only wanted frames.
Result<std::vector<Image>> decode_video_frames(const std::string& path,
                                               const std::vector<std::int64_t>& indices,
                                               const VideoDecodeOptions& options = {});
/// decode_video_frames for a video held in memory; `what` names it in errors.
Result<std::vector<Image>> decode_video_frames_from_bytes(std::string_view bytes,
                                                          const std::vector<std::int64_t>& indices,
                                                          const VideoDecodeOptions& options = {},
                                                          std::string_view what = "video");

}  // namespace internvl::media
