// Jinja's builtin filters (jinja2/filters.py, 3.1) plus Transformers' `tojson`: the text and
// number filters and the registry; sequence filters live in filters_seq.cpp.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "core/str.h"
#include "jinja/builtins.h"
#include "jinja/filter_impl.h"
#include "jinja/format.h"
#include "jinja/json_dump.h"
#include "jinja/methods.h"
#include "jinja/operators.h"
#include "jinja/pystr.h"

namespace internvl::jinja {
namespace filter_detail {

std::string soft_str(Renderer& r, const Value& v) { return to_str(v, r.limits().max_output_bytes); }

Result<Value> make_str(Renderer& r, std::string s) {
  INTERNVL_RETURN_IF_ERROR(r.check_size(s.size()));
  return Value::string(std::move(s));
}

std::string what(std::string_view name) { return str_cat("filter '", name, "'"); }

// Jinja's make_attrgetter: "a.b.0" walks items (then attributes) part by part.
Result<Value> get_path(const Value& item, const Value& attribute, const Value* fallback) {
  std::vector<Value> parts;
  if (attribute.is_string()) {
    for (const auto& p : split(attribute.as_string(), ".")) {
      const bool digits = !p.empty() && std::all_of(p.begin(), p.end(),
                                                    [](char c) { return c >= '0' && c <= '9'; });
      const auto i = digits ? py::parse_int(p, 10) : std::nullopt;
      parts.push_back(i ? Value::integer(*i) : Value::string(p));
    }
  } else if (!attribute.is_none()) {
    parts.push_back(attribute);
  }
  Value v = item;
  for (const auto& part : parts) {
    INTERNVL_ASSIGN_OR_RETURN(v, get_item(v, part));
    if (fallback != nullptr && v.is_undefined()) v = *fallback;
  }
  return v;
}

Value ignore_case(Value v, bool case_sensitive) {
  if (!case_sensitive && v.is_string()) return Value::string(py::lower(v.as_string()));
  return v;
}

}  // namespace filter_detail

namespace {

using namespace filter_detail;  // NOLINT: the filters below share these helpers

// ---- text ----

Result<Value> f_tojson(Renderer& r, const Value& in, CallArgs& args) {
  INTERNVL_ASSIGN_OR_RETURN(
      BoundArgs a,
      bind_args(what("tojson"), args, {"ensure_ascii", "indent", "separators", "sort_keys"}));
  JsonDumpOptions o;
  o.ensure_ascii = a.has(0) && truthy(a[0]);
  if (a.has(1) && !a[1].is_none()) {
    if (a[1].is_string()) {
      o.indent = a[1].as_string();
    } else if (a[1].is_integral()) {
      o.indent = std::string(
          static_cast<std::size_t>(std::clamp<std::int64_t>(a[1].as_integral(), 0, 1024)), ' ');
    } else {
      return invalid_argument("tojson: indent must be an int or a string");
    }
    o.item_separator = ",";
  }
  if (a.has(2) && !a[2].is_none()) {
    if (!a[2].is_list() || a[2].as_list().items.size() != 2 ||
        !a[2].as_list().items[0].is_string() || !a[2].as_list().items[1].is_string()) {
      return invalid_argument("tojson: separators must be a pair of strings");
    }
    o.item_separator = a[2].as_list().items[0].as_string();
    o.key_separator = a[2].as_list().items[1].as_string();
  }
  o.sort_keys = a.has(3) && truthy(a[3]);
  INTERNVL_ASSIGN_OR_RETURN(std::string s, json_dumps(in, o, r.limits().max_output_bytes));
  return make_str(r, std::move(s));
}

Result<Value> f_trim(Renderer& r, const Value& in, CallArgs& args) {
  INTERNVL_ASSIGN_OR_RETURN(BoundArgs a, bind_args(what("trim"), args, {"chars"}));
  std::optional<std::string> chars;
  if (a.has(0) && !a[0].is_none()) {
    if (!a[0].is_string()) return invalid_argument("trim: chars must be str or None");
    chars = a[0].as_string();
  }
  return Value::string(py::strip(
      soft_str(r, in), chars ? std::optional<std::string_view>(*chars) : std::nullopt, true, true));
}

Result<Value> f_string(Renderer& r, const Value& in, CallArgs& args) {
  INTERNVL_RETURN_IF_ERROR(bind_args(what("string"), args, {}).status());
  if (in.is_string()) return in;
  return make_str(r, soft_str(r, in));
}

template <std::string (*Fn)(std::string_view)>
Result<Value> f_case(Renderer& r, const Value& in, CallArgs& args) {
  INTERNVL_RETURN_IF_ERROR(bind_args("filter", args, {}).status());
  return Value::string(Fn(soft_str(r, in)));
}

std::string jinja_title(std::string_view s) {
  // Words start after runs of whitespace or - ( { [ <.
  auto is_sep = [](char32_t c) {
    return py::is_space(c) || c == '-' || c == '(' || c == '{' || c == '[' || c == '<';
  };
  std::string out;
  bool prev_sep = false;
  bool first = true;
  for (std::size_t i = 0; i < s.size();) {
    const char32_t c = py::next_cp(s, i);
    const bool sep = is_sep(c);
    if (first || sep != prev_sep) {
      out += py::upper(py::from_u32(std::u32string(1, c)));
    } else {
      py::append_cp(out, py::to_lower(c));
    }
    prev_sep = sep;
    first = false;
  }
  return out;
}

Result<Value> f_title(Renderer& r, const Value& in, CallArgs& args) {
  INTERNVL_RETURN_IF_ERROR(bind_args(what("title"), args, {}).status());
  return Value::string(jinja_title(soft_str(r, in)));
}

Result<Value> f_replace(Renderer& r, const Value& in, CallArgs& args) {
  INTERNVL_ASSIGN_OR_RETURN(BoundArgs a,
                            bind_args(what("replace"), args, {"old", "new", "count"}, 2));
  std::int64_t count = -1;
  if (a.has(2) && !a[2].is_none()) {
    if (!a[2].is_integral()) return invalid_argument("replace: count must be an integer");
    count = a[2].as_integral();
  }
  const std::string s = soft_str(r, in);
  const std::string old = soft_str(r, a[0]);
  const std::string repl = soft_str(r, a[1]);
  INTERNVL_RETURN_IF_ERROR(r.check_size(py::replace_size(s, old, repl, count)));
  return Value::string(py::replace(s, old, repl, count));
}

Result<Value> f_join(Renderer& r, const Value& in, CallArgs& args) {
  INTERNVL_ASSIGN_OR_RETURN(BoundArgs a, bind_args(what("join"), args, {"d", "attribute"}));
  const std::string sep = a.has(0) ? soft_str(r, a[0]) : std::string();
  INTERNVL_ASSIGN_OR_RETURN(std::vector<Value> items, iterate(in));
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    Value v = items[i];
    if (a.has(1) && !a[1].is_none()) {
      INTERNVL_ASSIGN_OR_RETURN(v, get_path(v, a[1], nullptr));
    }
    if (i > 0) out += sep;
    out += soft_str(r, v);
    INTERNVL_RETURN_IF_ERROR(r.check_size(out.size()));
  }
  return Value::string(std::move(out));
}

Result<Value> f_center(Renderer& r, const Value& in, CallArgs& args) {
  INTERNVL_ASSIGN_OR_RETURN(BoundArgs a, bind_args(what("center"), args, {"width"}));
  CallArgs inner;
  inner.args.push_back(a.has(0) ? a[0] : Value::integer(80));
  return call_method(r, Value::string(soft_str(r, in)), "center", inner);
}

Result<Value> f_indent(Renderer& r, const Value& in, CallArgs& args) {
  INTERNVL_ASSIGN_OR_RETURN(BoundArgs a,
                            bind_args(what("indent"), args, {"width", "first", "blank"}));
  if (in.is_undefined()) return undefined_error(in);
  if (!in.is_string()) {
    return invalid_argument("unsupported operand type(s) for +=: '", type_name(in), "' and 'str'");
  }
  std::string indention = "    ";
  if (a.has(0)) {
    if (a[0].is_string()) {
      indention = a[0].as_string();
    } else if (a[0].is_integral()) {
      const std::int64_t w = std::max<std::int64_t>(0, a[0].as_integral());
      INTERNVL_RETURN_IF_ERROR(
          r.check_size(static_cast<std::size_t>(std::min<std::int64_t>(w, INT32_MAX))));
      indention.assign(static_cast<std::size_t>(w), ' ');
    } else {
      return invalid_argument("can't multiply sequence by non-int of type '", type_name(a[0]), "'");
    }
  }
  const bool first = a.has(1) && truthy(a[1]);
  const bool blank = a.has(2) && truthy(a[2]);
  const std::vector<std::string> lines = py::splitlines(in.as_string() + "\n", false);
  std::string out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (i > 0) {
      out += '\n';
      if (blank || !lines[i].empty()) out += indention;
    }
    out += lines[i];
    INTERNVL_RETURN_IF_ERROR(r.check_size(out.size()));
  }
  if (first) out = indention + out;
  return make_str(r, std::move(out));
}

