// Registries of Jinja builtins: filters (filters.cpp), tests (is_tests.cpp), global functions
// (globals.cpp), plus the argument binder they share.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <string_view>
#include <vector>

#include "jinja/ast.h"
#include "jinja/value.h"

namespace internvl::jinja {

/// The filter called `name` (`x|name`), or null when we do not implement it.
FilterFn find_filter(std::string_view name);
/// The test called `name` (`x is name`), or null when we do not implement it.
TestFn find_test(std::string_view name);
/// A global such as range, dict, namespace, raise_exception, strftime_now; undefined if none.
Value find_global(std::string_view name);

/// Arguments bound to a Python-style signature.
struct BoundArgs {
  std::vector<Value> values;
  std::vector<bool> given;
  /// Whether parameter i was passed (positionally or by keyword).
  bool has(std::size_t i) const { return given[i]; }
  /// Parameter i (undefined when not passed).
  const Value& operator[](std::size_t i) const { return values[i]; }
};

/// Binds positional then keyword arguments to `params` (Python rules: no duplicates, no unknown
/// keywords, at least `required` given); `what` names the callee in errors ("filter 'join'").
Result<BoundArgs> bind_args(std::string_view what, const CallArgs& args,
                            std::initializer_list<std::string_view> params,
                            std::size_t required = 0);

}  // namespace internvl::jinja
