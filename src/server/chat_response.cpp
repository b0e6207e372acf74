#include "server/chat_response.h"

#include <chrono>
#include <random>

namespace internvl::server {

CompletionMeta new_completion_meta(std::string model) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  CompletionMeta m;
  m.id = "chatcmpl-";
  for (int i = 0; i < 24; ++i) m.id += kHex[rng() & 15];
  m.created = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
                  .count();
  m.model = std::move(model);
  return m;
}

namespace {

Json token_fields(const tokenizer::Tokenizer& tok, std::int32_t id, float logprob, const LogprobFormat& format) {
  const std::string_view raw = tok.token_bytes(id);
  Json bytes = Json::array();
  for (unsigned char c : raw) bytes.push_back(static_cast<int>(c));
  Json j = Json::object();
  j["token"] = format.tokens_as_ids ? "token_id:" + std::to_string(id) : std::string(raw);
  j["logprob"] = logprob;
  j["bytes"] = std::move(bytes);
  return j;
}

}  // namespace

Json logprob_entry(const tokenizer::Tokenizer& tok, const TokenInfo& token, const LogprobFormat& format) {
  Json j = token_fields(tok, token.id, token.logprob, format);
  Json top = Json::array();
  for (int i = 0; i < format.top && i < static_cast<int>(token.top_logprobs.size()); ++i) {
    const auto& [id, lp] = token.top_logprobs[static_cast<std::size_t>(i)];
    top.push_back(token_fields(tok, id, lp, format));
  }
  j["top_logprobs"] = std::move(top);
  return j;
}

Json usage_json(std::int64_t prompt_tokens, std::int64_t completion_tokens) {
  return Json{{"prompt_tokens", prompt_tokens},
              {"completion_tokens", completion_tokens},
              {"total_tokens", prompt_tokens + completion_tokens}};
}

Json completion_json(const CompletionMeta& meta, const std::string& text, const std::string& finish_reason,
                     Json logprobs, Json usage) {
  Json choice = Json::object();
  choice["index"] = 0;
  choice["message"] = Json{{"role", "assistant"}, {"content", text}, {"refusal", nullptr}};
  choice["logprobs"] = logprobs.is_null() ? Json(nullptr) : Json{{"content", std::move(logprobs)}, {"refusal", nullptr}};
  choice["finish_reason"] = finish_reason;
  Json j = Json::object();
  j["id"] = meta.id;
  j["object"] = "chat.completion";
  j["created"] = meta.created;
  j["model"] = meta.model;
  j["choices"] = Json::array({std::move(choice)});
  j["usage"] = std::move(usage);
  j["system_fingerprint"] = nullptr;
  return j;
}

Json chunk_json(const CompletionMeta& meta, Json delta, Json logprobs, Json finish_reason, bool with_usage) {
  Json choice = Json::object();
  choice["index"] = 0;
  choice["delta"] = std::move(delta);
  choice["logprobs"] = logprobs.is_null() ? Json(nullptr) : Json{{"content", std::move(logprobs)}, {"refusal", nullptr}};
  choice["finish_reason"] = std::move(finish_reason);
  Json j = Json::object();
  j["id"] = meta.id;
  j["object"] = "chat.completion.chunk";
  j["created"] = meta.created;
  j["model"] = meta.model;
  j["system_fingerprint"] = nullptr;
  j["choices"] = Json::array({std::move(choice)});
  if (with_usage) j["usage"] = nullptr;
  return j;
}

Json usage_chunk_json(const CompletionMeta& meta, Json usage) {
  Json j = Json::object();
  j["id"] = meta.id;
  j["object"] = "chat.completion.chunk";
  j["created"] = meta.created;
  j["model"] = meta.model;
  j["system_fingerprint"] = nullptr;
  j["choices"] = Json::array();
  j["usage"] = std::move(usage);
  return j;
}

std::string sse_event(const Json& j) { return "data: " + dump_json(j) + "\n\n"; }

std::string sse_done() { return "data: [DONE]\n\n"; }

}  // namespace internvl::server
