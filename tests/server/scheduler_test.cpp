// The scheduler on the tiny checkpoint: concurrent requests decode in shared steps and each
// answer equals its single Engine::generate run; long image prompts prefill in chunks while
// other requests keep streaming; cancellation frees the request at once.
#include "server/scheduler.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "internvl/engine.h"
#include "server/prompt_builder.h"
#include "support/fixtures.h"

namespace internvl::server {
namespace {

using namespace std::chrono_literals;

const Engine& engine() {
  static std::unique_ptr<Engine> e = [] {
    EngineOptions o;
    o.model_dir = test::model_dir("tiny-internvl3-qwen2");
    auto r = Engine::load(o);
    if (!r.ok()) {
      ADD_FAILURE() << r.status().to_string();
      std::abort();
    }
    return std::move(r).value();
  }();
  return *e;
}

struct Collected {
  std::vector<std::int32_t> ids;
  std::vector<float> logprobs;
  std::string text, finish;
  std::vector<Clock::time_point> times;
  bool error = false;
};

Collected drain(RequestChannel& ch) {
  Collected c;
  std::vector<RequestEvent> evs;
  for (;;) {
    evs.clear();
    ch.wait(&evs, 50ms);
    for (auto& ev : evs) {
      if (ev.kind == RequestEvent::Kind::kToken) {
        c.ids.push_back(ev.token.id);
        c.logprobs.push_back(ev.token.logprob);
        c.text += ev.text;
        c.times.push_back(Clock::now());
      } else {
        c.text += ev.text;
        c.finish = ev.finish_reason;
        c.error = ev.kind == RequestEvent::Kind::kError;
        return c;
      }
    }
  }
}

ChatRequest text_request(const std::string& prompt, int max_tokens) {
  ChatRequest r;
  r.messages.push_back({"user", {{prompt, -1}}});
  r.max_tokens = max_tokens;
  return r;
}

Job job_of(PromptBuilder& builder, const ChatRequest& r) {
  PreparedPrompt p;
  auto e = builder.build(r, &p);
  EXPECT_FALSE(e) << (e ? e->message : "");
  Job j;
  j.input = std::move(p.input);
  j.params = std::move(p.params);
  j.stop = std::move(p.stop);
  j.channel = std::make_shared<RequestChannel>();
  return j;
}

TEST(Scheduler, ConcurrentRequestsBatchAndEqualTheirSingleRuns) {
  Metrics metrics;
  MediaCache cache(64 << 20);
  PromptBuilder builder(engine(), RequestLimits{}, &cache, 1);
  Scheduler sched(engine(), SchedulerOptions{4, 8, 256}, &metrics);
  const std::vector<std::string> prompts = {"Write a haiku", "Tell me a story about a fox", "Count to ten",
                                            "What is the capital of France?"};
  std::vector<std::shared_ptr<RequestChannel>> channels;
  std::vector<Admission> admissions;
  for (const auto& p : prompts) {
    auto a = sched.admit();
    ASSERT_TRUE(a.has_value());
    admissions.push_back(std::move(*a));
    Job j = job_of(builder, text_request(p, 40));
    channels.push_back(j.channel);
    sched.submit(std::move(j));
  }
  for (std::size_t i = 0; i < prompts.size(); ++i) {
    Collected got = drain(*channels[i]);
    ASSERT_FALSE(got.error);
    GenerationOptions o;
    o.max_new_tokens = 40;
    auto want = engine().generate({Message{"user", {ContentPart::text_part(prompts[i])}}}, o);
    ASSERT_TRUE(want.ok());
    EXPECT_EQ(got.ids, want->token_ids) << prompts[i];
    EXPECT_EQ(got.text, want->text) << prompts[i];
    EXPECT_EQ(got.finish, want->finish_reason) << prompts[i];
    for (std::size_t k = 0; k < std::min(got.logprobs.size(), want->tokens.size()); ++k) {
      EXPECT_NEAR(got.logprobs[k], want->tokens[k].logprob, 1e-3) << prompts[i] << " step " << k;
    }
  }
  std::string text = metrics.render({});
  // Some step decoded more than one sequence: the le="1" bucket is below the total count.
  auto value = [&](const std::string& key) {
    auto p = text.find(key + " ");
    EXPECT_NE(p, std::string::npos) << key;
    return std::stoll(text.substr(p + key.size() + 1));
  };
  EXPECT_GT(value("internvl_decode_batch_size_count"), value("internvl_decode_batch_size_bucket{le=\"1\"}"));
  EXPECT_EQ(sched.running(), 0);
}

TEST(Scheduler, LongImagePromptDoesNotStallAnotherStream) {
  MediaCache cache(64 << 20);
  RequestLimits limits;
  limits.file_root = test::fixture_path("images");
  PromptBuilder builder(engine(), limits, &cache, 1);
  Scheduler sched(engine(), SchedulerOptions{4, 8, /*prefill_chunk=*/64}, nullptr);
  // B: 9 tiles, about 2.3k prompt tokens (its vision features are computed here, up front).
  ChatRequest b;
  b.media.push_back({MediaRef::Kind::kImage, "file://" + test::fixture_path("images/wide_1920x1080.jpg"), {}, 0, "b"});
  b.messages.push_back({"user", {{"", 0}, {"Describe it.", -1}}});
  b.max_tokens = 4;
  Job bj = job_of(builder, b);
  ASSERT_GT(bj.input.ids.size(), 2000u);
  auto bch = bj.channel;
  // A streams; once it has produced a token, B arrives.
  Job a = job_of(builder, text_request("Tell me a long story", 3000));
  auto ach = a.channel;
  sched.submit(std::move(a));
  std::vector<Clock::time_point> a_times;  // when each of A's tokens arrived
  std::atomic<bool> a_done{false};
  std::atomic<int> a_count{0};
  std::thread a_reader([&] {
    std::vector<RequestEvent> evs;
    while (!a_done) {
      evs.clear();
      ach->wait(&evs, 20ms);
      for (auto& ev : evs) {
        if (ev.kind == RequestEvent::Kind::kToken) {
          a_times.push_back(Clock::now());
          a_count++;
        }
      }
    }
  });
  while (a_count == 0) std::this_thread::sleep_for(1ms);
  const Clock::time_point b_sent = Clock::now();
  sched.submit(std::move(bj));
  Collected bgot = drain(*bch);
  sched.cancel(ach);
  a_done = true;
  a_reader.join();
  ASSERT_FALSE(bgot.error);
  ASSERT_FALSE(bgot.times.empty());
  int a_during_b_prefill = 0;
  for (auto t : a_times) a_during_b_prefill += t > b_sent && t < bgot.times.front();
  // B needs about 2300 / 64 = 36 steps of prefill; A decodes one token in each of them.
  EXPECT_GE(a_during_b_prefill, 20);
}

TEST(Scheduler, CancelStopsTheRequestAndFreesItsPlace) {
  MediaCache cache(0);
  PromptBuilder builder(engine(), RequestLimits{}, &cache, 1);
  Metrics metrics;
  Scheduler sched(engine(), SchedulerOptions{1, 0, 256}, &metrics);
  auto adm = sched.admit();
  ASSERT_TRUE(adm.has_value());
  EXPECT_FALSE(sched.admit().has_value());  // max_batch 1 + max_queue 0: full
  Job j = job_of(builder, text_request("Tell me a long story", 2000));
  auto ch = j.channel;
  sched.submit(std::move(j));
  std::vector<RequestEvent> evs;
  while (evs.size() < 3) ch->wait(&evs, 50ms);
  sched.cancel(ch);
  for (int i = 0; i < 100 && sched.running() != 0; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(sched.running(), 0);
  evs.clear();
  ch->wait(&evs, 100ms);  // at most the tokens of the step in flight
  EXPECT_LE(evs.size(), 1u);
  EXPECT_NE(metrics.render({}).find("internvl_requests_cancelled_total 1\n"), std::string::npos);
  { Admission released = std::move(*adm); }
  EXPECT_TRUE(sched.admit().has_value());
  // The next request runs normally.
  Job k = job_of(builder, text_request("Write a haiku", 5));
  auto kch = k.channel;
  sched.submit(std::move(k));
  Collected got = drain(*kch);
  EXPECT_EQ(got.ids.size(), 5u);
}

TEST(Scheduler, CancelWhileQueuedDropsTheJob) {
  MediaCache cache(0);
  PromptBuilder builder(engine(), RequestLimits{}, &cache, 1);
  Metrics metrics;
  Scheduler sched(engine(), SchedulerOptions{1, 4, 256}, &metrics);
  Job a = job_of(builder, text_request("Tell me a long story", 300));
  Job b = job_of(builder, text_request("Write a haiku", 5));
  auto ach = a.channel, bch = b.channel;
  sched.submit(std::move(a));
  sched.submit(std::move(b));  // waits: max_batch is 1
  sched.cancel(bch);
  Collected got = drain(*ach);  // A is not disturbed
  EXPECT_FALSE(got.error);
  EXPECT_FALSE(got.ids.empty());
  std::vector<RequestEvent> evs;
  EXPECT_FALSE(bch->wait(&evs, 100ms));  // B never ran
  EXPECT_NE(metrics.render({}).find("internvl_requests_cancelled_total 1\n"), std::string::npos);
}

TEST(Scheduler, StopFailsWaitingRequestsWith503) {
  MediaCache cache(0);
  PromptBuilder builder(engine(), RequestLimits{}, &cache, 1);
  auto sched = std::make_unique<Scheduler>(engine(), SchedulerOptions{1, 4, 256}, nullptr);
  Job a = job_of(builder, text_request("Tell me a long story", 3000));
  Job b = job_of(builder, text_request("Write a haiku", 5));
  auto ach = a.channel, bch = b.channel;
  sched->submit(std::move(a));
  sched->submit(std::move(b));
  sched->stop();
  Collected ga = drain(*ach), gb = drain(*bch);
  EXPECT_TRUE(ga.error);
  EXPECT_TRUE(gb.error);
  Job c = job_of(builder, text_request("x", 1));
  auto cch = c.channel;
  sched->submit(std::move(c));
  EXPECT_TRUE(drain(*cch).error);
}

}  // namespace
}  // namespace internvl::server
