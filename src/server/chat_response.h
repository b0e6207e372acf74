// OpenAI response bodies: chat.completion objects, chat.completion.chunk objects for streaming
// (server-sent events ending with [DONE]), logprobs and usage.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/json.h"
#include "internvl/engine.h"
#include "tokenizer/tokenizer.h"

namespace internvl::server {

/// What every object of one completion shares.
struct CompletionMeta {
  std::string id;            // "chatcmpl-..."
  std::int64_t created = 0;  // Unix seconds
  std::string model;
};

/// How generated tokens are shown in `logprobs`.
struct LogprobFormat {
  int top = 0;                 // alternatives per token
  bool tokens_as_ids = false;  // "token_id:<id>" instead of the token text
};

/// A fresh completion id and the current time.
CompletionMeta new_completion_meta(std::string model);

/// {"token", "logprob", "bytes", "top_logprobs": [...]} for one generated token.
Json logprob_entry(const tokenizer::Tokenizer& tok, const TokenInfo& token, const LogprobFormat& format);

/// {"prompt_tokens", "completion_tokens", "total_tokens"}.
Json usage_json(std::int64_t prompt_tokens, std::int64_t completion_tokens);

/// The non-streaming answer. `logprobs` is the list of logprob_entry objects, or null.
Json completion_json(const CompletionMeta& meta, const std::string& text, const std::string& finish_reason,
                     Json logprobs, Json usage);

/// One streaming chunk: a delta ({"role"} / {"content"} / {}), optional logprobs entries and
/// finish reason (null while generating). `with_usage` adds "usage": null, as OpenAI does when
/// stream_options.include_usage is set.
Json chunk_json(const CompletionMeta& meta, Json delta, Json logprobs, Json finish_reason, bool with_usage);

/// The final usage chunk of stream_options.include_usage (empty choices).
Json usage_chunk_json(const CompletionMeta& meta, Json usage);

/// "data: <json>\n\n".
std::string sse_event(const Json& j);
/// "data: [DONE]\n\n".
std::string sse_done();

}  // namespace internvl::server