Result<Value> f_wordcount(Renderer& r, const Value& in, CallArgs& args) {
  INTERNVL_RETURN_IF_ERROR(bind_args(what("wordcount"), args, {}).status());
  const std::string s = soft_str(r, in);
  std::int64_t n = 0;
  bool in_word = false;
  for (std::size_t i = 0; i < s.size();) {
    const bool w = py::is_word(py::next_cp(s, i));
    if (w && !in_word) ++n;
    in_word = w;
  }
  return Value::integer(n);
}

std::string html_unescape(std::string_view s) {
  static const std::map<std::string, std::string, std::less<>> kNamed = {
      {"amp", "&"}, {"lt", "<"}, {"gt", ">"}, {"quot", "\""}, {"apos", "'"}, {"nbsp", "\xC2\xA0"}};
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out.push_back(s[i]);
      continue;
    }
    const std::size_t semi = s.find(';', i);
    if (semi != std::string_view::npos && semi - i <= 10) {
      std::string_view ent = s.substr(i + 1, semi - i - 1);
      if (!ent.empty() && ent[0] == '#') {
        const bool hex = ent.size() > 1 && (ent[1] == 'x' || ent[1] == 'X');
        auto v = py::parse_int(ent.substr(hex ? 2 : 1), hex ? 16 : 10);
        if (v && *v > 0 && *v <= 0x10FFFF) {
          py::append_cp(out, static_cast<char32_t>(*v));
          i = semi;
          continue;
        }
      } else if (auto it = kNamed.find(ent); it != kNamed.end()) {
        out += it->second;
        i = semi;
        continue;
      }
    }
    out.push_back('&');
  }
  return out;
}

