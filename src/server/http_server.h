// The HTTP side of `internvl serve`: routes (/v1/chat/completions, /v1/models, /health,
// /metrics), bearer-token auth, the body limit, and OpenAI-shaped errors for anything that goes
// wrong, third-party exceptions included. Owns the scheduler, the image cache and the metrics.
#pragma once

#include <memory>
#include <string>

#include "internvl/engine.h"
#include "internvl/status.h"
#include "server/server_config.h"

namespace internvl::server {

class HttpServer {
 public:
  /// `engine` must outlive the server.
  HttpServer(const Engine& engine, ServerConfig config);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// Binds config.host:config.port (port 0 picks a free one); returns the bound port.
  Result<int> bind();
  /// Serves until stop(); returns false if the listener failed.
  bool run();
  /// Stops accepting, fails running requests with 503 and makes run() return. Thread-safe.
  void stop();

 private:
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace internvl::server
