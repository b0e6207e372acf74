// Which frames of a video the reference keeps (InternVLVideoProcessor.sample_frames,
// reference spec section 6).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "internvl/status.h"
#include "preprocess/processor_config.h"

namespace internvl::preprocess {

/// Per-request sampling settings; unset fields fall back to the video processor config.
struct FrameSampling {
  std::optional<bool> do_sample_frames;
  std::optional<int> num_frames;
  std::optional<double> fps;  // frames to keep per second of video
};

/// Uniform sampling: num_frames (or total / video_fps * fps) indices, starting at
/// initial_shift (half a step by default), truncated to int as torch.arange(...).int() does.
/// Errors when neither num_frames nor fps is known, when fps needs a missing video_fps, or
/// when more frames are asked for than the video has.
Result<std::vector<std::int64_t>> sample_frame_indices(std::int64_t total_frames,
                                                       std::optional<int> num_frames,
                                                       std::optional<double> fps, double video_fps,
                                                       const VideoProcessorConfig& cfg);

/// The frames the reference processes: every frame when sampling is off (do_sample_frames
/// false in the request and the config), else sample_frame_indices.
Result<std::vector<std::int64_t>> video_frame_indices(std::int64_t total_frames, double video_fps,
                                                      const VideoProcessorConfig& cfg,
                                                      const FrameSampling& request = {});

}  // namespace internvl::preprocess
