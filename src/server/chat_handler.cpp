#include "server/chat_handler.h"

#include <chrono>
#include <functional>
#include <memory>

#include "core/json.h"
#include "runtime/engine_impl.h"
#include "server/chat_request.h"
#include "server/chat_response.h"
#include "server/connection_watch.h"

namespace internvl::server {

void send_error(httplib::Response& res, const ApiError& error) {
  res.status = error.http_status;
  res.set_content(dump_json(error_json(error)), "application/json");
}

namespace {

using namespace std::chrono_literals;

enum class Outcome { kFinished, kError, kClientGone };

/// Feeds the request's events to `on_event` until it finishes or fails. Returns kClientGone as
/// soon as on_event or `heartbeat` reports a failed write, or the client's socket closes.
Outcome pump(RequestChannel& channel, const ConnectionWatch& watch,
             const std::function<bool(const RequestEvent&)>& on_event, const std::function<bool()>& heartbeat) {
  std::vector<RequestEvent> events;
  auto last_check = Clock::now();
  for (;;) {
    events.clear();
    const bool got = channel.wait(&events, 100ms);
    for (const RequestEvent& ev : events) {
      if (!on_event(ev)) return Outcome::kClientGone;
      if (ev.kind == RequestEvent::Kind::kFinished) return Outcome::kFinished;
      if (ev.kind == RequestEvent::Kind::kError) return Outcome::kError;
    }
    if (!got || Clock::now() - last_check > 100ms) {
      last_check = Clock::now();
      if (watch.client_closed()) return Outcome::kClientGone;
      if (!got && heartbeat && !heartbeat()) return Outcome::kClientGone;
    }
  }
}

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

/// Everything a streaming response needs after the handler has returned.
struct StreamState {
  Admission admission;
  std::shared_ptr<RequestChannel> channel = std::make_shared<RequestChannel>();
  ChatRequest request;
  CompletionMeta meta;
  Clock::time_point arrival;
  std::unique_ptr<ConnectionWatch> watch;
  bool done = false;
  explicit StreamState(Admission a) : admission(std::move(a)) {}
};

}  // namespace

ChatHandler::ChatHandler(const Engine& engine, const ServerConfig& config, Scheduler* scheduler,
                         PromptBuilder* builder, Metrics* metrics)
    : engine_(engine), config_(config), scheduler_(scheduler), builder_(builder), metrics_(metrics) {}

void ChatHandler::handle(const httplib::Request& req, httplib::Response& res) {
  const Clock::time_point arrival = Clock::now();
  // ---- body -> ChatRequest ----
  auto body = parse_json(req.body, "request body");
  if (!body.ok()) return send_error(res, bad_request(body.status().message(), "", "invalid_json"));
  ChatRequest request;
  if (auto e = parse_chat_request(*body, config_.limits, &request)) return send_error(res, *e);

  // ---- a place in the scheduler ----
  std::optional<Admission> admission = scheduler_->admit();
  if (!admission) {
    ApiError e;
    e.http_status = 503;
    e.type = "server_error";
    e.code = "overloaded";
    e.message = "the server is busy: all batch and queue places are taken; retry later";
    res.set_header("Retry-After", "1");
    return send_error(res, e);
  }
  auto state = std::make_shared<StreamState>(std::move(*admission));
  state->arrival = arrival;
  state->meta = new_completion_meta(config_.model_name);

  // ---- prompt: media, cache, template, vision features ----
  PreparedPrompt prepared;
  if (auto e = builder_->build(request, &prepared)) return send_error(res, *e);
  state->watch = std::make_unique<ConnectionWatch>(req.remote_addr, req.remote_port, req.local_port);
  if (state->watch->client_closed()) {  // gave up while its media were loading
    metrics_->count_cancelled();
    res.status = 499;
    return;
  }
  Job job;
  job.input = std::move(prepared.input);
  job.params = std::move(prepared.params);
  job.stop = std::move(prepared.stop);
  job.arrival = arrival;
  job.channel = state->channel;
  scheduler_->submit(std::move(job));
  state->request = std::move(request);

  const tokenizer::Tokenizer* tok = &engine_.impl().processor->tokenizer();
  const LogprobFormat lpf{state->request.options.top_logprobs, state->request.tokens_as_ids};
  Metrics* metrics = metrics_;
  auto finished = [metrics, state](const RequestEvent& ev) {
    metrics->observe_completion(ev.prompt_tokens, ev.completion_tokens, seconds_since(state->arrival), ev.ttft_s,
                                ev.queue_s);
  };

  if (!state->request.stream) {
    // ---- one JSON answer ----
    std::string text, finish_reason;
    Json logprobs = state->request.logprobs ? Json::array() : Json(nullptr);
    Json usage;
    ApiError error;
    auto on_event = [&](const RequestEvent& ev) {
      switch (ev.kind) {
        case RequestEvent::Kind::kToken:
          text += ev.text;
          if (state->request.logprobs) logprobs.push_back(logprob_entry(*tok, ev.token, lpf));
          break;
        case RequestEvent::Kind::kFinished:
          text += ev.text;
          finish_reason = ev.finish_reason;
          usage = usage_json(ev.prompt_tokens, ev.completion_tokens);
          finished(ev);
          break;
        case RequestEvent::Kind::kError:
          error = ev.error;
          break;
      }
      return true;
    };
    Outcome o = pump(*state->channel, *state->watch, on_event, {});
    if (o == Outcome::kClientGone) {
      scheduler_->cancel(state->channel);
      res.status = 499;
      return;
    }
    if (o == Outcome::kError) return send_error(res, error);
    res.set_content(dump_json(completion_json(state->meta, text, finish_reason, std::move(logprobs), std::move(usage))),
                    "application/json");
    return;
  }

  // ---- server-sent events ----
  res.set_header("Cache-Control", "no-cache");
  res.set_header("X-Accel-Buffering", "no");
  Scheduler* scheduler = scheduler_;
  res.set_chunked_content_provider(
      "text/event-stream",
      [state, tok, lpf, finished, scheduler](std::size_t, httplib::DataSink& sink) {
        const ChatRequest& r = state->request;
        auto write = [&](const std::string& s) { return sink.write(s.data(), s.size()); };
        auto content_chunk = [&](const std::string& text, Json logprobs) {
          return write(sse_event(chunk_json(state->meta, Json{{"content", text}}, std::move(logprobs), nullptr,
                                            r.include_usage)));
        };
        bool ok = write(sse_event(chunk_json(state->meta, Json{{"role", "assistant"}, {"content", ""}}, nullptr,
                                             nullptr, r.include_usage)));
        auto on_event = [&](const RequestEvent& ev) {
          switch (ev.kind) {
            case RequestEvent::Kind::kToken:
              if (ev.text.empty() && !r.logprobs) return true;
              return content_chunk(ev.text, r.logprobs ? Json::array({logprob_entry(*tok, ev.token, lpf)}) : Json());
            case RequestEvent::Kind::kFinished:
              state->done = true;
              finished(ev);
              if (!ev.text.empty() && !content_chunk(ev.text, r.logprobs ? Json::array() : Json())) return false;
              if (!write(sse_event(chunk_json(state->meta, Json::object(), nullptr, ev.finish_reason, r.include_usage)))) {
                return false;
              }
              if (r.include_usage &&
                  !write(sse_event(usage_chunk_json(state->meta, usage_json(ev.prompt_tokens, ev.completion_tokens))))) {
                return false;
              }
              return write(sse_done());
            case RequestEvent::Kind::kError:
              state->done = true;
              return write(sse_event(error_json(ev.error)));
          }
          return true;
        };
        // Without the socket (not found), a comment line every 100 ms finds a gone client.
        std::function<bool()> heartbeat;
        if (!state->watch->valid()) heartbeat = [&] { return write(": ping\n\n"); };
        Outcome o = ok ? pump(*state->channel, *state->watch, on_event, heartbeat) : Outcome::kClientGone;
        if (o == Outcome::kClientGone) {
          state->done = true;
          scheduler->cancel(state->channel);
          return false;
        }
        sink.done();
        return true;
      },
      [state, scheduler](bool) {
        if (!state->done) scheduler->cancel(state->channel);
      });
}

}  // namespace internvl::server
