#include "jinja/methods.h"

#include <algorithm>
#include <array>
#include <optional>

#include "core/str.h"
#include "jinja/builtins.h"
#include "jinja/format.h"
#include "jinja/operators.h"
#include "jinja/pystr.h"
#include "jinja/render.h"

namespace internvl::jinja {
namespace {

constexpr std::array<std::string_view, 47> kStrMethods = {
    "capitalize",   "casefold",    "center",    "count",      "encode",       "endswith",
    "expandtabs",   "find",        "format",    "format_map", "index",        "isalnum",
    "isalpha",      "isascii",     "isdecimal", "isdigit",    "isidentifier", "islower",
    "isnumeric",    "isprintable", "isspace",   "istitle",    "isupper",      "join",
    "ljust",        "lower",       "lstrip",    "maketrans",  "partition",    "removeprefix",
    "removesuffix", "replace",     "rfind",     "rindex",     "rjust",        "rpartition",
    "rsplit",       "rstrip",      "split",     "splitlines", "startswith",   "strip",
    "swapcase",     "title",       "translate", "upper",      "zfill"};
constexpr std::array<std::string_view, 6> kDictSafe = {"copy",  "fromkeys", "get",
                                                       "items", "keys",     "values"};
constexpr std::array<std::string_view, 5> kDictUnsafe = {"clear", "pop", "popitem", "setdefault",
                                                         "update"};
constexpr std::array<std::string_view, 3> kListSafe = {"copy", "count", "index"};
constexpr std::array<std::string_view, 8> kListUnsafe = {"append", "clear",  "extend",  "insert",
                                                         "pop",    "remove", "reverse", "sort"};

template <std::size_t N>
bool in(const std::array<std::string_view, N>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

class BoundMethod final : public Object {
 public:
  BoundMethod(Value self, std::string name) : self_(std::move(self)), name_(std::move(name)) {}
  const char* type_name() const override { return "builtin_function_or_method"; }
  std::string repr() const override {
    return str_cat("<built-in method ", name_, " of ", jinja::type_name(self_), " object>");
  }
  bool callable() const override { return true; }
  Result<Value> call(Renderer& r, CallArgs& args) const override {
    return call_method(r, self_, name_, args);
  }

 private:
  Value self_;
  std::string name_;
};

std::string method_name(const Value& self, std::string_view name) {
  return str_cat(type_name(self), ".", name, "()");
}

// ---- str helpers ----

// Code point slice [start:end] of s with Python's clamping; also returns the start index.
std::u32string cp_slice(std::string_view s, const BoundArgs& a, std::size_t i_start,
                        std::int64_t* start_out) {
  std::u32string u = py::to_u32(s);
  const auto n = static_cast<std::int64_t>(u.size());
  auto clamp = [&](std::size_t i, std::int64_t def) {
    if (!a.has(i) || a[i].is_none()) return def;
    std::int64_t v = a[i].as_integral();
    if (v < 0) v = std::max<std::int64_t>(0, v + n);
    return std::min(v, n);
  };
  const std::int64_t b = clamp(i_start, 0);
  const std::int64_t e = clamp(i_start + 1, n);
  *start_out = b;
  if (e <= b) return std::u32string();
  return u.substr(static_cast<std::size_t>(b), static_cast<std::size_t>(e - b));
}

Status check_int_args(const BoundArgs& a, std::size_t from, std::string_view what) {
  for (std::size_t i = from; i < a.values.size(); ++i) {
    if (a.has(i) && !a[i].is_none() && !a[i].is_integral()) {
      return invalid_argument(what, ": slice indices must be integers or None");
    }
  }
  return Status();
}

Result<std::optional<std::string>> opt_str(const BoundArgs& a, std::size_t i,
                                           std::string_view what) {
  if (!a.has(i) || a[i].is_none()) return std::optional<std::string>();
  if (!a[i].is_string()) {
    return invalid_argument(what, " argument must be str or None, not ", type_name(a[i]));
  }
  return std::optional<std::string>(a[i].as_string());
}

Result<std::int64_t> int_arg(const BoundArgs& a, std::size_t i, std::int64_t def,
                             std::string_view what) {
  if (!a.has(i)) return def;
  if (!a[i].is_integral()) {
    return invalid_argument(what, ": '", type_name(a[i]),
                            "' object cannot be interpreted as an integer");
  }
  return a[i].as_integral();
}

Value str_list(std::vector<std::string> parts) {
  std::vector<Value> items;
  items.reserve(parts.size());
  for (auto& p : parts) items.push_back(Value::string(std::move(p)));
  return Value::list(std::move(items));
}

Result<Value> find_like(std::string_view name, const std::string& s, CallArgs& args,
                        std::string_view what) {
  INTERNVL_ASSIGN_OR_RETURN(BoundArgs a, bind_args(what, args, {"sub", "start", "end"}, 1));
  if (!a[0].is_string()) {
    return invalid_argument(what, " argument must be str, not ", type_name(a[0]));
  }
  INTERNVL_RETURN_IF_ERROR(check_int_args(a, 1, what));
  std::int64_t start = 0;
  const std::string hay = py::from_u32(cp_slice(s, a, 1, &start));
  const std::string& sub = a[0].as_string();
  if (name == "count") {
    if (sub.empty()) return Value::integer(static_cast<std::int64_t>(py::cp_count(hay) + 1));
    return Value::integer(static_cast<std::int64_t>(py::count(hay, sub)));
  }
  const bool reverse = name == "rfind" || name == "rindex";
  const std::size_t pos = reverse ? hay.rfind(sub) : hay.find(sub);
  if (pos == std::string::npos) {
    if (name == "index" || name == "rindex") return invalid_argument("substring not found");
    return Value::integer(-1);
  }
  return Value::integer(start + static_cast<std::int64_t>(py::cp_index(hay, pos)));
}

Result<Value> affix(std::string_view name, const std::string& s, CallArgs& args,
                    std::string_view what) {
  INTERNVL_ASSIGN_OR_RETURN(BoundArgs a, bind_args(what, args, {"prefix", "start", "end"}, 1));
  INTERNVL_RETURN_IF_ERROR(check_int_args(a, 1, what));
  std::vector<std::string> candidates;
  if (a[0].is_string()) {
    candidates.push_back(a[0].as_string());
  } else if (a[0].is_tuple()) {
    for (const auto& v : a[0].as_list().items) {
      if (!v.is_string()) {
        return invalid_argument("tuple for ", name, " must only contain str, not ", type_name(v));
      }
      candidates.push_back(v.as_string());
    }
  } else {
    return invalid_argument(name, " first arg must be str or a tuple of str, not ",
                            type_name(a[0]));
  }
  std::string hay = s;
  if (a.has(1) || a.has(2)) {
    std::int64_t start = 0;
    hay = py::from_u32(cp_slice(s, a, 1, &start));
  }
  for (const auto& c : candidates) {
    if (name == "startswith" ? starts_with(hay, c) : ends_with(hay, c)) return Value::boolean(true);
  }
  return Value::boolean(false);
}

Result<Value> justify(std::string_view name, const std::string& s, CallArgs& args,
                      std::string_view what, std::size_t max_bytes) {
  INTERNVL_ASSIGN_OR_RETURN(BoundArgs a, bind_args(what, args, {"width", "fillchar"}, 1));
  INTERNVL_ASSIGN_OR_RETURN(std::int64_t width, int_arg(a, 0, 0, what));
  std::string fill = " ";
  if (a.has(1)) {
    if (!a[1].is_string() || py::cp_count(a[1].as_string()) != 1) {
      return invalid_argument(what, ": the fill character must be exactly one character long");
    }
    fill = a[1].as_string();
  }
  const auto len = static_cast<std::int64_t>(py::cp_count(s));
  if (width <= len) return Value::string(s);
  if (static_cast<std::uint64_t>(width) * fill.size() > max_bytes) {
    return resource_exhausted(what, ": width ", width, " is too large");
  }
  const std::int64_t marg = width - len;
  std::int64_t left = 0;
  if (name == "center") {
    left = marg / 2 + (marg & width & 1);
  } else if (name == "rjust") {
    left = marg;
  }
  std::string out;
  for (std::int64_t i = 0; i < left; ++i) out += fill;
  out += s;
  for (std::int64_t i = 0; i < marg - left; ++i) out += fill;
  return Value::string(std::move(out));
}

bool all_cp(const std::string& s, bool (*pred)(char32_t)) {
  if (s.empty()) return false;
  for (std::size_t i = 0; i < s.size();) {
    if (!pred(py::next_cp(s, i))) return false;
  }
  return true;
}

bool is_title(const std::string& s) {
  bool cased = false;
  bool prev_cased = false;
  for (std::size_t i = 0; i < s.size();) {
    const char32_t c = py::next_cp(s, i);
    if (py::is_upper(c)) {
      if (prev_cased) return false;
      prev_cased = cased = true;
    } else if (py::is_lower(c)) {
      if (!prev_cased) return false;
      prev_cased = cased = true;
    } else {
      prev_cased = false;
    }
  }
  return cased;
}

Result<Value> call_str(Renderer& r, const std::string& s, std::string_view name, CallArgs& args) {
  const std::string what = str_cat("str.", name, "()");
  const std::size_t max_bytes = r.limits().max_output_bytes;
  INTERNVL_RETURN_IF_ERROR(r.charge(static_cast<std::int64_t>(s.size() / 64)));
  auto no_args = [&]() { return bind_args(what, args, {}).status(); };
  if (name == "strip" || name == "lstrip" || name == "rstrip") {
    INTERNVL_ASSIGN_OR_RETURN(BoundArgs a, bind_args(what, args, {"chars"}));
    INTERNVL_ASSIGN_OR_RETURN(auto chars, opt_str(a, 0, what));
    return Value::string(py::strip(s,
                                   chars ? std::optional<std::string_view>(*chars) : std::nullopt,
                                   name != "rstrip", name != "lstrip"));
  }
  if (name == "split" || name == "rsplit") {
    INTERNVL_ASSIGN_OR_RETURN(BoundArgs a, bind_args(what, args, {"sep", "maxsplit"}));
    INTERNVL_ASSIGN_OR_RETURN(auto sep, opt_str(a, 0, what));
    INTERNVL_ASSIGN_OR_RETURN(std::int64_t maxsplit, int_arg(a, 1, -1, what));
    if (sep && sep->empty()) return invalid_argument("empty separator");
    const std::optional<std::string_view> sv =
        sep ? std::optional<std::string_view>(*sep) : std::nullopt;
    return str_list(name == "split" ? py::split(s, sv, maxsplit) : py::rsplit(s, sv, maxsplit));
  }
  if (name == "splitlines") {
    INTERNVL_ASSIGN_OR_RETURN(BoundArgs a, bind_args(what, args, {"keepends"}));
    return str_list(py::splitlines(s, a.has(0) && truthy(a[0])));
  }
  if (name == "startswith" || name == "endswith") return affix(name, s, args, what);
  if (name == "find" || name == "rfind" || name == "index" || name == "rindex" || name == "count") {
    return find_like(name, s, args, what);
  }
  if (name == "upper" || name == "lower" || name == "casefold" || name == "title" ||
      name == "capitalize" || name == "swapcase") {
    INTERNVL_RETURN_IF_ERROR(no_args());
    if (name == "upper") return Value::string(py::upper(s));
    if (name == "title") return Value::string(py::title(s));
    if (name == "capitalize") return Value::string(py::capitalize(s));
    if (name == "swapcase") return Value::string(py::swapcase(s));
    return Value::string(py::lower(s));
  }
  if (name == "replace") {
    INTERNVL_ASSIGN_OR_RETURN(BoundArgs a, bind_args(what, args, {"old", "new", "count"}, 2));
    if (!a[0].is_string() || !a[1].is_string()) {
      return invalid_argument(what, " arguments must be str");
    }
    INTERNVL_ASSIGN_OR_RETURN(std::int64_t count, int_arg(a, 2, -1, what));
    const std::size_t size = py::replace_size(s, a[0].as_string(), a[1].as_string(), count);
    INTERNVL_RETURN_IF_ERROR(r.check_size(size));
    return Value::string(py::replace(s, a[0].as_string(), a[1].as_string(), count));
  }
  if (name == "join") {
    INTERNVL_ASSIGN_OR_RETURN(BoundArgs a, bind_args(what, args, {"iterable"}, 1));
    INTERNVL_ASSIGN_OR_RETURN(std::vector<Value> items, iterate(a[0]));
    std::string out;
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (!items[i].is_string()) {
        return invalid_argument("sequence item ", i, ": expected str instance, ",
                                type_name(items[i]), " found");
      }
      if (i > 0) out += s;
      out += items[i].as_string();
      INTERNVL_RETURN_IF_ERROR(r.check_size(out.size()));
    }
    return Value::string(std::move(out));
  }
  if (name == "format") {
    INTERNVL_ASSIGN_OR_RETURN(std::string out, brace_format(s, args, max_bytes));
    INTERNVL_RETURN_IF_ERROR(r.check_size(out.size()));
    return Value::string(std::move(out));
  }
  if (name == "center" || name == "ljust" || name == "rjust") {
    return justify(name, s, args, what, max_bytes);
  }
  if (name == "zfill") {
    INTERNVL_ASSIGN_OR_RETURN(BoundArgs a, bind_args(what, args, {"width"}, 1));
    INTERNVL_ASSIGN_OR_RETURN(std::int64_t width, int_arg(a, 0, 0, what));
    const auto len = static_cast<std::int64_t>(py::cp_count(s));
    if (width <= len) return Value::string(s);
    if (static_cast<std::uint64_t>(width) > max_bytes)
      return resource_exhausted(what, ": width too large");
    std::string out = s;
    std::size_t at = (!s.empty() && (s[0] == '+' || s[0] == '-')) ? 1 : 0;
    out.insert(at, static_cast<std::size_t>(width - len), '0');
    return Value::string(std::move(out));
  }
  if (name == "partition" || name == "rpartition") {
    INTERNVL_ASSIGN_OR_RETURN(BoundArgs a, bind_args(what, args, {"sep"}, 1));
    if (!a[0].is_string()) return invalid_argument("must be str, not ", type_name(a[0]));
    const std::string& sep = a[0].as_string();
    if (sep.empty()) return invalid_argument("empty separator");
    const std::size_t pos = name == "partition" ? s.find(sep) : s.rfind(sep);
    std::vector<Value> parts;
    if (pos == std::string::npos) {
      const Value empty = Value::string("");
      parts = name == "partition" ? std::vector<Value>{Value::string(s), empty, empty}
                                  : std::vector<Value>{empty, empty, Value::string(s)};
    } else {
      parts = {Value::string(s.substr(0, pos)), Value::string(sep),
               Value::string(s.substr(pos + sep.size()))};
    }
    return Value::tuple(std::move(parts));
  }
  if (name == "removeprefix" || name == "removesuffix") {
    INTERNVL_ASSIGN_OR_RETURN(BoundArgs a, bind_args(what, args, {"affix"}, 1));
    if (!a[0].is_string()) return invalid_argument(what, " argument must be str");
    const std::string& x = a[0].as_string();
    if (name == "removeprefix" && starts_with(s, x)) return Value::string(s.substr(x.size()));
    if (name == "removesuffix" && !x.empty() && ends_with(s, x)) {
      return Value::string(s.substr(0, s.size() - x.size()));
    }
    return Value::string(s);
  }
  if (name.substr(0, 2) == "is") {
    INTERNVL_RETURN_IF_ERROR(no_args());
    if (name == "isalnum") {
      return Value::boolean(
          all_cp(s, [](char32_t c) { return py::is_alpha(c) || py::is_digit(c); }));
    }
    if (name == "isalpha") return Value::boolean(all_cp(s, py::is_alpha));
    if (name == "isascii") return Value::boolean(py::is_ascii(s));
    if (name == "isdecimal" || name == "isdigit" || name == "isnumeric") {
      return Value::boolean(all_cp(s, py::is_digit));
    }
    if (name == "isspace") return Value::boolean(all_cp(s, py::is_space));
    if (name == "islower") return Value::boolean(py::str_is_lower(s));
    if (name == "isupper") return Value::boolean(py::str_is_upper(s));
    if (name == "istitle") return Value::boolean(is_title(s));
  }
  return unsupported("unsupported method ", what);
}

// ---- dict / list ----

Result<Value> call_dict(const Value& self, std::string_view name, CallArgs& args) {
  const std::string what = str_cat("dict.", name, "()");
  const DictData& d = self.as_dict();
  if (name == "get") {
    INTERNVL_ASSIGN_OR_RETURN(BoundArgs a, bind_args(what, args, {"key", "default"}, 1));
    if (a[0].is_list() || a[0].is_dict()) {
      return invalid_argument("unhashable type: '", type_name(a[0]), "'");
    }
    if (const Value* v = d.find(a[0])) return *v;
    return a.has(1) ? a[1] : Value::none();
  }
  INTERNVL_RETURN_IF_ERROR(bind_args(what, args, {}).status());
  if (name == "copy") return self;
  std::vector<Value> out;
  out.reserve(d.items.size());
  for (const auto& [k, v] : d.items) {
    if (name == "items") {
      out.push_back(Value::tuple({k, v}));
    } else {
      out.push_back(name == "keys" ? k : v);
    }
  }
  if (name == "items" || name == "keys" || name == "values") return Value::list(std::move(out));
  return unsupported("unsupported method ", what);
}

Result<Value> call_list(const Value& self, std::string_view name, CallArgs& args) {
  const std::string what = method_name(self, name);
  const auto& items = self.as_list().items;
  if (name == "copy") {
    INTERNVL_RETURN_IF_ERROR(bind_args(what, args, {}).status());
    return self;
  }
  INTERNVL_ASSIGN_OR_RETURN(BoundArgs a, bind_args(what, args, {"value", "start", "stop"}, 1));
  if (name == "count") {
    if (a.has(1)) return invalid_argument(what, " takes exactly one argument");
    std::int64_t n = 0;
    for (const auto& v : items) n += equals(v, a[0]) ? 1 : 0;
    return Value::integer(n);
  }
  INTERNVL_RETURN_IF_ERROR(check_int_args(a, 1, what));
  const auto len = static_cast<std::int64_t>(items.size());
  auto bound = [&](std::size_t i, std::int64_t def) {
    if (!a.has(i) || a[i].is_none()) return def;
    std::int64_t v = a[i].as_integral();
    if (v < 0) v = std::max<std::int64_t>(0, v + len);
    return std::min(v, len);
  };
  for (std::int64_t i = bound(1, 0); i < bound(2, len); ++i) {
    if (equals(items[static_cast<std::size_t>(i)], a[0])) return Value::integer(i);
  }
  return invalid_argument(to_repr(a[0]), " is not in list");
}

}  // namespace

bool has_method(const Value& self, std::string_view name) {
  switch (self.kind()) {
    case ValueKind::kString:
      return in(kStrMethods, name);
    case ValueKind::kDict:
      return in(kDictSafe, name);
    case ValueKind::kList:
      if (self.is_iterator()) return false;
      return self.is_tuple() ? (name == "count" || name == "index") : in(kListSafe, name);
    default:
      return false;
  }
}

bool is_unsafe_method(const Value& self, std::string_view name) {
  if (self.is_dict()) return in(kDictUnsafe, name);
  if (self.is_list() && !self.is_tuple() && !self.is_iterator()) return in(kListUnsafe, name);
  return false;
}

Value make_bound_method(const Value& self, std::string name) {
  return Value::object(std::make_shared<BoundMethod>(self, std::move(name)));
}

Result<Value> call_method(Renderer& r, const Value& self, std::string_view name, CallArgs& args) {
  switch (self.kind()) {
    case ValueKind::kString:
      return call_str(r, self.as_string(), name, args);
    case ValueKind::kDict:
      return call_dict(self, name, args);
    case ValueKind::kList:
      return call_list(self, name, args);
    default:
      return invalid_argument("'", type_name(self), "' object has no method '", name, "'");
  }
}

}  // namespace internvl::jinja
