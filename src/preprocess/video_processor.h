// Decoded video frames -> pixel_values_videos, as InternVLVideoProcessor does: no tiling and no
// thumbnail; every frame is resized straight to the video size (antialiased bicubic), then
// rescaled and normalized with the video processor's settings.
#pragma once

#include <vector>

#include "core/image.h"
#include "core/tensor.h"
#include "internvl/status.h"
#include "preprocess/processor_config.h"

namespace internvl::preprocess {

/// Frames resized, before rescale/normalize: u8 [n_frames, 3, H, W] (8-bit frames only).
Result<Tensor> video_frames_u8(const std::vector<Image>& frames, const VideoProcessorConfig& cfg);

/// Frames resized and normalized: f32 [n_frames, 3, H, W].
Result<Tensor> preprocess_video_frames(const std::vector<Image>& frames,
                                       const VideoProcessorConfig& cfg);

}  // namespace internvl::preprocess
