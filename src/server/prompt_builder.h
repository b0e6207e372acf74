// A checked ChatRequest -> the runner's input: media loaded under the server's protections,
// looked up in (or added to) the image cache, the checkpoint's chat template rendered, image
// placeholders expanded as the reference processor does, tokenized, the context limit checked,
// and the vision features of cache misses computed here, outside the scheduler's step loop.
#pragma once

#include <memory>
#include <optional>
#include <semaphore>
#include <string>
#include <vector>

#include "internvl/engine.h"
#include "runtime/generate_types.h"
#include "server/api_error.h"
#include "server/chat_request.h"
#include "server/media_cache.h"
#include "server/server_config.h"

namespace internvl::server {

/// The runner input and parameters of one request.
struct PreparedPrompt {
  runtime::PromptInput input;      // ids + image features (no pixels)
  runtime::GenerateParams params;
  std::vector<std::string> stop;
  int num_tiles = 0;               // image tiles + video frames
};

class PromptBuilder {
 public:
  /// `vision_workers` bounds how many requests run the vision tower at once.
  PromptBuilder(const Engine& engine, const RequestLimits& limits, MediaCache* cache, int vision_workers);

  /// Builds the prompt of a request. Every failure is an ApiError naming the request field.
  std::optional<ApiError> build(const ChatRequest& request, PreparedPrompt* out);

 private:
  struct Media;
  std::optional<ApiError> load(const MediaRef& ref, Media* m) const;
  Result<std::vector<std::int32_t>> expand(const std::string& text, const std::vector<Media>& media) const;

  const Engine& engine_;
  RequestLimits limits_;
  MediaCache* cache_;
  std::counting_semaphore<1024> vision_slots_;
};

}  // namespace internvl::server
