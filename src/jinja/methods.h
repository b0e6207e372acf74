// Python methods of builtin types that templates call: str (strip, split, startswith, format...),
// dict (items, keys, values, get), list/tuple (count, index). Mutating methods are refused, as
// Jinja's ImmutableSandboxedEnvironment refuses them.
#pragma once

#include <string>
#include <string_view>

#include "internvl/status.h"
#include "jinja/value.h"

namespace internvl::jinja {

/// Whether `self.name` is a (safe) method of self's type.
bool has_method(const Value& self, std::string_view name);
/// Whether `self.name` is a mutating method the sandbox forbids (list.append, dict.update...).
bool is_unsafe_method(const Value& self, std::string_view name);
/// `self.name` as a callable value.
Value make_bound_method(const Value& self, std::string name);
/// self.name(*args, **kwargs).
Result<Value> call_method(Renderer& r, const Value& self, std::string_view name, CallArgs& args);

}  // namespace internvl::jinja
