// A parsed Jinja2 template, rendered the way Transformers renders chat templates (sandboxed
// environment, trim_blocks + lstrip_blocks, loopcontrols, `{% generation %}`, raise_exception,
// strftime_now, json.dumps-style `tojson`). Immutable after parse; render() is thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/json.h"
#include "internvl/status.h"

namespace internvl::jinja {

/// Bounds on one render, so that no template text can exhaust memory, time or stack.
struct RenderLimits {
  std::size_t max_output_bytes = std::size_t{64} << 20;  // also caps every string built
  std::int64_t max_steps = 20'000'000;                   // evaluation steps (+1 per 64 bytes)
  int max_depth = 600;  // nested evaluation frames, including macro recursion
  // Stack a render may use below its entry point (frame sizes differ between release, debug
  // and sanitizer builds, so depth alone cannot bound it). Fits the 8 MiB default thread stack.
  std::size_t max_stack_bytes = std::size_t{2} << 20;
};

class Template {
 public:
  /// Parses template text; errors name the line, column and construct.
  static Result<Template> parse(std::string_view source);

  /// Renders with `variables` (a JSON object; a missing key is undefined, null is None).
  /// A `raise_exception(msg)` gives an invalid_argument Status whose message is exactly msg;
  /// other errors name the line and column.
  Result<std::string> render(const Json& variables) const;
  /// Same, under explicit limits.
  Result<std::string> render(const Json& variables, const RenderLimits& limits) const;

  /// The template text as given to parse().
  const std::string& source() const;

 private:
  struct Impl;
  explicit Template(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

}  // namespace internvl::jinja
