// Request parsing and checking: what is accepted, and the error (status, param, code) of each
// malformed case.
#include "server/chat_request.h"

#include <gtest/gtest.h>

namespace internvl::server {
namespace {

Json body(const std::string& text) { return *parse_json(text, "test"); }

ChatRequest ok(const std::string& text, const RequestLimits& limits = {}) {
  ChatRequest r;
  auto e = parse_chat_request(body(text), limits, &r);
  EXPECT_FALSE(e) << (e ? e->message : "");
  return r;
}

ApiError fails(const std::string& text, const RequestLimits& limits = {}) {
  ChatRequest r;
  auto e = parse_chat_request(body(text), limits, &r);
  EXPECT_TRUE(e.has_value()) << text;
  return e.value_or(ApiError{});
}

TEST(ChatRequest, StringAndListContent) {
  ChatRequest r = ok(R"({"model": "m", "messages": [
      {"role": "developer", "content": "Be brief."},
      {"role": "user", "content": [{"type": "text", "text": "Hi"},
                                   {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA", "detail": "low"}},
                                   {"type": "image_url", "image_url": "https://example.com/a.png", "max_tiles": 6},
                                   {"type": "video_url", "video_url": {"url": "file:///v.mp4", "num_frames": 4}}]},
      {"role": "assistant", "content": null},
      {"role": "user", "content": [{"type": "video_url", "video_url": {"url": "file:///w.mp4"}}]}]})");
  ASSERT_EQ(r.messages.size(), 4u);
  EXPECT_EQ(r.messages[0].role, "system");
  ASSERT_EQ(r.messages[1].parts.size(), 4u);
  EXPECT_EQ(r.messages[1].parts[0].text, "Hi");
  EXPECT_EQ(r.messages[1].parts[2].media, 1);
  EXPECT_TRUE(r.messages[2].parts.empty());
  ASSERT_EQ(r.media.size(), 4u);
  EXPECT_EQ(r.media[0].max_tiles, 1);
  EXPECT_EQ(r.media[1].max_tiles, 6);
  EXPECT_EQ(r.media[1].url, "https://example.com/a.png");
  EXPECT_EQ(r.media[2].kind, MediaRef::Kind::kVideo);
  EXPECT_EQ(r.media[2].num_frames, 4);
  EXPECT_EQ(r.media[3].num_frames, 8);  // the default
  EXPECT_EQ(r.media[3].param, "messages[3].content[0]");
  EXPECT_FALSE(r.stream);
  EXPECT_FALSE(r.max_tokens.has_value());
}

TEST(ChatRequest, SamplingAndOutputOptions) {
  ChatRequest r = ok(R"({"model": "m", "messages": [{"role": "user", "content": "x"}],
      "max_tokens": 5, "max_completion_tokens": 7, "temperature": 0.5, "top_p": 0.9, "top_k": -1, "seed": -3,
      "stop": "END", "n": 1, "logprobs": true, "top_logprobs": 3, "stream": true,
      "stream_options": {"include_usage": true}, "presence_penalty": 0, "user": "ignored",
      "return_tokens_as_token_ids": true})");
  EXPECT_EQ(r.max_tokens, 7);
  EXPECT_FLOAT_EQ(*r.options.temperature, 0.5f);
  EXPECT_FLOAT_EQ(*r.options.top_p, 0.9f);
  EXPECT_EQ(r.options.top_k, 0);
  EXPECT_EQ(r.options.seed, static_cast<std::uint64_t>(-3));
  EXPECT_EQ(r.options.stop, std::vector<std::string>{"END"});
  EXPECT_TRUE(r.logprobs);
  EXPECT_EQ(r.options.top_logprobs, 3);
  EXPECT_TRUE(r.stream);
  EXPECT_TRUE(r.include_usage);
  EXPECT_TRUE(r.tokens_as_ids);
}

struct BadCase {
  const char* body;
  const char* param;
  const char* code;
};

