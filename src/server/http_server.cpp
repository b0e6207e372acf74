#include "server/http_server.h"

#include <sys/socket.h>

#include <chrono>
#include <csignal>
#include <exception>

#include <httplib.h>

#include "core/log.h"
#include "core/str.h"
#include "server/chat_handler.h"
#include "server/metrics.h"
#include "server/prompt_builder.h"
#include "server/scheduler.h"

namespace internvl::server {

namespace {

/// httplib's server with a deeper accept backlog: the library listens with a backlog of 5,
/// which drops connection bursts (32 clients at once) into SYN retries of a second or more.
class Listener : public httplib::Server {
 public:
  void deepen_backlog() { ::listen(svr_sock_, 512); }
};

/// Constant-time comparison of equal-length strings, so a key cannot be found byte by byte from
/// response times (its length may leak).
bool same_secret(std::string_view a, std::string_view b) {
  if (a.size() != b.size() || b.empty()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

std::string endpoint_name(const std::string& path) {
  if (path == "/v1/chat/completions") return "chat_completions";
  if (starts_with(path, "/v1/models")) return "models";
  if (path == "/health") return "health";
  if (path == "/metrics") return "metrics";
  return "other";
}

}  // namespace

struct HttpServer::State {
  const Engine& engine;
  ServerConfig config;
  Metrics metrics;
  MediaCache cache;
  Scheduler scheduler;
  PromptBuilder builder;
  ChatHandler chat;
  Listener http;
  std::int64_t created = 0;
  State(const Engine& e, ServerConfig c)
      : engine(e), config(std::move(c)), cache(config.image_cache_bytes),
        scheduler(e, SchedulerOptions{config.max_batch, config.max_queue, config.prefill_chunk}, &metrics),
        builder(e, config.limits, &cache, config.vision_workers),
        chat(e, config, &scheduler, &builder, &metrics) {}
};

HttpServer::HttpServer(const Engine& engine, ServerConfig config) : s_(std::make_unique<State>(engine, std::move(config))) {
  // httplib writes without MSG_NOSIGNAL: a client that goes away must not kill the process.
  std::signal(SIGPIPE, SIG_IGN);
  State& s = *s_;
  s.created = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
                  .count();
  const ServerConfig& cfg = s.config;
  const int threads = cfg.http_threads > 0 ? cfg.http_threads : cfg.max_batch + cfg.max_queue + 16;
  s.http.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<std::size_t>(threads)); };
  s.http.set_payload_max_length(cfg.limits.max_body_bytes);
  s.http.set_keep_alive_max_count(10'000);
  s.http.set_keep_alive_timeout(cfg.keep_alive_s);
  s.http.set_read_timeout(30, 0);
  s.http.set_write_timeout(30, 0);
  s.http.set_tcp_nodelay(true);

  // ---- auth: everything but /health needs the bearer token when one is set ----
  s.http.set_pre_routing_handler([&s](const httplib::Request& req, httplib::Response& res) {
    if (s.config.api_key.empty() || req.path == "/health") return httplib::Server::HandlerResponse::Unhandled;
    const std::string auth = req.get_header_value("Authorization");
    const std::string_view prefix = "Bearer ";
    if (starts_with(auth, prefix) && same_secret(std::string_view(auth).substr(prefix.size()), s.config.api_key)) {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    ApiError e;
    e.http_status = 401;
    e.message = auth.empty() ? "missing API key: send 'Authorization: Bearer <key>'" : "invalid API key";
    e.code = "invalid_api_key";
    res.set_header("WWW-Authenticate", "Bearer");
    send_error(res, e);
    return httplib::Server::HandlerResponse::Handled;
  });

  // ---- routes ----
  s.http.Get("/health", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"status":"ok"})", "application/json");
  });
  auto model_json = [&s] {
    return Json{{"id", s.config.model_name}, {"object", "model"}, {"created", s.created}, {"owned_by", "internvl.cpp"}};
  };
  s.http.Get("/v1/models", [model_json](const httplib::Request&, httplib::Response& res) {
    res.set_content(dump_json(Json{{"object", "list"}, {"data", Json::array({model_json()})}}), "application/json");
  });
  s.http.Get("/v1/models/(.+)", [&s, model_json](const httplib::Request& req, httplib::Response& res) {
    if (req.matches[1] != s.config.model_name) {
      ApiError e;
      e.http_status = 404;
      e.message = str_cat("the model ", quote_for_message(req.matches[1].str()), " does not exist");
      e.param = "model";
      e.code = "model_not_found";
      return send_error(res, e);
    }
    res.set_content(dump_json(model_json()), "application/json");
  });
  s.http.Get("/metrics", [&s](const httplib::Request&, httplib::Response& res) {
    MetricsSnapshot g;
    g.running = s.scheduler.running();
    g.queued = std::max(0, s.scheduler.admitted() - g.running);
    g.cache = s.cache.stats();
    res.set_content(s.metrics.render(g), "text/plain; version=0.0.4");
  });
  s.http.Post("/v1/chat/completions",
              [&s](const httplib::Request& req, httplib::Response& res) { s.chat.handle(req, res); });

  // ---- errors: every 4xx/5xx body is an OpenAI error object ----
  s.http.set_error_handler(httplib::Server::HandlerWithResponse([&s](const httplib::Request& req,
                                                                      httplib::Response& res) {
    if (!res.body.empty() || res.content_provider_) return httplib::Server::HandlerResponse::Unhandled;
    ApiError e;
    e.http_status = res.status;
    if (res.status == 404) {
      e.message = str_cat("no route for ", req.method, " ", quote_for_message(req.path));
      e.code = "not_found";
    } else if (res.status == 413) {
      e.message = str_cat("the request body is larger than the limit of ", s.config.limits.max_body_bytes, " bytes");
      e.code = "body_too_large";
    } else if (res.status == 499) {
      return httplib::Server::HandlerResponse::Unhandled;  // the client is gone
    } else {
      e.message = str_cat("HTTP ", res.status, " for ", req.method, " ", quote_for_message(req.path));
      e.type = res.status >= 500 ? "server_error" : "invalid_request_error";
    }
    send_error(res, e);
    return httplib::Server::HandlerResponse::Handled;
  }));
  s.http.set_exception_handler([](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "unknown exception";
    try {
      if (ep) std::rethrow_exception(ep);
    } catch (const std::exception& ex) {
      what = ex.what();
    } catch (...) {
    }
    log_warn("server: ", req.method, " ", req.path, " threw: ", what);
    ApiError e;
    e.http_status = 500;
    e.type = "server_error";
    e.code = "internal_error";
    e.message = "internal error: " + what;
    send_error(res, e);
  });
  s.http.set_logger([&s](const httplib::Request& req, const httplib::Response& res) {
    s.metrics.count_request(endpoint_name(req.path), res.status);
    log_info("server: ", req.method, " ", req.path, " -> ", res.status);
  });
}

HttpServer::~HttpServer() { stop(); }

Result<int> HttpServer::bind() {
  State& s = *s_;
  int port = s.config.port;
  if (port == 0) {
    port = s.http.bind_to_any_port(s.config.host);
    if (port < 0) return io_error("cannot bind ", s.config.host, " on any port");
  } else if (!s.http.bind_to_port(s.config.host, port)) {
    return io_error("cannot bind ", s.config.host, ":", port, " (in use, or not an address of this machine?)");
  }
  s.http.deepen_backlog();
  return port;
}

bool HttpServer::run() { return s_->http.listen_after_bind(); }

void HttpServer::stop() {
  s_->scheduler.stop();
  if (s_->http.is_running()) s_->http.stop();
}

}  // namespace internvl::server
