// Python-style argument binding shared by filters, tests, methods and globals.
#include "core/str.h"
#include "jinja/builtins.h"

namespace internvl::jinja {

Result<BoundArgs> bind_args(std::string_view what, const CallArgs& args,
                            std::initializer_list<std::string_view> params, std::size_t required) {
  const std::size_t n = params.size();
  BoundArgs out;
  out.values.resize(n);
  out.given.assign(n, false);
  if (args.args.size() > n) {
    return invalid_argument(what, " takes at most ", n, " argument(s) (", args.args.size(),
                            " given)");
  }
  for (std::size_t i = 0; i < args.args.size(); ++i) {
    out.values[i] = args.args[i];
    out.given[i] = true;
  }
  for (const auto& [key, value] : args.kwargs) {
    std::size_t i = 0;
    for (std::string_view p : params) {
      if (p == key) break;
      ++i;
    }
    if (i == n) return invalid_argument(what, " got an unexpected keyword argument '", key, "'");
    if (out.given[i])
      return invalid_argument(what, " got multiple values for argument '", key, "'");
    out.values[i] = value;
    out.given[i] = true;
  }
  std::size_t i = 0;
  for (std::string_view p : params) {
    if (i < required && !out.given[i]) {
      return invalid_argument(what, " missing required argument '", p, "'");
    }
    ++i;
  }
  return out;
}

}  // namespace internvl::jinja
