#include "preprocess/video_sampling.h"

#include <cmath>
#include <numeric>

namespace internvl::preprocess {

// ref: transformers/models/internvl/video_processing_internvl.py
// InternVLVideoProcessor.sample_frames
Result<std::vector<std::int64_t>> sample_frame_indices(std::int64_t total_frames,
                                                       std::optional<int> num_frames,
                                                       std::optional<double> fps, double video_fps,
                                                       const VideoProcessorConfig& cfg) {
  if (total_frames <= 0) {
    return invalid_argument("[sample_frame_indices] the video has no frames (total_frames ",
                            total_frames, ")");
  }
  std::optional<std::int64_t> n;
  if (num_frames)
    n = *num_frames;
  else if (cfg.num_frames)
    n = *cfg.num_frames;
  const std::optional<double> rate = fps ? fps : cfg.fps;
  if (!n && rate) {
    if (!(*rate > 0) || !std::isfinite(*rate)) {
      return invalid_argument("[sample_frame_indices] fps ", *rate, " must be positive");
    }
    if (!(video_fps > 0) || !std::isfinite(video_fps)) {
      return invalid_argument("[sample_frame_indices] sampling at ", *rate,
                              " fps needs the video's frame rate, which is unknown (", video_fps,
                              ")");
    }
    // int(total_num_frames / metadata.fps * fps): left to right in double, then truncated.
    n = static_cast<std::int64_t>(static_cast<double>(total_frames) / video_fps * *rate);
  }
  if (!n) {
    return invalid_argument(
        "[sample_frame_indices] frame sampling needs num_frames or fps (neither was given nor "
        "set in the video processor config)");
  }
  if (*n <= 0) {
    return invalid_argument("[sample_frame_indices] num_frames ", *n,
                            " must be positive (fps too low for a ", total_frames,
                            "-frame video?)");
  }
  if (*n > total_frames) {
    return invalid_argument("[sample_frame_indices] num_frames=", *n,
                            " exceeds the video's total_num_frames=", total_frames);
  }
  const double total = static_cast<double>(total_frames);
  const double step = total / static_cast<double>(*n);
  // Python: total_num_frames / num_frames / 2.
  const double start = cfg.initial_shift.half_step ? step / 2 : cfg.initial_shift.frames;
  if (!(start >= 0) || start > total) {
    // torch would index from the end with negative values; refuse instead.
    return invalid_argument("[sample_frame_indices] initial_shift ", start, " must be in [0, ",
                            total_frames, "]");
  }
  // torch.arange(start, total, step) in float32: ceil((end - start) / step) values, each
  // start + k * step computed in double (CPU accumulate type) and rounded to float32;
  // .int() then truncates.
  const auto count = static_cast<std::int64_t>(std::ceil((total - start) / step));
  std::vector<std::int64_t> indices;
  indices.reserve(static_cast<std::size_t>(count));
  for (std::int64_t k = 0; k < count; ++k) {
    const float v = static_cast<float>(start + step * static_cast<double>(k));
    indices.push_back(static_cast<std::int32_t>(v));
  }
  return indices;
}

Result<std::vector<std::int64_t>> video_frame_indices(std::int64_t total_frames, double video_fps,
                                                      const VideoProcessorConfig& cfg,
                                                      const FrameSampling& request) {
  if (!request.do_sample_frames.value_or(cfg.do_sample_frames)) {
    if (total_frames <= 0) {
      return invalid_argument("[video_frame_indices] the video has no frames (total_frames ",
                              total_frames, ")");
    }
    std::vector<std::int64_t> all(static_cast<std::size_t>(total_frames));
    std::iota(all.begin(), all.end(), 0);
    return all;
  }
  return sample_frame_indices(total_frames, request.num_frames, request.fps, video_fps, cfg);
}

}  // namespace internvl::preprocess
