// The server's small parts: image cache (hash, LRU, budget), metrics text, response/SSE
// objects, and the serve flags.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "server/chat_response.h"
#include "server/media_cache.h"
#include "server/metrics.h"
#include "server/serve_options.h"

namespace internvl::server {
namespace {

std::shared_ptr<const EncodedMedia> media_of(std::int64_t floats) {
  auto m = std::make_shared<EncodedMedia>();
  m->n_tiles = 1;
  m->features = Tensor::zeros(DType::kF32, {floats});
  return m;
}

TEST(MediaCache, Sha256MatchesKnownVectors) {
  EXPECT_EQ(content_hash(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(content_hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(MediaCache, HitsMissesAndLeastRecentlyUsedEviction) {
  MediaCache cache(3 * 400);  // room for three entries of 100 floats
  EXPECT_EQ(cache.get("a"), nullptr);
  cache.put("a", media_of(100));
  cache.put("b", media_of(100));
  cache.put("c", media_of(100));
  EXPECT_NE(cache.get("a"), nullptr);  // a is now the most recent; b the least
  cache.put("d", media_of(100));
  EXPECT_EQ(cache.get("b"), nullptr);
  EXPECT_NE(cache.get("a"), nullptr);
  EXPECT_NE(cache.get("c"), nullptr);
  EXPECT_NE(cache.get("d"), nullptr);
  MediaCacheStats s = cache.stats();
  EXPECT_EQ(s.hits, 4);
  EXPECT_EQ(s.misses, 2);
  EXPECT_EQ(s.evictions, 1);
  EXPECT_EQ(s.entries, 3);
  EXPECT_EQ(s.bytes, 1200u);
  cache.put("huge", media_of(1000));  // larger than the budget: not kept, nothing evicted
  EXPECT_EQ(cache.get("huge"), nullptr);
  EXPECT_EQ(cache.stats().entries, 3);
}

TEST(MediaCache, ConcurrentMissesOfOneKeyEncodeOnce) {
  MediaCache cache(1 << 20);
  std::atomic<int> calls{0};
  auto encode = [&] {
    calls++;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    return media_of(10);
  };
  std::vector<std::shared_ptr<const EncodedMedia>> got(4);
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) threads.emplace_back([&, i] { got[static_cast<std::size_t>(i)] = cache.get_or_encode("k", encode); });
  for (auto& t : threads) t.join();
  EXPECT_EQ(calls.load(), 1);
  for (const auto& g : got) EXPECT_EQ(g, got[0]);
  EXPECT_EQ(cache.stats().misses, 1);
  EXPECT_EQ(cache.stats().hits, 3);
  EXPECT_EQ(cache.find("k"), got[0]);
}

TEST(MediaCache, AFailedEncodeIsRetriedByTheNextCaller) {
  MediaCache cache(1 << 20);
  EXPECT_EQ(cache.get_or_encode("k", [] { return std::shared_ptr<const EncodedMedia>(); }), nullptr);
  EXPECT_EQ(cache.find("k"), nullptr);
  EXPECT_NE(cache.get_or_encode("k", [] { return media_of(1); }), nullptr);
  EXPECT_EQ(cache.stats().misses, 2);
}

TEST(MediaCache, ZeroBudgetKeepsNothing) {
  MediaCache cache(0);
  cache.put("a", media_of(1));
  EXPECT_EQ(cache.get("a"), nullptr);
}

TEST(Metrics, HistogramsAreCumulativeAndGaugesRendered) {
  Metrics m;
  m.observe_step(1, 100);
  m.observe_step(3, 0);
  m.observe_step(4, 0);
  m.observe_step(0, 50);  // prefill only: no decode batch
  m.count_request("chat_completions", 200);
  m.count_request("chat_completions", 400);
  m.count_request("chat_completions", 400);
  m.observe_completion(10, 5, 0.2, 0.05, 0.01);
  MetricsSnapshot g;
  g.queued = 2;
  g.running = 3;
  g.cache.hits = 7;
  std::string text = m.render(g);
  for (const char* line : {"internvl_decode_batch_size_bucket{le=\"1\"} 1\n",
                           "internvl_decode_batch_size_bucket{le=\"3\"} 2\n",
                           "internvl_decode_batch_size_bucket{le=\"4\"} 3\n",
                           "internvl_decode_batch_size_bucket{le=\"+Inf\"} 3\n",
                           "internvl_decode_batch_size_count 3\n", "internvl_decode_batch_size_sum 8\n",
                           "internvl_requests_total{endpoint=\"chat_completions\",code=\"400\"} 2\n",
                           "internvl_queue_length 2\n", "internvl_requests_running 3\n",
                           "internvl_prefill_tokens_total 150\n", "internvl_image_cache_hits_total 7\n",
                           "internvl_generation_tokens_total 5\n", "internvl_request_duration_seconds_count 1\n",
                           "# TYPE internvl_time_to_first_token_seconds histogram\n"}) {
    EXPECT_NE(text.find(line), std::string::npos) << line;
  }
}

TEST(ChatResponse, ChunksAndCompletionsHaveTheOpenAIShape) {
  CompletionMeta meta = new_completion_meta("tiny");
  EXPECT_EQ(meta.id.rfind("chatcmpl-", 0), 0u);
  EXPECT_NE(meta.id, new_completion_meta("tiny").id);
  Json c = completion_json(meta, "hi", "stop", nullptr, usage_json(3, 2));
  EXPECT_EQ(c["object"], "chat.completion");
  EXPECT_EQ(c["choices"][0]["message"]["content"], "hi");
  EXPECT_EQ(c["choices"][0]["finish_reason"], "stop");
  EXPECT_TRUE(c["choices"][0]["logprobs"].is_null());
  EXPECT_EQ(c["usage"]["total_tokens"], 5);
  Json k = chunk_json(meta, Json{{"content", "x"}}, nullptr, nullptr, true);
  EXPECT_EQ(k["object"], "chat.completion.chunk");
  EXPECT_TRUE(k["usage"].is_null());
  EXPECT_TRUE(k["choices"][0]["finish_reason"].is_null());
  Json u = usage_chunk_json(meta, usage_json(1, 1));
  EXPECT_TRUE(u["choices"].empty());
  EXPECT_EQ(sse_event(Json{{"a", 1}}), "data: {\"a\":1}\n\n");
  EXPECT_EQ(sse_done(), "data: [DONE]\n\n");
}

TEST(ServeOptions, FlagsAndErrors) {
  bool help = false;
  auto c = parse_serve_args({"-m", "/models/InternVL3-1B-hf/", "--port=0", "--max-batch", "4", "--ctx", "2048",
                             "--api-key", "k", "--max-tokens", "64", "--no-remote-urls", "--image-cache-mb", "0"},
                            &help);
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  EXPECT_EQ(c->engine.model_dir, "/models/InternVL3-1B-hf/");
  EXPECT_EQ(c->model_name, "InternVL3-1B-hf");
  EXPECT_EQ(c->host, "127.0.0.1");
  EXPECT_EQ(c->port, 0);
  EXPECT_EQ(c->max_batch, 4);
  EXPECT_EQ(c->engine.context_limit, 2048);
  EXPECT_EQ(c->api_key, "k");
  EXPECT_EQ(c->limits.max_tokens, 64);
  EXPECT_FALSE(c->limits.allow_remote_urls);
  EXPECT_EQ(c->image_cache_bytes, 0u);
  // The model flags come from the options registry shared with the `internvl` program.
  auto r = parse_serve_args({"-m", "d", "-t", "2", "--context-limit", "1000", "--quant", "q8"}, &help);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->engine.threads, 2);
  EXPECT_EQ(r->engine.context_limit, 1000);
  EXPECT_EQ(r->engine.quant, "q8");
  EXPECT_FALSE(parse_serve_args({"-m", "d", "--quant", "q3"}, &help).ok());
  EXPECT_FALSE(parse_serve_args({"--port", "1"}, &help).ok());                  // no model
  EXPECT_FALSE(parse_serve_args({"-m", "d", "--port", "70000"}, &help).ok());  // out of range
  EXPECT_FALSE(parse_serve_args({"-m", "d", "--max-batch", "x"}, &help).ok());
  EXPECT_FALSE(parse_serve_args({"-m", "d", "--bogus"}, &help).ok());
  EXPECT_FALSE(parse_serve_args({"-m", "d", "--port"}, &help).ok());           // missing value
  EXPECT_FALSE(parse_serve_args({"-m", "d", "--media-dir", "/no/such/dir"}, &help).ok());
  EXPECT_FALSE(parse_serve_args({"-m", "d", "--video-frames", "40"}, &help).ok());  // above the max
  ASSERT_TRUE(parse_serve_args({"--help"}, &help).ok());
  EXPECT_TRUE(help);
  EXPECT_NE(serve_usage().find("--max-batch"), std::string::npos);
}

}  // namespace
}  // namespace internvl::server
