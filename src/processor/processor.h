// InternVLProcessor: chat template, placeholder expansion, tokenization and pixel preprocessing.
// Input is text plus decoded media (pixels); output is what the model takes: input ids and
// pixel_values, in the order the placeholders appear.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/image.h"
#include "core/json.h"
#include "core/tensor.h"
#include "jinja/chat_template.h"
#include "preprocess/image_processor.h"
#include "preprocess/processor_config.h"
#include "tokenizer/tokenizer.h"

namespace internvl::processor {

/// One decoded media item. Images are tiled; video frames (already sampled) are not.
struct MediaInput {
  enum class Kind { kImage, kVideo };
  Kind kind = Kind::kImage;
  Image image;                    // kImage
  std::vector<Image> frames;      // kVideo
  preprocess::TileOptions tiles;  // kImage: min/max tile overrides
};

struct ProcessedPrompt {
  std::string text;                   // the prompt before expansion
  std::vector<std::int32_t> ids;      // expanded and tokenized
  Tensor pixel_values;                // f32 [n_tiles, 3, H, W], media in placeholder order; empty if none
  std::vector<int> tiles_per_media;   // in placeholder order
  int num_tiles() const;
};

/// A left-padded batch, as the reference processor returns it with padding=True.
struct ProcessedBatch {
  std::vector<std::vector<std::int32_t>> input_ids;       // [n_batch][max_len]
  std::vector<std::vector<std::int32_t>> attention_mask;  // 0 on padding
  Tensor pixel_values;                                    // all rows' tiles, row by row
  std::vector<ProcessedPrompt> rows;                      // per row, unpadded
};

inline constexpr const char* kImagePlaceholder = "<IMG_CONTEXT>";
inline constexpr const char* kVideoPlaceholder = "<video>";

/// The image and video placeholders of a text, in text order: (byte position, is_video).
std::vector<std::pair<std::size_t, bool>> find_placeholders(std::string_view text);
inline constexpr const char* kImageStart = "<img>";
inline constexpr const char* kImageEnd = "</img>";

class Processor {
 public:
  /// Tokenizer, chat template and processor settings of a model directory.
  static Result<Processor> from_model_dir(const std::string& dir);
  /// Assembles a processor from parts (tests, custom templates).
  static Result<Processor> from_parts(tokenizer::Tokenizer tok, jinja::ChatTemplate tmpl,
                                      preprocess::ProcessorConfig cfg);

  const tokenizer::Tokenizer& tokenizer() const { return tokenizer_; }
  const jinja::ChatTemplate& chat_template() const { return template_; }
  const preprocess::ProcessorConfig& config() const { return config_; }
  /// Id of <IMG_CONTEXT>, the token image features replace.
  std::int32_t image_context_id() const { return image_context_id_; }

  /// Renders Transformers-format messages with the checkpoint's template.
  Result<std::string> apply_chat_template(const Json& messages, bool add_generation_prompt,
                                          const Json& extra_variables = Json::object()) const;

  /// The reference processor call for one prompt: the i-th <IMG_CONTEXT> binds to the i-th
  /// image of `media`, the i-th <video> to the i-th video; counts must match.
  Result<ProcessedPrompt> process(std::string_view text, std::span<const MediaInput> media) const;

  /// Several prompts; media are listed across the batch in prompt order. Left padding.
  Result<ProcessedBatch> process_batch(const std::vector<std::string>& texts,
                                       std::span<const MediaInput> media) const;

  /// Text that replaces one placeholder: <img> + <IMG_CONTEXT> x tokens + </img> per tile for an
  /// image; "Frame{k}: <img>...</img>" lines joined by newlines for a video of n frames.
  std::string image_expansion(int n_tiles) const;
  std::string video_expansion(int n_frames) const;

 private:
  Processor(tokenizer::Tokenizer tok, jinja::ChatTemplate tmpl, preprocess::ProcessorConfig cfg)
      : tokenizer_(std::move(tok)), template_(std::move(tmpl)), config_(std::move(cfg)) {}

  tokenizer::Tokenizer tokenizer_;
  jinja::ChatTemplate template_;
  preprocess::ProcessorConfig config_;
  std::int32_t image_context_id_ = -1;
};

}  // namespace internvl::processor
