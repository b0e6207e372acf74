// Python's json.dumps for interpreter values: what Transformers' `tojson` filter returns.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "internvl/status.h"
#include "jinja/value.h"

namespace internvl::jinja {

struct JsonDumpOptions {
  bool ensure_ascii = false;
  std::optional<std::string> indent;  // None: one line
  std::string item_separator = ", ";
  std::string key_separator = ": ";
  bool sort_keys = false;
};

/// json.dumps(v, ...) with Python's spacing, key order, float repr and string escapes; fails
/// (TypeError) for undefined and objects, or when the text would exceed max_bytes.
Result<std::string> json_dumps(const Value& v, const JsonDumpOptions& options,
                               std::size_t max_bytes);

}  // namespace internvl::jinja
