// POST /v1/chat/completions bodies -> a checked ChatRequest. Only the shape and the limits are
// checked here; media are referenced, not loaded (prompt_builder.h loads them).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/json.h"
#include "internvl/engine.h"
#include "server/api_error.h"
#include "server/server_config.h"

namespace internvl::server {

/// An image_url or video_url part, not yet loaded.
struct MediaRef {
  enum class Kind { kImage, kVideo };
  Kind kind = Kind::kImage;
  std::string url;                 // data:, http(s)://, file://
  std::optional<int> max_tiles;    // image: `detail: low` -> 1, the `max_tiles` extension
  int num_frames = 0;              // video: frames to sample uniformly
  std::string param;               // "messages[0].content[1]", for errors
};

/// One content part: text, or the index of a MediaRef in ChatRequest::media.
struct RequestPart {
  std::string text;
  int media = -1;  // >= 0: a media part
};

struct RequestMessage {
  std::string role;  // "system", "user", "assistant" ("developer" is read as "system")
  std::vector<RequestPart> parts;
};

struct ChatRequest {
  std::string model;
  std::vector<RequestMessage> messages;
  std::vector<MediaRef> media;     // in prompt order
  GenerationOptions options;       // sampling, stop strings, top_logprobs; max_new_tokens unset here
  std::optional<int> max_tokens;   // max_tokens / max_completion_tokens
  bool stream = false;
  bool include_usage = false;      // stream_options.include_usage
  bool logprobs = false;
  bool tokens_as_ids = false;      // return_tokens_as_token_ids (vLLM's extension): "token_id:<id>"
};

/// Parses and checks a request body. Unknown fields are ignored; fields the server does not
/// implement (n > 1, tools, logit_bias, non-zero penalties) are refused with 400.
std::optional<ApiError> parse_chat_request(const Json& body, const RequestLimits& limits, ChatRequest* out);

}  // namespace internvl::server
