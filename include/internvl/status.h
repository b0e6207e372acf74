// Status and Result<T>: how every error that a user, a file or a request can cause is reported.
// Our code never throws; bugs and broken invariants use INTERNVL_CHECK (src/core/check.h).
#pragma once

#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

namespace internvl {

enum class StatusCode : std::uint8_t {
  kOk = 0,
  kInvalidArgument,   // a value the caller passed is wrong (flag, option, request field)
  kNotFound,          // a file, tensor or key does not exist
  kIoError,           // reading or writing failed
  kCorrupt,           // a file exists but its content is malformed
  kUnsupported,       // well-formed but not something we implement (dtype, model type, option)
  kOutOfRange,        // input longer than a limit (context, pixels, bytes)
  kResourceExhausted, // queue full, out of memory, cache full
  kCancelled,         // the caller stopped the work
  kInternal,          // a third-party library failed in a way we cannot attribute
};

/// Name of a status code ("invalid_argument", ...), for logs and JSON errors.
const char* status_code_name(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  /// The OK status.
  static Status ok_status() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  /// Prefixes the message with context added by a caller: "loading vision encoder: <message>".
  Status with_context(std::string_view context) const;

  /// "invalid_argument: <message>", or "ok".
  std::string to_string() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

namespace detail {
template <typename... Args>
std::string concat(Args&&... args) {
  std::ostringstream os;
  (os << ... << std::forward<Args>(args));
  return os.str();
}
}  // namespace detail

/// Builds an error Status whose message is the concatenation of args (streamed with <<).
template <typename... Args>
Status make_error(StatusCode code, Args&&... args) {
  return Status(code, detail::concat(std::forward<Args>(args)...));
}
template <typename... Args>
Status invalid_argument(Args&&... args) {
  return make_error(StatusCode::kInvalidArgument, std::forward<Args>(args)...);
}
template <typename... Args>
Status not_found(Args&&... args) {
  return make_error(StatusCode::kNotFound, std::forward<Args>(args)...);
}
template <typename... Args>
Status io_error(Args&&... args) {
  return make_error(StatusCode::kIoError, std::forward<Args>(args)...);
}
template <typename... Args>
Status corrupt(Args&&... args) {
  return make_error(StatusCode::kCorrupt, std::forward<Args>(args)...);
}
template <typename... Args>
Status unsupported(Args&&... args) {
  return make_error(StatusCode::kUnsupported, std::forward<Args>(args)...);
}
template <typename... Args>
Status out_of_range(Args&&... args) {
  return make_error(StatusCode::kOutOfRange, std::forward<Args>(args)...);
}
template <typename... Args>
Status resource_exhausted(Args&&... args) {
  return make_error(StatusCode::kResourceExhausted, std::forward<Args>(args)...);
}
template <typename... Args>
Status internal_error(Args&&... args) {
  return make_error(StatusCode::kInternal, std::forward<Args>(args)...);
}

/// A value or an error Status (std::expected-style; C++20 has no std::expected).
template <typename T>
class [[nodiscard]] Result {
  static_assert(!std::is_same_v<std::decay_t<T>, Status>, "Result<Status> is not meaningful");

 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::in_place_index<1>, std::move(status)) {  // NOLINT
    if (std::get<1>(v_).ok()) {
      v_.template emplace<1>(StatusCode::kInternal, "Result constructed from an OK status");
    }
  }

  bool ok() const { return v_.index() == 0; }
  /// The error; an OK status when a value is held.
  Status status() const { return ok() ? Status() : std::get<1>(v_); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace internvl

#define INTERNVL_STATUS_CONCAT_INNER_(a, b) a##b
#define INTERNVL_STATUS_CONCAT_(a, b) INTERNVL_STATUS_CONCAT_INNER_(a, b)

/// Returns the Status of `expr` from the enclosing function when it is an error.
#define INTERNVL_RETURN_IF_ERROR(expr)                 \
  do {                                                 \
    ::internvl::Status internvl_status_ = (expr);      \
    if (!internvl_status_.ok()) return internvl_status_; \
  } while (0)

/// `INTERNVL_ASSIGN_OR_RETURN(auto x, f());` declares x from a Result or returns its error.
#define INTERNVL_ASSIGN_OR_RETURN(lhs, expr)                                              \
  INTERNVL_ASSIGN_OR_RETURN_IMPL_(INTERNVL_STATUS_CONCAT_(internvl_result_, __LINE__), lhs, \
                                  expr)
#define INTERNVL_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                    \
  if (!tmp.ok()) return tmp.status();                   \
  lhs = std::move(tmp).value()
