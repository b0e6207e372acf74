// Python string formatting: `"%s" % x` (and the |format filter) and str.format().
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "internvl/status.h"
#include "jinja/value.h"

namespace internvl::jinja {

/// fmt % args: a tuple gives positional values, a dict gives %(name)s mappings, anything else
/// is the single value. Supports the s r a d i u o x X e E f F g G c % conversions.
Result<Value> percent_format(std::string_view fmt, const Value& args, std::size_t max_bytes);

/// fmt.format(*args, **kwargs): {} / {0} / {name}, .attr and [key] lookups, !r/!s/!a, and the
/// format-spec mini-language ([[fill]align][sign][#][0][width][,][.precision][type]).
Result<std::string> brace_format(std::string_view fmt, const CallArgs& args, std::size_t max_bytes);

/// format(v, spec) for one value.
Result<std::string> format_spec(const Value& v, std::string_view spec, std::size_t max_bytes);

}  // namespace internvl::jinja
