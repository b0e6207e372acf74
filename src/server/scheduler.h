// The scheduler: one thread that owns a BatchRunner and runs every admitted request through it.
// Each request is its own group (so its answer equals its single run); decode steps of all
// running requests share one decoder call, and prompts are prefilled in chunks within a token
// budget per step, so a long image prompt does not stall the others' streams.
//
// Admission is bounded: at most max_batch requests run and max_queue more wait (media loading
// included); beyond that admit() refuses and the HTTP layer answers 503.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "internvl/engine.h"
#include "runtime/generate_types.h"
#include "server/api_error.h"
#include "server/metrics.h"

namespace internvl::server {

using Clock = std::chrono::steady_clock;

/// What the scheduler reports to a request.
struct RequestEvent {
  enum class Kind { kToken, kFinished, kError };
  Kind kind = Kind::kToken;
  TokenInfo token;            // kToken
  std::string text;           // kToken: newly completed text (may be empty); kFinished: the held-back tail
  std::string finish_reason;  // kFinished: "stop" or "length"
  std::int64_t prompt_tokens = 0, completion_tokens = 0;  // kFinished
  double queue_s = 0, ttft_s = 0;                          // kFinished: arrival -> batch, -> first token
  ApiError error;             // kError
};

/// Events from the scheduler thread to the request's HTTP thread, and cancellation back.
class RequestChannel {
 public:
  /// Waits up to `timeout` for events and moves them into *out; false if none came.
  bool wait(std::vector<RequestEvent>* out, std::chrono::milliseconds timeout);
  void push(RequestEvent ev);
  bool cancelled() const { return cancelled_.load(); }

 private:
  friend class Scheduler;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<RequestEvent> events_;
  std::atomic<bool> cancelled_{false};
};

/// One generation to run.
struct Job {
  runtime::PromptInput input;      // ids and precomputed image features
  runtime::GenerateParams params;
  std::vector<std::string> stop;   // stop strings
  Clock::time_point arrival = Clock::now();
  std::shared_ptr<RequestChannel> channel;
};

struct SchedulerOptions {
  int max_batch = 8;
  int max_queue = 64;
  std::int64_t prefill_chunk = 512;
};

class Scheduler;

/// A place in the scheduler, held from admission until the response is done.
class Admission {
 public:
  Admission() = default;
  explicit Admission(Scheduler* s) : s_(s) {}
  Admission(Admission&& o) noexcept : s_(o.s_) { o.s_ = nullptr; }
  Admission& operator=(Admission&&) = delete;
  Admission(const Admission&) = delete;
  ~Admission();

 private:
  Scheduler* s_ = nullptr;
};

class Scheduler {
 public:
  Scheduler(const Engine& engine, SchedulerOptions options, Metrics* metrics);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  /// A place for one more request, or nullopt when max_batch + max_queue are taken.
  std::optional<Admission> admit();
  /// Queues a job; its events arrive on job.channel. After stop(), the job fails at once.
  void submit(Job job);
  /// Asks the scheduler to end the request now and free its cache.
  void cancel(const std::shared_ptr<RequestChannel>& channel);
  /// Fails queued and running requests with 503 and joins the thread.
  void stop();

  int admitted() const { return admitted_.load(); }
  int running() const { return running_.load(); }
  int max_batch() const { return options_.max_batch; }

 private:
  friend class Admission;
  struct Active;
  void loop();
  void release() { admitted_--; }

  const Engine& engine_;
  SchedulerOptions options_;
  Metrics* metrics_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> pending_;
  bool stop_ = false;
  bool wake_ = false;  // a cancellation arrived
  std::atomic<int> admitted_{0};
  std::atomic<int> running_{0};
  std::thread thread_;
};

}  // namespace internvl::server
