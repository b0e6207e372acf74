#include "server/api_error.h"

namespace internvl::server {

ApiError bad_request(std::string message, std::string param, std::string code) {
  ApiError e;
  e.http_status = 400;
  e.message = std::move(message);
  e.param = std::move(param);
  e.code = std::move(code);
  return e;
}

ApiError error_from_status(const Status& status, std::string param) {
  ApiError e;
  e.message = status.message();
  e.param = std::move(param);
  switch (status.code()) {
    case StatusCode::kOk:
    case StatusCode::kInternal:
      e.http_status = 500;
      e.type = "server_error";
      e.code = "internal_error";
      break;
    case StatusCode::kResourceExhausted:
      e.http_status = 503;
      e.type = "server_error";
      e.code = "overloaded";
      break;
    case StatusCode::kCancelled:
      e.http_status = 499;
      e.code = "cancelled";
      break;
    case StatusCode::kOutOfRange:
      e.code = "limit_exceeded";
      break;
    case StatusCode::kUnsupported:
      e.code = "unsupported";
      break;
    case StatusCode::kCorrupt:
    case StatusCode::kIoError:
    case StatusCode::kNotFound:
      e.code = "invalid_media";
      break;
    case StatusCode::kInvalidArgument:
      e.code = "invalid_value";
      break;
  }
  return e;
}

Json error_json(const ApiError& error) {
  Json inner = Json::object();
  inner["message"] = error.message;
  inner["type"] = error.type;
  inner["param"] = error.param.empty() ? Json(nullptr) : Json(error.param);
  inner["code"] = error.code.empty() ? Json(nullptr) : Json(error.code);
  return Json{{"error", std::move(inner)}};
}

}  // namespace internvl::server
