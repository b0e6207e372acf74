#include "preprocess/video_processor.h"

#include <cstddef>
#include <cstdint>

#include "preprocess/normalize.h"
#include "preprocess/resize.h"

namespace internvl::preprocess {

Result<Tensor> video_frames_u8(const std::vector<Image>& frames, const VideoProcessorConfig& cfg) {
  if (frames.empty()) return invalid_argument("[preprocess_video] the video has no frames");
  const bool resize = cfg.pixels.do_resize;
  const int out_w = resize ? cfg.pixels.width : frames[0].width;
  const int out_h = resize ? cfg.pixels.height : frames[0].height;
  for (std::size_t i = 0; i < frames.size(); ++i) {
    const Image& f = frames[i];
    if (!image_is_consistent(f) || f.bit_depth != 8) {
      return invalid_argument("[preprocess_video] frame ", i, " (", f.width, "x", f.height, ", ",
                              f.bit_depth, "-bit) is not a valid 8-bit RGB frame");
    }
    if (!resize && (f.width != out_w || f.height != out_h)) {
      return invalid_argument("[preprocess_video] frame ", i, " is ", f.width, "x", f.height,
                              " but frame 0 is ", out_w, "x", out_h,
                              " (frames of different sizes need do_resize)");
    }
  }
  Tensor out = Tensor::empty(DType::kU8, {static_cast<std::int64_t>(frames.size()), 3, out_h,
                                          out_w});  // [n_frames, 3, H, W]
  const std::size_t plane = static_cast<std::size_t>(out_w) * out_h;
  for (std::size_t i = 0; i < frames.size(); ++i) {
    const Image resized = resize ? resize_bicubic_aa(frames[i], out_w, out_h) : Image{};
    const Image& f = resize ? resized : frames[i];
    std::uint8_t* r = out.data<std::uint8_t>() + i * 3 * plane;
    std::uint8_t* g = r + plane;
    std::uint8_t* b = g + plane;
    const std::uint8_t* src = f.rgb8.data();
    for (std::size_t p = 0; p < plane; ++p) {
      r[p] = src[3 * p + 0];
      g[p] = src[3 * p + 1];
      b[p] = src[3 * p + 2];
    }
  }
  return out;
}

Result<Tensor> preprocess_video_frames(const std::vector<Image>& frames,
                                       const VideoProcessorConfig& cfg) {
  INTERNVL_ASSIGN_OR_RETURN(Tensor raw, video_frames_u8(frames, cfg));
  return normalize_tiles(raw, cfg.pixels);
}

}  // namespace internvl::preprocess