Result<Value> f_striptags(Renderer& r, const Value& in, CallArgs& args) {
  INTERNVL_RETURN_IF_ERROR(bind_args(what("striptags"), args, {}).status());
  std::string s = soft_str(r, in);
  std::string no_comments;
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t open = s.find("<!--", i);
    const std::size_t close = open == std::string::npos ? open : s.find("-->", open + 4);
    if (open == std::string::npos || close == std::string::npos) {
      no_comments.append(s, i, std::string::npos);
      break;
    }
    no_comments.append(s, i, open - i);
    i = close + 3;
  }
  std::string no_tags;
  for (std::size_t i = 0; i < no_comments.size();) {
    const std::size_t open = no_comments.find('<', i);
    const std::size_t close = open == std::string::npos ? open : no_comments.find('>', open + 1);
    if (open == std::string::npos || close == std::string::npos) {
      no_tags.append(no_comments, i, std::string::npos);
      break;
    }
    no_tags.append(no_comments, i, open - i);
    i = close + 1;
  }
  return Value::string(html_unescape(join(py::split(no_tags, std::nullopt, -1), " ")));
}

Result<Value> f_escape(Renderer& r, const Value& in, CallArgs& args) {
  INTERNVL_RETURN_IF_ERROR(bind_args(what("escape"), args, {}).status());
  const std::string s = soft_str(r, in);
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&#34;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return make_str(r, std::move(out));
}

