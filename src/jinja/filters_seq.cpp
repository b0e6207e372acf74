// Sequence filters: length, first/last, sort, unique, min/max, sum, batch/slice, dictsort,
// and the generator filters (map, select, reject, selectattr, rejectattr, items, unique...).
#include <algorithm>

#include "core/str.h"
#include "jinja/filter_impl.h"
#include "jinja/operators.h"
#include "jinja/pystr.h"
#include "jinja/sorting.h"

namespace internvl::jinja::filter_detail {

Result<Value> f_length(Renderer& /*r*/, const Value& in, CallArgs& args) {
  INTERNVL_RETURN_IF_ERROR(bind_args(what("length"), args, {}).status());
  INTERNVL_ASSIGN_OR_RETURN(std::int64_t n, length(in));
  return Value::integer(n);
}

Result<Value> f_default(Renderer& /*r*/, const Value& in, CallArgs& args) {
  INTERNVL_ASSIGN_OR_RETURN(BoundArgs a,
                            bind_args(what("default"), args, {"default_value", "boolean"}));
  const bool boolean = a.has(1) && truthy(a[1]);
  if (in.is_undefined() || (boolean && !truthy(in))) {
    return a.has(0) ? a[0] : Value::string("");
  }
  return in;
}

Result<Value> f_list(Renderer& r, const Value& in, CallArgs& args) {
  INTERNVL_RETURN_IF_ERROR(bind_args(what("list"), args, {}).status());
  INTERNVL_ASSIGN_OR_RETURN(std::vector<Value> items, iterate(in));
  INTERNVL_RETURN_IF_ERROR(r.charge(static_cast<std::int64_t>(items.size())));
  return Value::list(std::move(items));
}

Result<Value> f_first(Renderer& /*r*/, const Value& in, CallArgs& args) {
  INTERNVL_RETURN_IF_ERROR(bind_args(what("first"), args, {}).status());
  INTERNVL_ASSIGN_OR_RETURN(std::vector<Value> items, iterate(in));
  if (items.empty()) return Value::undefined("No first item, sequence was empty.");
  return items.front();
}

Result<Value> f_last(Renderer& /*r*/, const Value& in, CallArgs& args) {
  INTERNVL_RETURN_IF_ERROR(bind_args(what("last"), args, {}).status());
  if (in.is_iterator()) return invalid_argument("'generator' object is not reversible");
  INTERNVL_ASSIGN_OR_RETURN(std::vector<Value> items, iterate(in));
  if (items.empty()) return Value::undefined("No last item, sequence was empty.");
  return items.back();
}

Result<Value> f_reverse(Renderer& r, const Value& in, CallArgs& args) {
  INTERNVL_RETURN_IF_ERROR(bind_args(what("reverse"), args, {}).status());
  if (in.is_string()) {
    std::u32string u = py::to_u32(in.as_string());
    std::reverse(u.begin(), u.end());
    return Value::string(py::from_u32(u));
  }
  INTERNVL_ASSIGN_OR_RETURN(std::vector<Value> items, iterate(in));
  INTERNVL_RETURN_IF_ERROR(r.charge(static_cast<std::int64_t>(items.size())));
  std::reverse(items.begin(), items.end());
  // reversed(seq) is an iterator; an iterator itself is reversed through a list.
  if (in.is_iterator()) return Value::list(std::move(items));
  return Value::iterator(std::move(items));
}

static Result<Value> items_body(Renderer& r, const Value& in) {
  if (in.is_undefined()) return Value::iterator({});
  if (!in.is_dict()) return invalid_argument("Can only get item pairs from a mapping.");
  std::vector<Value> out;
  for (const auto& [k, v] : in.as_dict().items) out.push_back(Value::tuple({k, v}));
  INTERNVL_RETURN_IF_ERROR(r.charge(static_cast<std::int64_t>(out.size())));
  return Value::iterator(std::move(out));
}

Result<Value> f_dictsort(Renderer& r, const Value& in, CallArgs& args) {
  INTERNVL_ASSIGN_OR_RETURN(BoundArgs a,
                            bind_args(what("dictsort"), args, {"case_sensitive", "by", "reverse"}));
  const bool cs = a.has(0) && truthy(a[0]);
  const std::string by = a.has(1) && a[1].is_string() ? a[1].as_string() : "key";
  if (by != "key" && by != "value") {
    return invalid_argument("You can only sort by either \"key\" or \"value\"");
  }
  if (!in.is_dict())
    return invalid_argument("'", type_name(in), "' object has no attribute 'items'");
  std::vector<Value> items;
  std::vector<Value> keys;
  for (const auto& [k, v] : in.as_dict().items) {
    items.push_back(Value::tuple({k, v}));
    keys.push_back(ignore_case(by == "key" ? k : v, cs));
  }
  INTERNVL_RETURN_IF_ERROR(sort_by_keys(r, items, keys, a.has(2) && truthy(a[2])));
  return Value::list(std::move(items));
}

Result<Value> f_sort(Renderer& r, const Value& in, CallArgs& args) {
  INTERNVL_ASSIGN_OR_RETURN(
      BoundArgs a, bind_args(what("sort"), args, {"reverse", "case_sensitive", "attribute"}));
  const bool cs = a.has(1) && truthy(a[1]);
  INTERNVL_ASSIGN_OR_RETURN(std::vector<Value> items, iterate(in));
  std::vector<Value> keys;
  for (const auto& item : items) {
    if (a.has(2) && !a[2].is_none()) {
      // Several comma-separated attributes sort by a list of keys.
      std::vector<Value> parts;
      const std::vector<std::string> names =
          a[2].is_string() ? split(a[2].as_string(), ",") : std::vector<std::string>{};
      if (names.size() > 1) {
        for (const auto& n : names) {
          INTERNVL_ASSIGN_OR_RETURN(Value k, get_path(item, Value::string(n), nullptr));
          parts.push_back(ignore_case(k, cs));
        }
        keys.push_back(Value::list(std::move(parts)));
        continue;
      }
      INTERNVL_ASSIGN_OR_RETURN(Value k, get_path(item, a[2], nullptr));
      keys.push_back(ignore_case(k, cs));
    } else {
      keys.push_back(ignore_case(item, cs));
    }
  }
  INTERNVL_RETURN_IF_ERROR(sort_by_keys(r, items, keys, a.has(0) && truthy(a[0])));
  return Value::list(std::move(items));
}

static Result<Value> unique_body(Renderer& r, const Value& in, const BoundArgs& a) {
  const bool cs = a.has(0) && truthy(a[0]);
  INTERNVL_ASSIGN_OR_RETURN(std::vector<Value> items, iterate(in));
  INTERNVL_RETURN_IF_ERROR(r.charge(static_cast<std::int64_t>(items.size() * items.size() / 16)));
  std::vector<Value> seen;
  std::vector<Value> out;
  for (const auto& item : items) {
    Value key = item;
    if (a.has(1) && !a[1].is_none()) {
      INTERNVL_ASSIGN_OR_RETURN(key, get_path(item, a[1], nullptr));
    }
    key = ignore_case(key, cs);
    if ((key.is_list() && !key.is_tuple()) || key.is_dict()) {
      return invalid_argument("unhashable type: '", type_name(key), "'");
    }
    if (std::none_of(seen.begin(), seen.end(), [&](const Value& s) { return equals(s, key); })) {
      seen.push_back(key);
      out.push_back(item);
    }
  }
  return Value::iterator(std::move(out));
}

static Result<Value> min_max(Renderer& r, const Value& in, CallArgs& args, bool want_max) {
  INTERNVL_ASSIGN_OR_RETURN(BoundArgs a, bind_args(what(want_max ? "max" : "min"), args,
                                                   {"case_sensitive", "attribute"}));
  const bool cs = a.has(0) && truthy(a[0]);
  INTERNVL_ASSIGN_OR_RETURN(std::vector<Value> items, iterate(in));
  if (items.empty()) return Value::undefined("No aggregated item, sequence was empty.");
  INTERNVL_RETURN_IF_ERROR(r.charge(static_cast<std::int64_t>(items.size())));
  auto key_of = [&](const Value& item) -> Result<Value> {
    Value k = item;
    if (a.has(1) && !a[1].is_none()) {
      INTERNVL_ASSIGN_OR_RETURN(k, get_path(item, a[1], nullptr));
    }
    return ignore_case(k, cs);
  };
  std::size_t best = 0;
  INTERNVL_ASSIGN_OR_RETURN(Value best_key, key_of(items[0]));
  for (std::size_t i = 1; i < items.size(); ++i) {
    INTERNVL_ASSIGN_OR_RETURN(Value k, key_of(items[i]));
    INTERNVL_ASSIGN_OR_RETURN(bool better,
                              want_max ? less_than(best_key, k) : less_than(k, best_key));
    if (better) {
      best = i;
      best_key = std::move(k);
    }
  }
  return items[best];
}

Result<Value> f_min(Renderer& r, const Value& in, CallArgs& args) {
  return min_max(r, in, args, false);
}
Result<Value> f_max(Renderer& r, const Value& in, CallArgs& args) {
  return min_max(r, in, args, true);
}

Result<Value> f_sum(Renderer& r, const Value& in, CallArgs& args) {
  INTERNVL_ASSIGN_OR_RETURN(BoundArgs a, bind_args(what("sum"), args, {"attribute", "start"}));
  Value total = a.has(1) ? a[1] : Value::integer(0);
  if (total.is_string())
    return invalid_argument("sum() can't sum strings [use ''.join(seq) instead]");
  INTERNVL_ASSIGN_OR_RETURN(std::vector<Value> items, iterate(in));
  for (const auto& item : items) {
    Value v = item;
    if (a.has(0) && !a[0].is_none()) {
      INTERNVL_ASSIGN_OR_RETURN(v, get_path(item, a[0], nullptr));
    }
    INTERNVL_ASSIGN_OR_RETURN(total, binary_op(BinOp::kAdd, total, v, r.limits().max_output_bytes));
    INTERNVL_RETURN_IF_ERROR(r.charge(
        1 + (total.is_list() ? static_cast<std::int64_t>(total.as_list().items.size()) : 0)));
  }
  return total;
}

static Result<Value> batch_body(Renderer& r, const Value& in, const BoundArgs& a) {
  if (!a[0].is_integral()) return invalid_argument("batch: linecount must be an integer");
  const std::int64_t n = a[0].as_integral();
  INTERNVL_ASSIGN_OR_RETURN(std::vector<Value> items, iterate(in));
  std::vector<Value> out;
  std::vector<Value> tmp;
  for (const auto& item : items) {
    if (static_cast<std::int64_t>(tmp.size()) == n) {
      out.push_back(Value::list(std::move(tmp)));
      tmp.clear();
    }
    tmp.push_back(item);
  }
  if (!tmp.empty()) {
    if (a.has(1) && !a[1].is_none() && static_cast<std::int64_t>(tmp.size()) < n) {
      INTERNVL_RETURN_IF_ERROR(r.charge(n));
      tmp.resize(static_cast<std::size_t>(n), a[1]);
    }
    out.push_back(Value::list(std::move(tmp)));
  }
  return Value::iterator(std::move(out));
}

static Result<Value> slice_body(const Value& in, const BoundArgs& a) {
  if (!a[0].is_integral()) return invalid_argument("slice: slices must be an integer");
  const std::int64_t slices = a[0].as_integral();
  if (slices == 0) return invalid_argument("integer division or modulo by zero");
  if (slices < 0 || slices > 100000) return invalid_argument("slice: bad number of slices");
  INTERNVL_ASSIGN_OR_RETURN(std::vector<Value> seq, iterate(in));
  const auto len = static_cast<std::int64_t>(seq.size());
  const std::int64_t per = len / slices;
  const std::int64_t extra = len % slices;
  std::int64_t offset = 0;
  std::vector<Value> out;
  for (std::int64_t k = 0; k < slices; ++k) {
    const std::int64_t start = offset + k * per;
    if (k < extra) ++offset;
    const std::int64_t end = offset + (k + 1) * per;
    std::vector<Value> tmp(seq.begin() + start, seq.begin() + end);
    if (a.has(1) && !a[1].is_none() && k >= extra) tmp.push_back(a[1]);
    out.push_back(Value::list(std::move(tmp)));
  }
  return Value::iterator(std::move(out));
}

// select/reject/selectattr/rejectattr.
static Result<Value> select_common(Renderer& r, const Value& in, CallArgs& args, bool keep_if,
                                   bool lookup_attr) {
  if (!truthy(in)) return Value::iterator({});
  std::size_t off = 0;
  Value attr;
  if (lookup_attr) {
    if (args.args.empty()) return invalid_argument("Missing parameter for attribute name");
    attr = args.args[0];
    off = 1;
  }
  const bool has_test = args.args.size() > off;
  std::string test_name;
  if (has_test) {
    if (!args.args[off].is_string()) return invalid_argument("test name must be a string");
    test_name = args.args[off].as_string();
  }
  INTERNVL_ASSIGN_OR_RETURN(std::vector<Value> items, iterate(in));
  std::vector<Value> out;
  for (const auto& item : items) {
    INTERNVL_RETURN_IF_ERROR(r.charge(1));
    Value v = item;
    if (lookup_attr) {
      INTERNVL_ASSIGN_OR_RETURN(v, get_path(item, attr, nullptr));
    }
    bool pass;
    if (has_test) {
      CallArgs targs;
      targs.args.assign(args.args.begin() + static_cast<std::ptrdiff_t>(off + 1), args.args.end());
      targs.kwargs = args.kwargs;
      INTERNVL_ASSIGN_OR_RETURN(pass, r.apply_test(test_name, v, targs));
    } else {
      pass = truthy(v);
    }
    if (pass == keep_if) out.push_back(item);
  }
  return Value::iterator(std::move(out));
}

static Result<Value> map_body(Renderer& r, const Value& in, CallArgs& args) {
  if (!truthy(in)) return Value::iterator({});
  INTERNVL_ASSIGN_OR_RETURN(std::vector<Value> items, iterate(in));
  std::vector<Value> out;
  if (args.args.empty()) {
    Value attribute;
    Value fallback = Value::none();
    bool has_attribute = false;
    for (const auto& [k, v] : args.kwargs) {
      if (k == "attribute") {
        attribute = v;
        has_attribute = true;
      } else if (k == "default") {
        fallback = v;
      } else {
        return invalid_argument("Unexpected keyword argument '", k, "'");
      }
    }
    if (!has_attribute) return invalid_argument("map requires a filter argument");
    for (const auto& item : items) {
      INTERNVL_RETURN_IF_ERROR(r.charge(1));
      INTERNVL_ASSIGN_OR_RETURN(
          Value v, get_path(item, attribute, fallback.is_none() ? nullptr : &fallback));
      out.push_back(std::move(v));
    }
    return Value::iterator(std::move(out));
  }
  if (!args.args[0].is_string()) return invalid_argument("map: filter name must be a string");
  const std::string name = args.args[0].as_string();
  for (const auto& item : items) {
    INTERNVL_RETURN_IF_ERROR(r.charge(1));
    CallArgs fargs;
    fargs.args.assign(args.args.begin() + 1, args.args.end());
    fargs.kwargs = args.kwargs;
    INTERNVL_ASSIGN_OR_RETURN(Value v, r.apply_filter(name, item, fargs));
    out.push_back(std::move(v));
  }
  return Value::iterator(std::move(out));
}

// ---- generator filters: Python runs their bodies only when the result is consumed ----

static Result<Value> lazy(Result<Value> r) {
  if (!r.ok()) return Value::failed_iterator(r.status());
  return r;
}

Result<Value> f_items(Renderer& r, const Value& in, CallArgs& args) {
  INTERNVL_RETURN_IF_ERROR(bind_args(what("items"), args, {}).status());
  return lazy(items_body(r, in));
}

Result<Value> f_unique(Renderer& r, const Value& in, CallArgs& args) {
  INTERNVL_ASSIGN_OR_RETURN(BoundArgs a,
                            bind_args(what("unique"), args, {"case_sensitive", "attribute"}));
  return lazy(unique_body(r, in, a));
}

Result<Value> f_batch(Renderer& r, const Value& in, CallArgs& args) {
  INTERNVL_ASSIGN_OR_RETURN(BoundArgs a,
                            bind_args(what("batch"), args, {"linecount", "fill_with"}, 1));
  return lazy(batch_body(r, in, a));
}

Result<Value> f_slice(Renderer& /*r*/, const Value& in, CallArgs& args) {
  INTERNVL_ASSIGN_OR_RETURN(BoundArgs a,
                            bind_args(what("slice"), args, {"slices", "fill_with"}, 1));
  return lazy(slice_body(in, a));
}

Result<Value> f_select(Renderer& r, const Value& in, CallArgs& a) {
  return lazy(select_common(r, in, a, true, false));
}
Result<Value> f_reject(Renderer& r, const Value& in, CallArgs& a) {
  return lazy(select_common(r, in, a, false, false));
}
Result<Value> f_selectattr(Renderer& r, const Value& in, CallArgs& a) {
  return lazy(select_common(r, in, a, true, true));
}
Result<Value> f_rejectattr(Renderer& r, const Value& in, CallArgs& a) {
  return lazy(select_common(r, in, a, false, true));
}
Result<Value> f_map(Renderer& r, const Value& in, CallArgs& args) {
  return lazy(map_body(r, in, args));
}

}  // namespace internvl::jinja::filter_detail
