// Global functions: Jinja's range/dict/namespace (sandboxed) and Transformers' raise_exception
// and strftime_now.
#include <ctime>

#include "core/str.h"
#include "jinja/builtins.h"
#include "jinja/operators.h"
#include "jinja/render.h"

namespace internvl::jinja {
namespace {

// jinja2.sandbox.MAX_RANGE.
constexpr std::int64_t kMaxRange = 100000;

Result<std::int64_t> as_index(const Value& v) {
  if (!v.is_integral()) {
    return invalid_argument("'", type_name(v), "' object cannot be interpreted as an integer");
  }
  return v.as_integral();
}

Result<Value> g_range(Renderer& r, CallArgs& args) {
  if (!args.kwargs.empty()) return invalid_argument("range() takes no keyword arguments");
  const std::size_t n = args.args.size();
  if (n < 1 || n > 3) return invalid_argument("range expected 1 to 3 arguments, got ", n);
  std::int64_t start = 0, stop = 0, step = 1;
  if (n == 1) {
    INTERNVL_ASSIGN_OR_RETURN(stop, as_index(args.args[0]));
  } else {
    INTERNVL_ASSIGN_OR_RETURN(start, as_index(args.args[0]));
    INTERNVL_ASSIGN_OR_RETURN(stop, as_index(args.args[1]));
    if (n == 3) {
      INTERNVL_ASSIGN_OR_RETURN(step, as_index(args.args[2]));
    }
  }
  if (step == 0) return invalid_argument("range() arg 3 must not be zero");
  // len(range) without overflow: count = ceil((stop - start) / step) when positive.
  const long double span = static_cast<long double>(stop) - static_cast<long double>(start);
  long double count = span / static_cast<long double>(step);
  if (count < 0) count = 0;
  if (count > static_cast<long double>(kMaxRange)) {
    return out_of_range("Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).");
  }
  std::vector<Value> out;
  for (std::int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
    out.push_back(Value::integer(i));
    if (out.size() > static_cast<std::size_t>(kMaxRange)) break;
  }
  INTERNVL_RETURN_IF_ERROR(r.charge(static_cast<std::int64_t>(out.size())));
  return Value::list(std::move(out));
}

// dict(*args, **kwargs): one mapping or iterable of pairs, then keywords.
Result<DictData> build_dict(std::string_view what, CallArgs& args) {
  if (args.args.size() > 1) {
    return invalid_argument(what, " expected at most 1 argument, got ", args.args.size());
  }
  DictData d;
  if (!args.args.empty()) {
    const Value& src = args.args[0];
    if (src.is_dict()) {
      d = src.as_dict();
    } else {
      INTERNVL_ASSIGN_OR_RETURN(std::vector<Value> pairs, iterate(src));
      for (std::size_t i = 0; i < pairs.size(); ++i) {
        INTERNVL_ASSIGN_OR_RETURN(std::vector<Value> kv, iterate(pairs[i]));
        if (!(pairs[i].is_list() || pairs[i].is_string()) || kv.size() != 2) {
          return invalid_argument("dictionary update sequence element #", i,
                                  " has the wrong length or type");
        }
        d.set(kv[0], kv[1]);
      }
    }
  }
  for (auto& [k, v] : args.kwargs) d.set(Value::string(k), std::move(v));
  return d;
}

Result<Value> g_dict(Renderer& /*r*/, CallArgs& args) {
  INTERNVL_ASSIGN_OR_RETURN(DictData d, build_dict("dict", args));
  return Value::dict(std::move(d));
}

Result<Value> g_namespace(Renderer& r, CallArgs& args) {
  INTERNVL_ASSIGN_OR_RETURN(DictData d, build_dict("namespace", args));
  auto ns = std::make_shared<Namespace>();
  for (auto& [k, v] : d.items) {
    if (!k.is_string()) return invalid_argument("namespace attribute names must be strings");
    ns->set_attr(k.as_string(), std::move(v));
  }
  r.track(ns);
  return Value::object(std::move(ns));
}

Result<Value> g_raise_exception(Renderer& r, CallArgs& args) {
  INTERNVL_ASSIGN_OR_RETURN(BoundArgs a, bind_args("raise_exception()", args, {"message"}, 1));
  r.set_raised();
  return invalid_argument(to_str(a[0], r.limits().max_output_bytes));
}

Result<Value> g_strftime_now(Renderer& r, CallArgs& args) {
  INTERNVL_ASSIGN_OR_RETURN(BoundArgs a, bind_args("strftime_now()", args, {"format"}, 1));
  if (!a[0].is_string()) {
    return invalid_argument("strftime() argument 1 must be str, not ", type_name(a[0]));
  }
  const std::string& fmt = a[0].as_string();
  if (fmt.empty()) return Value::string("");
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  // strftime gives 0 both for "too small" and for an empty result; grow a few times.
  for (std::size_t size = 64 + fmt.size() * 4; size <= (std::size_t{1} << 20); size *= 8) {
    INTERNVL_RETURN_IF_ERROR(r.check_size(size));
    std::string buf(size, '\0');
    const std::size_t n = std::strftime(buf.data(), buf.size(), fmt.c_str(), &local);
    if (n > 0) {
      buf.resize(n);
      return Value::string(std::move(buf));
    }
  }
  return Value::string("");
}

Result<Value> g_unsupported(Renderer& /*r*/, CallArgs& /*args*/) {
  return unsupported("unsupported global function (lipsum, cycler and joiner are not implemented)");
}

}  // namespace

Value find_global(std::string_view name) {
  static const Value kRange = Value::object(std::make_shared<BuiltinFunction>("range", g_range));
  static const Value kDict = Value::object(std::make_shared<BuiltinFunction>("dict", g_dict));
  static const Value kNamespace =
      Value::object(std::make_shared<BuiltinFunction>("namespace", g_namespace));
  static const Value kRaise =
      Value::object(std::make_shared<BuiltinFunction>("raise_exception", g_raise_exception));
  static const Value kStrftime =
      Value::object(std::make_shared<BuiltinFunction>("strftime_now", g_strftime_now));
  static const Value kUnsupported =
      Value::object(std::make_shared<BuiltinFunction>("unsupported", g_unsupported));
  if (name == "range") return kRange;
  if (name == "dict") return kDict;
  if (name == "namespace") return kNamespace;
  if (name == "raise_exception") return kRaise;
  if (name == "strftime_now") return kStrftime;
  if (name == "lipsum" || name == "cycler" || name == "joiner") return kUnsupported;
  return Value();
}

}  // namespace internvl::jinja
