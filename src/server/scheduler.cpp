#include "server/scheduler.h"

#include <exception>
#include <map>

#include "core/log.h"
#include "core/parallel.h"
#include "runtime/batch_runner.h"
#include "runtime/engine_impl.h"

namespace internvl::server {

namespace {

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

RequestEvent error_event(int http_status, std::string message, std::string code) {
  RequestEvent ev;
  ev.kind = RequestEvent::Kind::kError;
  ev.error.http_status = http_status;
  ev.error.message = std::move(message);
  ev.error.type = http_status >= 500 ? "server_error" : "invalid_request_error";
  ev.error.code = std::move(code);
  return ev;
}

}  // namespace

// ---- RequestChannel ----

bool RequestChannel::wait(std::vector<RequestEvent>* out, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  if (!cv_.wait_for(lock, timeout, [&] { return !events_.empty(); })) return false;
  while (!events_.empty()) {
    out->push_back(std::move(events_.front()));
    events_.pop_front();
  }
  return true;
}

void RequestChannel::push(RequestEvent ev) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    events_.push_back(std::move(ev));
  }
  cv_.notify_one();
}

// ---- Admission ----

Admission::~Admission() {
  if (s_) s_->release();
}

// ---- Scheduler ----

struct Scheduler::Active {
  Job job;
  runtime::TextStream stream;
  std::int64_t prompt_tokens = 0, generated = 0;
  double queue_s = 0, ttft_s = 0;
  Active(Job j, const tokenizer::Tokenizer& tok) : job(std::move(j)), stream(tok, job.stop) {}
};

Scheduler::Scheduler(const Engine& engine, SchedulerOptions options, Metrics* metrics)
    : engine_(engine), options_(options), metrics_(metrics) {
  thread_ = std::thread([this] { loop(); });
}

Scheduler::~Scheduler() { stop(); }

std::optional<Admission> Scheduler::admit() {
  const int cap = options_.max_batch + options_.max_queue;
  int cur = admitted_.load();
  while (cur < cap) {
    if (admitted_.compare_exchange_weak(cur, cur + 1)) return std::optional<Admission>(std::in_place, this);
  }
  return std::nullopt;
}

void Scheduler::submit(Job job) {
  std::unique_lock<std::mutex> lock(mu_);
  if (stop_) {
    lock.unlock();
    job.channel->push(error_event(503, "the server is shutting down", "shutting_down"));
    return;
  }
  pending_.push_back(std::move(job));
  lock.unlock();
  cv_.notify_one();
}

void Scheduler::cancel(const std::shared_ptr<RequestChannel>& channel) {
  channel->cancelled_ = true;
  {
    std::lock_guard<std::mutex> lock(mu_);
    wake_ = true;
  }
  cv_.notify_one();
}

