// Processor settings read from a model directory: the image processor (GotOcr2ImageProcessor),
// the video processor (InternVLVideoProcessor) and the processor's image_seq_length.
//
// Two layouts exist (reference spec section 10):
//   Transformers 5: one `processor_config.json` with nested `image_processor` / `video_processor`.
//   4.5x Hub:       `preprocessor_config.json` (image) + `video_preprocessor_config.json` (video;
//                   when absent, Transformers builds the video processor from the image file).
// Missing keys take the reference class defaults (384x384, OpenAI CLIP mean/std), exactly as
// Transformers does; the InternVL checkpoints always write 448 and the ImageNet statistics.
#pragma once

#include <array>
#include <optional>
#include <string>

#include "core/json.h"
#include "internvl/status.h"

namespace internvl::preprocess {

/// Resample filter codes (PIL numbering, as in the config files). Only bicubic is implemented.
inline constexpr int kResampleBicubic = 3;

/// Pixel settings shared by the image and video processors.
struct PixelConfig {
  int height = 384;  // size.height: tile / frame height after resize
  int width = 384;   // size.width
  bool do_resize = true;
  int resample = kResampleBicubic;
  bool do_rescale = true;
  double rescale_factor = 1.0 / 255.0;
  bool do_normalize = true;
  // Kept in double as written; the normalizer rounds them to float32 as torch.tensor() does.
  std::array<double, 3> image_mean = {0.48145466, 0.4578275, 0.40821073};  // OPENAI_CLIP_MEAN
  std::array<double, 3> image_std = {0.26862954, 0.26130258, 0.27577711};  // OPENAI_CLIP_STD
  bool do_convert_rgb = true;  // decoders always produce RGB; kept for completeness
};

struct ImageProcessorConfig {
  PixelConfig pixels;
  // The image processor's own default. The InternVLProcessor always passes crop_to_patches=True,
  // so preprocess_image() follows TileOptions::crop_to_patches instead (default true).
  bool crop_to_patches = false;
  int min_patches = 1;
  int max_patches = 12;
};

/// `initial_shift`: true (half a sampling step) or a number of frames (false reads as 0).
struct InitialShift {
  bool half_step = true;
  double frames = 0.0;  // used when !half_step
};

struct VideoProcessorConfig {
  PixelConfig pixels;
  bool do_sample_frames = false;  // class default (kept False for backward compatibility)
  InitialShift initial_shift;
  std::optional<int> num_frames;  // default sampling requests, usually absent
  std::optional<double> fps;
};

struct ProcessorConfig {
  ImageProcessorConfig image;
  VideoProcessorConfig video;
  int image_seq_length = 256;  // <IMG_CONTEXT> tokens per tile
};

/// Reads the processor settings of a model directory (either layout above).
Result<ProcessorConfig> load_processor_config(const std::string& model_dir);

/// Parses one image processor object; `what` names the source (file, nested key) in errors.
Result<ImageProcessorConfig> parse_image_processor_config(const Json& obj, std::string_view what);

/// Parses one video processor object; `what` names the source in errors.
Result<VideoProcessorConfig> parse_video_processor_config(const Json& obj, std::string_view what);

}  // namespace internvl::preprocess
