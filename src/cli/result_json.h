// The JSON a generation result prints as (`run --json`, one line per conversation of `batch`).
#pragma once

#include "core/json.h"
#include "internvl/engine.h"
#include "internvl/status.h"

namespace internvl::cli {

/// Alternatives reported for the first generated token.
inline constexpr int kFirstTokenTopK = 5;

/// {"text", "token_ids", "prompt_tokens", "num_tiles", "first_token_top5": [[id, logprob], ...],
///  "timings": {"preprocess_ms", "vision_ms", "prefill_ms", "ttft_ms", "decode_ms", "total_ms",
///  "generated_tokens", "finish_reason"}}. Requires GenerationOptions::top_logprobs >= 5.
Json result_to_json(const GenerationResult& result);

/// {"error": {"code": "invalid_argument", "message": "..."}}.
Json error_to_json(const Status& status);

}  // namespace internvl::cli