TEST(ChatRequest, MalformedRequestsNameTheField) {
  const std::string msgs = R"("messages": [{"role": "user", "content": "x"}])";
  auto with = [&](const std::string& extra) { return "{\"model\": \"m\", " + msgs + ", " + extra + "}"; };
  const std::vector<std::pair<std::string, BadCase>> cases = {
      {"[]", {"", "body", "invalid_type"}},
      {R"({"messages": []})", {"", "model", "missing_field"}},
      {R"({"model": 3, "messages": []})", {"", "model", "invalid_type"}},
      {R"({"model": "m"})", {"", "messages", "missing_field"}},
      {R"({"model": "m", "messages": {}})", {"", "messages", "invalid_type"}},
      {R"({"model": "m", "messages": []})", {"", "messages", "invalid_value"}},
      {R"({"model": "m", "messages": [3]})", {"", "messages[0]", "invalid_type"}},
      {R"({"model": "m", "messages": [{"content": "x"}]})", {"", "messages[0].role", "missing_field"}},
      {R"({"model": "m", "messages": [{"role": "tool", "content": "x"}]})", {"", "messages[0].role", "invalid_value"}},
      {R"({"model": "m", "messages": [{"role": "user"}]})", {"", "messages[0].content", "missing_field"}},
      {R"({"model": "m", "messages": [{"role": "user", "content": 5}]})", {"", "messages[0].content", "invalid_type"}},
      {R"({"model": "m", "messages": [{"role": "user", "content": [{"text": "x"}]}]})",
       {"", "messages[0].content[0].type", "missing_field"}},
      {R"({"model": "m", "messages": [{"role": "user", "content": [{"type": "audio"}]}]})",
       {"", "messages[0].content[0].type", "invalid_value"}},
      {R"({"model": "m", "messages": [{"role": "user", "content": [{"type": "text", "text": 1}]}]})",
       {"", "messages[0].content[0].text", "invalid_type"}},
      {R"({"model": "m", "messages": [{"role": "user", "content": [{"type": "image_url"}]}]})",
       {"", "messages[0].content[0].image_url", "missing_field"}},
      {R"({"model": "m", "messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": 1}}]}]})",
       {"", "messages[0].content[0].image_url.url", "invalid_type"}},
      {R"({"model": "m", "messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "data:x", "detail": "ultra"}}]}]})",
       {"", "messages[0].content[0].image_url.detail", "invalid_value"}},
      {R"({"model": "m", "messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "data:x", "max_tiles": 0}}]}]})",
       {"", "messages[0].content[0].image_url.max_tiles", "invalid_value"}},
      {R"({"model": "m", "messages": [{"role": "user", "content": [{"type": "video_url", "video_url": {"url": "data:x", "num_frames": 999}}]}]})",
       {"", "messages[0].content[0].video_url.num_frames", "invalid_value"}},
      {with(R"("max_tokens": 0)"), {"", "max_tokens", "invalid_value"}},
      {with(R"("max_tokens": "5")"), {"", "max_tokens", "invalid_type"}},
      {with(R"("max_tokens": 2.5)"), {"", "max_tokens", "invalid_type"}},
      {with(R"("max_completion_tokens": 100000000000)"), {"", "max_completion_tokens", "invalid_value"}},
      {with(R"("temperature": 2.5)"), {"", "temperature", "invalid_value"}},
      {with(R"("temperature": "hot")"), {"", "temperature", "invalid_type"}},
      {with(R"("top_p": 0)"), {"", "top_p", "invalid_value"}},
      {with(R"("top_k": -2)"), {"", "top_k", "invalid_value"}},
      {with(R"("seed": 1.5)"), {"", "seed", "invalid_type"}},
      {with(R"("n": 2)"), {"", "n", "invalid_value"}},
      {with(R"("stop": ["a", "b", "c", "d", "e"])"), {"", "stop", "limit_exceeded"}},
      {with(R"("stop": [1])"), {"", "stop[0]", "invalid_type"}},
      {with(R"("logprobs": "yes")"), {"", "logprobs", "invalid_type"}},
      {with(R"("logprobs": true, "top_logprobs": 21)"), {"", "top_logprobs", "invalid_value"}},
      {with(R"("top_logprobs": 2)"), {"", "top_logprobs", "invalid_value"}},
      {with(R"("stream": "true")"), {"", "stream", "invalid_type"}},
      {with(R"("stream_options": {"include_usage": true})"), {"", "stream_options", "invalid_value"}},
      {with(R"("presence_penalty": 0.5)"), {"", "presence_penalty", "unsupported"}},
      {with(R"("tools": [{"type": "function"}])"), {"", "tools", "unsupported"}},
      {with(R"("response_format": {"type": "json_object"})"), {"", "response_format", "unsupported"}},
      {with(R"("logit_bias": {"1": 2})"), {"", "logit_bias", "unsupported"}},
  };
  for (const auto& [text, want] : cases) {
    ApiError e = fails(text);
    EXPECT_EQ(e.http_status, 400) << text;
    EXPECT_EQ(e.param, want.param) << text;
    EXPECT_EQ(e.code, want.code) << text;
    EXPECT_EQ(e.type, "invalid_request_error") << text;
    EXPECT_FALSE(e.message.empty()) << text;
  }
}

TEST(ChatRequest, LimitsApply) {
  RequestLimits limits;
  limits.max_images = 1;
  limits.max_tokens = 10;
  ApiError e = fails(R"({"model": "m", "messages": [{"role": "user", "content": [
      {"type": "image_url", "image_url": {"url": "data:a"}}, {"type": "image_url", "image_url": {"url": "data:b"}}]}]})",
                     limits);
  EXPECT_EQ(e.code, "limit_exceeded");
  EXPECT_EQ(e.param, "messages[0].content[1]");
  e = fails(R"({"model": "m", "messages": [{"role": "user", "content": "x"}], "max_tokens": 11})", limits);
  EXPECT_EQ(e.param, "max_tokens");
  ok(R"({"model": "m", "messages": [{"role": "user", "content": "x"}], "max_tokens": 10})", limits);
}

TEST(ChatRequest, ErrorJsonHasTheOpenAIShape) {
  Json j = error_json(bad_request("bad", "", "invalid_value"));
  ASSERT_TRUE(j.contains("error"));
  EXPECT_EQ(j["error"]["message"], "bad");
  EXPECT_EQ(j["error"]["type"], "invalid_request_error");
  EXPECT_TRUE(j["error"]["param"].is_null());
  EXPECT_EQ(j["error"]["code"], "invalid_value");
  ApiError busy = error_from_status(resource_exhausted("full"));
  EXPECT_EQ(busy.http_status, 503);
  EXPECT_EQ(error_from_status(corrupt("bad png")).http_status, 400);
  EXPECT_EQ(error_from_status(internal_error("x")).http_status, 500);
}

}  // namespace
}  // namespace internvl::server
