// One line of `internvl batch` input: a conversation in the Transformers message format plus
// optional per-line settings,
//   {"messages": [{"role": "user", "content": [{"type": "image", "url": "cat.png"},
//                                              {"type": "text", "text": "Describe it."}]}],
//    "id": "any JSON value, echoed back", "max_new_tokens": 32, "temperature": 0, ...}
// Settings are the registered options' JSON keys of the sampling and media groups
// (src/app/options.h); any other key is an error, so typos do not pass silently.
#pragma once

#include <string_view>
#include <vector>

#include "app/media_inputs.h"
#include "app/options.h"
#include "core/json.h"
#include "internvl/engine.h"
#include "internvl/status.h"

namespace internvl::cli {

struct BatchLine {
  Json id;                        // null when the line has none
  std::vector<Message> messages;  // media decoded
  app::Options options;           // the command line's, overridden by the line's keys
};

/// How a line's media are loaded (files, URLs, byte limits, the video processor settings).
struct BatchMediaPolicy {
  media::MediaSourceOptions source;
  preprocess::VideoProcessorConfig video_config;
  std::optional<int> default_frames;  // frames per video when neither num_frames nor fps is set
};

/// Parses and validates one line, then loads its media. `defaults` are the command line's options.
Result<BatchLine> parse_batch_line(std::string_view line, const app::Options& defaults, const BatchMediaPolicy& policy);

/// The "id" of a line if it can be read even when the rest is invalid (for error lines); null otherwise.
Json batch_line_id(std::string_view line);

}  // namespace internvl::cli
