#include "server/chat_request.h"

#include <limits>

#include "core/str.h"

namespace internvl::server {

namespace {

const char* type_name(const Json& j) {
  if (j.is_null()) return "null";
  if (j.is_boolean()) return "a boolean";
  if (j.is_number()) return "a number";
  if (j.is_string()) return "a string";
  if (j.is_array()) return "an array";
  return "an object";
}

ApiError wrong_type(const std::string& param, const char* want, const Json& got) {
  return bad_request(str_cat("'", param, "' must be ", want, ", got ", type_name(got)), param, "invalid_type");
}

/// Reads an optional field; `present` is false for a missing or null field.
const Json* field(const Json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

std::optional<ApiError> read_int(const Json& j, const std::string& param, std::int64_t lo, std::int64_t hi,
                                 std::int64_t* out) {
  if (!j.is_number_integer()) return wrong_type(param, "an integer", j);
  if (j.is_number_unsigned() && j.get<std::uint64_t>() > static_cast<std::uint64_t>(hi)) {
    return bad_request(str_cat("'", param, "' must be at most ", hi), param);
  }
  std::int64_t v = j.get<std::int64_t>();
  if (v < lo || v > hi) return bad_request(str_cat("'", param, "' must be in [", lo, ", ", hi, "], got ", v), param);
  *out = v;
  return std::nullopt;
}

std::optional<ApiError> read_number(const Json& j, const std::string& param, double lo, double hi, bool lo_open,
                                    double* out) {
  if (!j.is_number()) return wrong_type(param, "a number", j);
  double v = j.get<double>();
  if (!(lo_open ? v > lo : v >= lo) || !(v <= hi)) {
    return bad_request(str_cat("'", param, "' must be in ", lo_open ? "(" : "[", lo, ", ", hi, "], got ", v), param);
  }
  *out = v;
  return std::nullopt;
}

std::optional<ApiError> read_bool(const Json& obj, const char* key, bool* out) {
  const Json* j = field(obj, key);
  if (!j) return std::nullopt;
  if (!j->is_boolean()) return wrong_type(key, "a boolean", *j);
  *out = j->get<bool>();
  return std::nullopt;
}

// ---- content parts ----

std::optional<ApiError> parse_image_part(const Json& part, const std::string& pw, const RequestLimits& limits,
                                         MediaRef* ref) {
  ref->kind = MediaRef::Kind::kImage;
  const Json* iu = field(part, "image_url");
  if (!iu) return bad_request(str_cat("'", pw, ".image_url' is required"), pw + ".image_url", "missing_field");
  std::int64_t max_tiles = 0;
  if (iu->is_string()) {
    ref->url = iu->get<std::string>();
  } else if (iu->is_object()) {
    const Json* url = field(*iu, "url");
    if (!url) return bad_request(str_cat("'", pw, ".image_url.url' is required"), pw + ".image_url.url", "missing_field");
    if (!url->is_string()) return wrong_type(pw + ".image_url.url", "a string", *url);
    ref->url = url->get<std::string>();
    if (const Json* d = field(*iu, "detail")) {
      if (!d->is_string()) return wrong_type(pw + ".image_url.detail", "a string", *d);
      const std::string detail = d->get<std::string>();
      if (detail == "low") {
        ref->max_tiles = 1;
      } else if (detail != "high" && detail != "auto") {
        return bad_request(str_cat("'", pw, ".image_url.detail' must be 'low', 'high' or 'auto', got ",
                                   quote_for_message(detail)),
                           pw + ".image_url.detail");
      }
    }
    if (const Json* m = field(*iu, "max_tiles")) {
      if (auto e = read_int(*m, pw + ".image_url.max_tiles", 1, limits.max_tiles, &max_tiles)) return e;
    }
  } else {
    return wrong_type(pw + ".image_url", "an object", *iu);
  }
  if (const Json* m = field(part, "max_tiles")) {
    if (auto e = read_int(*m, pw + ".max_tiles", 1, limits.max_tiles, &max_tiles)) return e;
  }
  if (max_tiles > 0) ref->max_tiles = static_cast<int>(max_tiles);
  if (ref->url.empty()) return bad_request(str_cat("'", pw, ".image_url.url' is empty"), pw + ".image_url.url");
  return std::nullopt;
}

std::optional<ApiError> parse_video_part(const Json& part, const std::string& pw, const RequestLimits& limits,
                                         MediaRef* ref) {
  ref->kind = MediaRef::Kind::kVideo;
  ref->num_frames = limits.default_video_frames;
  const Json* vu = field(part, "video_url");
  if (!vu) return bad_request(str_cat("'", pw, ".video_url' is required"), pw + ".video_url", "missing_field");
  std::int64_t frames = 0;
  if (vu->is_string()) {
    ref->url = vu->get<std::string>();
  } else if (vu->is_object()) {
    const Json* url = field(*vu, "url");
    if (!url) return bad_request(str_cat("'", pw, ".video_url.url' is required"), pw + ".video_url.url", "missing_field");
    if (!url->is_string()) return wrong_type(pw + ".video_url.url", "a string", *url);
    ref->url = url->get<std::string>();
    if (const Json* n = field(*vu, "num_frames")) {
      if (auto e = read_int(*n, pw + ".video_url.num_frames", 1, limits.max_video_frames, &frames)) return e;
    }
  } else {
    return wrong_type(pw + ".video_url", "an object", *vu);
  }
  if (const Json* n = field(part, "num_frames")) {
    if (auto e = read_int(*n, pw + ".num_frames", 1, limits.max_video_frames, &frames)) return e;
  }
  if (frames > 0) ref->num_frames = static_cast<int>(frames);
  if (ref->url.empty()) return bad_request(str_cat("'", pw, ".video_url.url' is empty"), pw + ".video_url.url");
  return std::nullopt;
}

std::optional<ApiError> parse_message(const Json& m, std::size_t i, const RequestLimits& limits, ChatRequest* out) {
  const std::string where = str_cat("messages[", i, "]");
  if (!m.is_object()) return wrong_type(where, "an object", m);
  const Json* role = field(m, "role");
  if (!role) return bad_request(str_cat("'", where, ".role' is required"), where + ".role", "missing_field");
  if (!role->is_string()) return wrong_type(where + ".role", "a string", *role);
  RequestMessage msg;
  msg.role = role->get<std::string>();
  if (msg.role == "developer") msg.role = "system";
  if (msg.role != "system" && msg.role != "user" && msg.role != "assistant") {
    return bad_request(str_cat("'", where, ".role' must be 'system', 'developer', 'user' or 'assistant', got ",
                               quote_for_message(msg.role)),
                       where + ".role");
  }
  const Json* content = field(m, "content");
  if (!content) {
    if (msg.role != "assistant") {
      return bad_request(str_cat("'", where, ".content' is required"), where + ".content", "missing_field");
    }
  } else if (content->is_string()) {
    msg.parts.push_back({content->get<std::string>(), -1});
  } else if (content->is_array()) {
    for (std::size_t j = 0; j < content->size(); ++j) {
      const Json& part = (*content)[j];
      const std::string pw = str_cat(where, ".content[", j, "]");
      if (!part.is_object()) return wrong_type(pw, "an object", part);
      const Json* type = field(part, "type");
      if (!type) return bad_request(str_cat("'", pw, ".type' is required"), pw + ".type", "missing_field");
      if (!type->is_string()) return wrong_type(pw + ".type", "a string", *type);
      const std::string t = type->get<std::string>();
      if (t == "text") {
        const Json* text = field(part, "text");
        if (!text) return bad_request(str_cat("'", pw, ".text' is required"), pw + ".text", "missing_field");
        if (!text->is_string()) return wrong_type(pw + ".text", "a string", *text);
        msg.parts.push_back({text->get<std::string>(), -1});
      } else if (t == "image_url" || t == "video_url") {
        if (static_cast<int>(out->media.size()) >= limits.max_images) {
          return bad_request(str_cat("more than ", limits.max_images, " images and videos in one request"), pw,
                             "limit_exceeded");
        }
        MediaRef ref;
        ref.param = pw;
        auto e = t == "image_url" ? parse_image_part(part, pw, limits, &ref) : parse_video_part(part, pw, limits, &ref);
        if (e) return e;
        msg.parts.push_back({"", static_cast<int>(out->media.size())});
        out->media.push_back(std::move(ref));
      } else {
        return bad_request(str_cat("'", pw, ".type' must be 'text', 'image_url' or 'video_url', got ",
                                   quote_for_message(t)),
                           pw + ".type");
      }
    }
  } else {
    return wrong_type(where + ".content", "a string or an array of parts", *content);
  }
  out->messages.push_back(std::move(msg));
  return std::nullopt;
}

// ---- sampling and output options ----

std::optional<ApiError> parse_unsupported(const Json& body) {
  if (const Json* n = field(body, "n")) {
    std::int64_t v = 0;
    if (auto e = read_int(*n, "n", 1, 1, &v)) {
      e->message = "only n = 1 is supported";
      return e;
    }
  }
  for (const char* k : {"presence_penalty", "frequency_penalty"}) {
    if (const Json* p = field(body, k)) {
      if (!p->is_number()) return wrong_type(k, "a number", *p);
      if (p->get<double>() != 0) return bad_request(str_cat("'", k, "' is not supported (only 0)"), k, "unsupported");
    }
  }
  if (const Json* lb = field(body, "logit_bias")) {
    if (!lb->is_object()) return wrong_type("logit_bias", "an object", *lb);
    if (!lb->empty()) return bad_request("'logit_bias' is not supported", "logit_bias", "unsupported");
  }
  for (const char* k : {"tools", "functions"}) {
    if (const Json* t = field(body, k)) {
      if (!t->is_array()) return wrong_type(k, "an array", *t);
      if (!t->empty()) return bad_request(str_cat("'", k, "' (tool calling) is not supported"), k, "unsupported");
    }
  }
  if (const Json* rf = field(body, "response_format")) {
    if (!rf->is_object()) return wrong_type("response_format", "an object", *rf);
    const Json* t = field(*rf, "type");
    if (!t || !t->is_string() || t->get<std::string>() != "text") {
      return bad_request("only response_format {\"type\": \"text\"} is supported", "response_format", "unsupported");
    }
  }
  return std::nullopt;
}

std::optional<ApiError> parse_sampling(const Json& body, const RequestLimits& limits, ChatRequest* out) {
  GenerationOptions& o = out->options;
  for (const char* k : {"max_tokens", "max_completion_tokens"}) {  // the newer name wins
    if (const Json* j = field(body, k)) {
      std::int64_t v = 0;
      if (auto e = read_int(*j, k, 1, limits.max_tokens, &v)) return e;
      out->max_tokens = static_cast<int>(v);
    }
  }
  if (const Json* j = field(body, "min_tokens")) {
    std::int64_t v = 0;
    if (auto e = read_int(*j, "min_tokens", 0, limits.max_tokens, &v)) return e;
    o.min_new_tokens = static_cast<int>(v);
  }
  double d = 0;
  if (const Json* j = field(body, "temperature")) {
    if (auto e = read_number(*j, "temperature", 0, 2, false, &d)) return e;
    o.temperature = static_cast<float>(d);
  }
  if (const Json* j = field(body, "top_p")) {
    if (auto e = read_number(*j, "top_p", 0, 1, true, &d)) return e;
    o.top_p = static_cast<float>(d);
  }
  if (const Json* j = field(body, "repetition_penalty")) {
    if (auto e = read_number(*j, "repetition_penalty", 0, 100, true, &d)) return e;
    o.repetition_penalty = static_cast<float>(d);
  }
  std::int64_t v = 0;
  if (const Json* j = field(body, "top_k")) {
    if (auto e = read_int(*j, "top_k", -1, std::numeric_limits<int>::max(), &v)) return e;
    o.top_k = v < 0 ? 0 : static_cast<int>(v);  // -1 (vLLM) and 0 both disable it
  }
  if (const Json* j = field(body, "seed")) {
    if (auto e = read_int(*j, "seed", std::numeric_limits<std::int64_t>::min(),
                          std::numeric_limits<std::int64_t>::max(), &v)) {
      return e;
    }
    o.seed = static_cast<std::uint64_t>(v);
  }
  if (const Json* j = field(body, "stop")) {
    std::vector<std::string> stop;
    if (j->is_string()) {
      stop.push_back(j->get<std::string>());
    } else if (j->is_array()) {
      for (std::size_t i = 0; i < j->size(); ++i) {
        if (!(*j)[i].is_string()) return wrong_type(str_cat("stop[", i, "]"), "a string", (*j)[i]);
        stop.push_back((*j)[i].get<std::string>());
      }
    } else {
      return wrong_type("stop", "a string or an array of strings", *j);
    }
    if (static_cast<int>(stop.size()) > limits.max_stop) {
      return bad_request(str_cat("at most ", limits.max_stop, " stop strings are allowed, got ", stop.size()), "stop",
                         "limit_exceeded");
    }
    o.stop = std::move(stop);
  }
  if (auto e = read_bool(body, "logprobs", &out->logprobs)) return e;
  if (const Json* j = field(body, "top_logprobs")) {
    if (auto e = read_int(*j, "top_logprobs", 0, 20, &v)) return e;
    if (!out->logprobs && v > 0) return bad_request("'top_logprobs' needs 'logprobs': true", "top_logprobs");
    o.top_logprobs = static_cast<int>(v);
  }
  if (auto e = read_bool(body, "return_tokens_as_token_ids", &out->tokens_as_ids)) return e;
  if (auto e = read_bool(body, "stream", &out->stream)) return e;
  if (const Json* so = field(body, "stream_options")) {
    if (!so->is_object()) return wrong_type("stream_options", "an object", *so);
    if (!out->stream) return bad_request("'stream_options' needs 'stream': true", "stream_options");
    if (const Json* iu = field(*so, "include_usage")) {
      if (!iu->is_boolean()) return wrong_type("stream_options.include_usage", "a boolean", *iu);
      out->include_usage = iu->get<bool>();
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<ApiError> parse_chat_request(const Json& body, const RequestLimits& limits, ChatRequest* out) {
  *out = ChatRequest{};
  if (!body.is_object()) return wrong_type("body", "a JSON object", body);
  const Json* model = field(body, "model");
  if (!model) return bad_request("'model' is required", "model", "missing_field");
  if (!model->is_string()) return wrong_type("model", "a string", *model);
  out->model = model->get<std::string>();
  const Json* messages = field(body, "messages");
  if (!messages) return bad_request("'messages' is required", "messages", "missing_field");
  if (!messages->is_array()) return wrong_type("messages", "an array", *messages);
  if (messages->empty()) return bad_request("'messages' must not be empty", "messages");
  for (std::size_t i = 0; i < messages->size(); ++i) {
    if (auto e = parse_message((*messages)[i], i, limits, out)) return e;
  }
  if (auto e = parse_unsupported(body)) return e;
  return parse_sampling(body, limits, out);
}

}  // namespace internvl::server