Result<Value> f_truncate(Renderer& r, const Value& in, CallArgs& args) {
  INTERNVL_ASSIGN_OR_RETURN(
      BoundArgs a, bind_args(what("truncate"), args, {"length", "killwords", "end", "leeway"}));
  const std::int64_t max_len = a.has(0) && a[0].is_integral() ? a[0].as_integral() : 255;
  const bool killwords = a.has(1) && truthy(a[1]);
  const std::string end = a.has(2) ? soft_str(r, a[2]) : std::string("...");
  const std::int64_t leeway = a.has(3) && a[3].is_integral() ? a[3].as_integral() : 5;
  const auto end_len = static_cast<std::int64_t>(py::cp_count(end));
  if (max_len < end_len) return invalid_argument("expected length >= ", end_len, ", got ", max_len);
  if (leeway < 0) return invalid_argument("expected leeway >= 0, got ", leeway);
  if (!in.is_string()) {
    // len(s) first: anything short enough is returned as it is; slicing the rest fails.
    INTERNVL_ASSIGN_OR_RETURN(std::int64_t n, length(in));
    if (n <= max_len + leeway) return in;
    return invalid_argument("'", type_name(in), "' object has no attribute 'rsplit'");
  }
  const std::u32string u = py::to_u32(in.as_string());
  if (static_cast<std::int64_t>(u.size()) <= max_len + leeway)
    return Value::string(py::from_u32(u));
  std::string head = py::from_u32(u.substr(0, static_cast<std::size_t>(max_len - end_len)));
  if (!killwords) {
    const std::size_t sp = head.rfind(' ');
    if (sp != std::string::npos) head.resize(sp);
  }
  return Value::string(head + end);
}

Result<Value> f_format(Renderer& r, const Value& in, CallArgs& args) {
  if (!args.args.empty() && !args.kwargs.empty()) {
    return invalid_argument("can't handle positional and keyword arguments at the same time");
  }
  Value spec;
  if (!args.kwargs.empty()) {
    DictData d;
    for (auto& [k, v] : args.kwargs) d.set(Value::string(k), v);
    spec = Value::dict(std::move(d));
  } else {
    spec = Value::tuple(args.args);
  }
  INTERNVL_ASSIGN_OR_RETURN(Value out,
                            percent_format(soft_str(r, in), spec, r.limits().max_output_bytes));
  INTERNVL_RETURN_IF_ERROR(r.check_size(out.as_string().size()));
  return out;
}

// ---- numbers ----

Result<Value> f_int(Renderer& /*r*/, const Value& in, CallArgs& args) {
  INTERNVL_ASSIGN_OR_RETURN(BoundArgs a, bind_args(what("int"), args, {"default", "base"}));
  const Value def = a.has(0) ? a[0] : Value::integer(0);
  const std::int64_t base = a.has(1) && a[1].is_integral() ? a[1].as_integral() : 10;
  if (in.is_undefined()) return undefined_error(in);
  if (in.is_integral()) return Value::integer(in.as_integral());
  // int(float): inf and nan give the default (Python raises and the filter catches); finite
  // values past int64 would be Python big ints, which we cannot represent.
  auto from_double = [&](double f) -> Result<Value> {
    if (!std::isfinite(f)) return def;
    const double t = std::trunc(f);
    if (std::fabs(t) >= 9.2e18) {
      return out_of_range("int filter: ", py::float_repr(f), " does not fit in 64 bits");
    }
    return Value::integer(static_cast<std::int64_t>(t));
  };
  if (in.is_float()) return from_double(in.as_float());
  if (in.is_string()) {
    if (auto v = py::parse_int(in.as_string(), static_cast<int>(base))) return Value::integer(*v);
    if (auto f = py::parse_float(in.as_string())) return from_double(*f);
  }
  return def;
}

Result<Value> f_float(Renderer& /*r*/, const Value& in, CallArgs& args) {
  INTERNVL_ASSIGN_OR_RETURN(BoundArgs a, bind_args(what("float"), args, {"default"}));
  const Value def = a.has(0) ? a[0] : Value::number(0.0);
  if (in.is_undefined()) return undefined_error(in);
  if (in.is_number()) return Value::number(in.as_double());
  if (in.is_string()) {
    if (auto f = py::parse_float(in.as_string())) return Value::number(*f);
  }
  return def;
}

Result<Value> f_abs(Renderer& /*r*/, const Value& in, CallArgs& args) {
  INTERNVL_RETURN_IF_ERROR(bind_args(what("abs"), args, {}).status());
  if (in.is_integral()) {
    if (in.as_integral() == INT64_MIN) return out_of_range("integer overflow");
    return Value::integer(std::llabs(in.as_integral()));
  }
  if (in.is_float()) return Value::number(std::fabs(in.as_float()));
  if (in.is_undefined()) return undefined_error(in);
  return invalid_argument("bad operand type for abs(): '", type_name(in), "'");
}

