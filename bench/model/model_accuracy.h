// Accuracy of the fast modes against our own f32 path on a (random) real-size checkpoint:
// cosine similarity of the last-token logits for a text, an image and a video-like prompt.
#pragma once

#include <string>
#include <vector>

#include "internvl/status.h"

namespace internvl::bench {

struct AccuracyRow {
  std::string mode;    // "bf16", "q8", "q4"
  std::string prompt;  // "text", "image", "video"
  std::int64_t tokens = 0;
  double cosine = 0;
  double max_abs_diff = 0;
  bool same_argmax = false;
};

/// Loads `model_dir` in f32 (reference), then in bf16 compute, q8 and q4 (f32 compute), and
/// compares last-token logits. `image_tiles` / `video_frames` size the media prompts.
Result<std::vector<AccuracyRow>> measure_accuracy(const std::string& model_dir, int image_tiles,
                                                  int video_frames, const std::vector<std::string>& modes);

/// The same prompts through two checkpoints of one config (e.g. the same random weights stored
/// as bf16 and as f16): how far a small weight perturbation moves the logits. mode = "b vs a".
Result<std::vector<AccuracyRow>> compare_checkpoints(const std::string& dir_a, const std::string& dir_b,
                                                     int image_tiles, int video_frames);

/// RMS of (dequantized - original) / RMS of original over the text layers' matrices, per format.
Result<std::vector<std::pair<std::string, double>>> weight_quant_error(const std::string& model_dir);

}  // namespace internvl::bench
