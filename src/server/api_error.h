// Errors as the OpenAI API reports them: an HTTP status and
// {"error": {"message", "type", "param", "code"}}.
#pragma once

#include <string>

#include "core/json.h"
#include "internvl/status.h"

namespace internvl::server {

struct ApiError {
  int http_status = 400;
  std::string message;
  std::string type = "invalid_request_error";  // "server_error" for 5xx
  std::string param;                           // the offending request field; empty: null
  std::string code;                            // machine-readable reason; empty: null
};

/// A 400 invalid_request_error naming `param`.
ApiError bad_request(std::string message, std::string param = {}, std::string code = "invalid_value");

/// Maps an engine/media Status to an API error: caller mistakes are 400, a full queue 503,
/// anything else 500.
ApiError error_from_status(const Status& status, std::string param = {});

/// {"error": {...}} for an error.
Json error_json(const ApiError& error);

}  // namespace internvl::server
