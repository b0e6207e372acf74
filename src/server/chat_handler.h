// POST /v1/chat/completions from end to end: parse and check the body, take a place in the
// scheduler (503 + Retry-After when full), build the prompt (media, cache, template, vision),
// submit it, then answer with one JSON object or stream server-sent events. A client that goes
// away is noticed (failed writes, or its socket closing while nothing is written) and its
// request is cancelled, which frees its cache in the scheduler.
#pragma once

#include <string>

#include <httplib.h>

#include "internvl/engine.h"
#include "server/metrics.h"
#include "server/prompt_builder.h"
#include "server/scheduler.h"
#include "server/server_config.h"

namespace internvl::server {

class ChatHandler {
 public:
  ChatHandler(const Engine& engine, const ServerConfig& config, Scheduler* scheduler, PromptBuilder* builder,
              Metrics* metrics);

  /// Handles one request.
  void handle(const httplib::Request& req, httplib::Response& res);

 private:
  const Engine& engine_;
  const ServerConfig& config_;
  Scheduler* scheduler_;
  PromptBuilder* builder_;
  Metrics* metrics_;
};

/// Writes an OpenAI-shaped JSON error into `res`.
void send_error(httplib::Response& res, const ApiError& error);

}  // namespace internvl::server