// Python's round(x, n) for floats: correctly rounded, ties to even.
double py_round(double x, std::int64_t n) {
  if (!std::isfinite(x) || n > 308) return x;
  if (n < -308) return std::copysign(0.0, x);
  if (n >= 0) {
    char buf[512];
    std::snprintf(buf, sizeof(buf), "%.*f", static_cast<int>(std::min<std::int64_t>(n, 330)), x);
    return std::strtod(buf, nullptr);
  }
  const double p = std::pow(10.0, static_cast<double>(-n));
  return std::nearbyint(x / p) * p;
}

Result<Value> f_round(Renderer& /*r*/, const Value& in, CallArgs& args) {
  INTERNVL_ASSIGN_OR_RETURN(BoundArgs a, bind_args(what("round"), args, {"precision", "method"}));
  const std::int64_t precision = a.has(0) && a[0].is_integral() ? a[0].as_integral() : 0;
  const std::string method = a.has(1) && a[1].is_string() ? a[1].as_string() : "common";
  if (method != "common" && method != "ceil" && method != "floor") {
    return invalid_argument("method must be common, ceil or floor");
  }
  if (in.is_undefined()) return undefined_error(in);
  if (!in.is_number()) {
    return invalid_argument("type ", type_name(in), " doesn't define __round__ method");
  }
  if (method == "common") {
    if (in.is_integral()) {
      if (precision >= 0) return Value::integer(in.as_integral());
      return Value::integer(
          static_cast<std::int64_t>(py_round(static_cast<double>(in.as_integral()), precision)));
    }
    return Value::number(py_round(in.as_float(), precision));
  }
  const double scale = std::pow(10.0, static_cast<double>(precision));
  const double x = in.as_double() * scale;
  return Value::number((method == "ceil" ? std::ceil(x) : std::floor(x)) / scale);
}

Result<Value> f_attr(Renderer& /*r*/, const Value& in, CallArgs& args) {
  INTERNVL_ASSIGN_OR_RETURN(BoundArgs a, bind_args(what("attr"), args, {"name"}, 1));
  if (!a[0].is_string()) return invalid_argument("attribute name must be a string");
  const std::string& name = a[0].as_string();
  // Attribute lookup only: a dict key is not an attribute.
  if (in.is_dict() && !has_method(in, name) && !is_unsafe_method(in, name)) {
    return Value::undefined(str_cat("'dict object' has no attribute '", name, "'"));
  }
  return get_attr(in, name);
}

Result<Value> f_safe(Renderer& r, const Value& in, CallArgs& args) {
  INTERNVL_RETURN_IF_ERROR(bind_args(what("safe"), args, {}).status());
  // Markup(x) is str(x); without autoescaping, Markup behaves as plain text.
  if (in.is_string()) return in;
  return make_str(r, soft_str(r, in));
}

struct FilterEntry {
  std::string_view name;
  FilterFn fn;
};

constexpr FilterEntry kFilters[] = {
    {"abs", f_abs},
    {"attr", f_attr},
    {"batch", f_batch},
    {"capitalize", f_case<py::capitalize>},
    {"center", f_center},
    {"count", f_length},
    {"d", f_default},
    {"default", f_default},
    {"dictsort", f_dictsort},
    {"e", f_escape},
    {"escape", f_escape},
    {"first", f_first},
    {"float", f_float},
    {"forceescape", f_escape},
    {"format", f_format},
    {"indent", f_indent},
    {"int", f_int},
    {"items", f_items},
    {"join", f_join},
    {"last", f_last},
    {"length", f_length},
    {"list", f_list},
    {"lower", f_case<py::lower>},
    {"map", f_map},
    {"max", f_max},
    {"min", f_min},
    {"reject", f_reject},
    {"rejectattr", f_rejectattr},
    {"replace", f_replace},
    {"reverse", f_reverse},
    {"round", f_round},
    {"safe", f_safe},
    {"select", f_select},
    {"selectattr", f_selectattr},
    {"slice", f_slice},
    {"sort", f_sort},
    {"string", f_string},
    {"striptags", f_striptags},
    {"sum", f_sum},
    {"title", f_title},
    {"tojson", f_tojson},
    {"trim", f_trim},
    {"truncate", f_truncate},
    {"unique", f_unique},
    {"upper", f_case<py::upper>},
    {"wordcount", f_wordcount},
};

}  // namespace

FilterFn find_filter(std::string_view name) {
  for (const auto& f : kFilters) {
    if (f.name == name) return f.fn;
  }
  return nullptr;
}

}  // namespace internvl::jinja