void Scheduler::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stop_ && !thread_.joinable()) return;
    stop_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void Scheduler::loop() {
  const Engine::Impl& impl = engine_.impl();
  set_num_threads(impl.options.threads);  // OpenMP's thread count is per thread: set it for this one
  const tokenizer::Tokenizer& tok = impl.processor->tokenizer();
  runtime::RunnerOptions ropts;
  ropts.max_prefill_tokens = options_.prefill_chunk;
  auto runner = std::make_unique<runtime::BatchRunner>(*impl.model, ropts);
  std::map<runtime::SeqId, std::unique_ptr<Active>> active;

  auto fail_all = [&](int http_status, const std::string& message, const char* code) {
    for (auto& [seq, a] : active) a->job.channel->push(error_event(http_status, message, code));
    active.clear();
    running_ = 0;
  };

  for (;;) {
    std::vector<Job> joining;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stop_ || wake_ || !pending_.empty() || !active.empty(); });
      wake_ = false;
      if (stop_) {
        for (auto& j : pending_) j.channel->push(error_event(503, "the server is shutting down", "shutting_down"));
        pending_.clear();
        lock.unlock();
        fail_all(503, "the server is shutting down", "shutting_down");
        return;
      }
      // Waiting jobs whose client left go now (they hold their image features).
      for (auto it = pending_.begin(); it != pending_.end();) {
        if (!it->channel->cancelled()) {
          ++it;
          continue;
        }
        if (metrics_) metrics_->count_cancelled();
        it = pending_.erase(it);
      }
      while (!pending_.empty() && static_cast<int>(active.size() + joining.size()) < options_.max_batch) {
        joining.push_back(std::move(pending_.front()));
        pending_.pop_front();
      }
    }
    try {
      // ---- join: each request is a group of one ----
      for (Job& job : joining) {
        if (job.channel->cancelled()) {
          if (metrics_) metrics_->count_cancelled();
          continue;
        }
        if (job.params.max_new_tokens < 1) {  // the runner would end it without an event
          job.channel->push(error_event(400, "max_tokens must be at least 1", "invalid_value"));
          continue;
        }
        const double queue_s = seconds_since(job.arrival);
        const auto prompt_tokens = static_cast<std::int64_t>(job.input.ids.size());
        auto ids = runner->add_group({job.input}, job.params);
        if (!ids.ok()) {
          ApiError e = error_from_status(ids.status());
          job.channel->push(error_event(e.http_status, e.message, e.code));
          continue;
        }
        job.input = runtime::PromptInput{};  // the runner holds its own copies
        auto a = std::make_unique<Active>(std::move(job), tok);
        a->queue_s = queue_s;
        a->prompt_tokens = prompt_tokens;
        active.emplace(ids->front(), std::move(a));
      }
      // ---- cancellations: free the cache now ----
      for (auto it = active.begin(); it != active.end();) {
        if (!it->second->job.channel->cancelled()) {
          ++it;
          continue;
        }
        runner->finish(it->first, runtime::FinishReason::kCancelled);
        if (metrics_) metrics_->count_cancelled();
        it = active.erase(it);
      }
      running_ = static_cast<int>(active.size());
      if (!runner->has_work()) {
        // Every running request has a sequence in the runner; if not, do not spin on them.
        if (!active.empty()) fail_all(500, "internal error: the request lost its sequence", "internal_error");
        continue;
      }

      // ---- one step over every running request ----
      const std::int64_t prefill_before = runner->stats().prefill_tokens;
      std::vector<runtime::RunnerEvent> events = runner->step();
      if (metrics_) {
        metrics_->observe_step(runner->stats().last_decode_batch, runner->stats().prefill_tokens - prefill_before);
      }
      for (auto& ev : events) {
        auto it = active.find(ev.seq);
        if (it == active.end()) continue;
        Active& a = *it->second;
        if (a.generated == 0) a.ttft_s = seconds_since(a.job.arrival);
        a.generated++;
        RequestEvent out;
        out.token.id = ev.token.token;
        out.token.logprob = ev.token.logprob;
        out.token.top_logprobs = std::move(ev.token.top);
        bool stopped = false;
        out.text = a.stream.push(ev.token.token, &stopped);
        a.job.channel->push(std::move(out));
        if (!ev.finished && !stopped) continue;
        if (!ev.finished) runner->finish(ev.seq, runtime::FinishReason::kStopped);
        RequestEvent done;
        done.kind = RequestEvent::Kind::kFinished;
        done.text = stopped ? std::string() : a.stream.flush();
        done.finish_reason = stopped || ev.finish == runtime::FinishReason::kEos ? "stop" : "length";
        done.prompt_tokens = a.prompt_tokens;
        done.completion_tokens = a.generated;
        done.queue_s = a.queue_s;
        done.ttft_s = a.ttft_s;
        // Leave the running set before the answer is released, so a client that reads /metrics
        // right after its answer never sees itself still running.
        std::shared_ptr<RequestChannel> channel = a.job.channel;
        active.erase(it);
        running_ = static_cast<int>(active.size());
        channel->push(std::move(done));
      }
      running_ = static_cast<int>(active.size());
    } catch (const std::exception& e) {
      // Out of memory inside a step: the runner's state is unknown, so start over with a new one.
      log_warn("scheduler: ", e.what(), "; failing the running requests");
      const std::string message = std::string("generation failed: ") + e.what();
      fail_all(500, message, "internal_error");
      for (Job& j : joining) {  // not yet running (moved-from jobs have no channel)
        if (j.channel) j.channel->push(error_event(500, message, "internal_error"));
      }
      runner = std::make_unique<runtime::BatchRunner>(*impl.model, ropts);
    }
  }
}

}  // namespace internvl::server
