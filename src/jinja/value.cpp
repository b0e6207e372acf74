#include "jinja/value.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/str.h"
#include "jinja/pystr.h"

namespace internvl::jinja {

// ---- construction ----

Value Value::undefined(std::string hint) {
  Value v;
  if (!hint.empty()) {
    v.v_ = UndefinedData{std::make_shared<const std::string>(std::move(hint))};
  }
  return v;
}

Value Value::none() {
  Value v;
  v.v_ = nullptr;
  return v;
}

Value Value::boolean(bool b) {
  Value v;
  v.v_ = b;
  return v;
}

Value Value::integer(std::int64_t i) {
  Value v;
  v.v_ = i;
  return v;
}

Value Value::number(double f) {
  Value v;
  v.v_ = f;
  return v;
}

Value Value::string(std::string s) {
  Value v;
  v.v_ = std::make_shared<const std::string>(std::move(s));
  return v;
}

namespace {

int child_depth(const Value& v) { return v.depth(); }

}  // namespace

Value Value::sequence(std::vector<Value> items, bool tuple, bool iterator) {
  auto data = std::make_shared<ListData>();
  int d = 0;
  for (const auto& item : items) d = std::max(d, child_depth(item));
  data->depth = d + 1;
  data->tuple = tuple;
  data->iterator = iterator;
  data->items = std::move(items);
  Value v;
  v.v_ = ListPtr(std::move(data));
  return v;
}

Value Value::list(std::vector<Value> items) { return sequence(std::move(items), false, false); }

Value Value::tuple(std::vector<Value> items) { return sequence(std::move(items), true, false); }

Value Value::iterator(std::vector<Value> items) { return sequence(std::move(items), false, true); }

Value Value::failed_iterator(Status error) {
  auto data = std::make_shared<ListData>();
  data->iterator = true;
  data->pending_error = std::make_shared<const Status>(std::move(error));
  Value v;
  v.v_ = ListPtr(std::move(data));
  return v;
}

Value Value::dict(DictData data) {
  int d = 0;
  for (const auto& [k, val] : data.items) d = std::max({d, child_depth(k), child_depth(val)});
  data.depth = d + 1;
  Value v;
  v.v_ = DictPtr(std::make_shared<const DictData>(std::move(data)));
  return v;
}

Value Value::object(std::shared_ptr<Object> obj) {
  Value v;
  v.v_ = std::move(obj);
  return v;
}

bool Value::is_tuple() const { return is_list() && as_list().tuple; }

bool Value::is_iterator() const { return is_list() && as_list().iterator; }

std::string Value::undefined_hint() const {
  const auto* u = std::get_if<UndefinedData>(&v_);
  if (u == nullptr || !u->hint) return "value is undefined";
  return *u->hint;
}

int Value::depth() const {
  if (is_list()) return as_list().depth;
  if (is_dict()) return as_dict().depth;
  return 1;
}

bool Value::same_as(const Value& other) const {
  if (kind() != other.kind()) return false;
  switch (kind()) {
    case ValueKind::kUndefined:
    case ValueKind::kNone:
      return true;
    case ValueKind::kBool:
      return as_bool() == other.as_bool();
    case ValueKind::kInt:
      return as_int() == other.as_int();
    case ValueKind::kFloat:
      return as_float() == other.as_float();
    case ValueKind::kString:
      return as_string() == other.as_string();
    case ValueKind::kList:
      return &as_list() == &other.as_list();
    case ValueKind::kDict:
      return &as_dict() == &other.as_dict();
    case ValueKind::kObject:
      return as_object() == other.as_object();
  }
  return false;
}

// ---- dict ----

const Value* DictData::find(const Value& key) const {
  for (const auto& [k, v] : items) {
    if (equals(k, key)) return &v;
  }
  return nullptr;
}

const Value* DictData::find(std::string_view key) const {
  for (const auto& [k, v] : items) {
    if (k.is_string() && k.as_string() == key) return &v;
  }
  return nullptr;
}

void DictData::set(Value key, Value value) {
  for (auto& [k, v] : items) {
    if (equals(k, key)) {
      v = std::move(value);
      return;
    }
  }
  items.emplace_back(std::move(key), std::move(value));
}

// ---- objects ----

Value Object::get_attr(std::string_view name) const {
  return Value::undefined(str_cat("'", type_name(), " object' has no attribute '", name, "'"));
}

Result<Value> Object::call(Renderer& /*r*/, CallArgs& /*args*/) const {
  return invalid_argument("'", type_name(), "' object is not callable");
}

std::string Namespace::repr() const {
  return "<Namespace " + to_repr(Value::dict(attrs_)) + ">";  // only for non-nested callers
}

Value Namespace::get_attr(std::string_view name) const {
  if (const Value* v = attrs_.find(name)) return *v;
  return Value::undefined(str_cat("'Namespace object' has no attribute '", name, "'"));
}

void Namespace::set_attr(std::string_view name, Value v) {
  attrs_.set(Value::string(std::string(name)), std::move(v));
}

// ---- Python semantics ----

bool truthy(const Value& v) {
  switch (v.kind()) {
    case ValueKind::kUndefined:
    case ValueKind::kNone:
      return false;
    case ValueKind::kBool:
      return v.as_bool();
    case ValueKind::kInt:
      return v.as_int() != 0;
    case ValueKind::kFloat:
      return v.as_float() != 0.0;
    case ValueKind::kString:
      return !v.as_string().empty();
    case ValueKind::kList:
      return v.is_iterator() || !v.as_list().items.empty();
    case ValueKind::kDict:
      return !v.as_dict().items.empty();
    case ValueKind::kObject: {
      const std::int64_t n = v.as_object()->length();
      return n != 0;
    }
  }
  return false;
}

std::string type_name(const Value& v) {
  switch (v.kind()) {
    case ValueKind::kUndefined:
      return "Undefined";
    case ValueKind::kNone:
      return "NoneType";
    case ValueKind::kBool:
      return "bool";
    case ValueKind::kInt:
      return "int";
    case ValueKind::kFloat:
      return "float";
    case ValueKind::kString:
      return "str";
    case ValueKind::kList:
      return v.is_iterator() ? "generator" : (v.is_tuple() ? "tuple" : "list");
    case ValueKind::kDict:
      return "dict";
    case ValueKind::kObject:
      return v.as_object()->type_name();
  }
  return "object";
}

namespace {

constexpr int kMaxPrintDepth = kMaxValueDepth + 8;

void append_repr(std::string& out, const Value& v, int depth, std::size_t max);

void append_str(std::string& out, const Value& v, int depth, std::size_t max) {
  switch (v.kind()) {
    case ValueKind::kUndefined:
      return;
    case ValueKind::kString:
      out += v.as_string();
      return;
    default:
      append_repr(out, v, depth, max);
  }
}

void append_repr(std::string& out, const Value& v, int depth, std::size_t max) {
  if (out.size() > max) return;
  if (depth > kMaxPrintDepth) {
    out += "...";
    return;
  }
  switch (v.kind()) {
    case ValueKind::kUndefined:
      out += "Undefined";
      return;
    case ValueKind::kNone:
      out += "None";
      return;
    case ValueKind::kBool:
      out += v.as_bool() ? "True" : "False";
      return;
    case ValueKind::kInt:
      out += std::to_string(v.as_int());
      return;
    case ValueKind::kFloat:
      out += py::float_repr(v.as_float());
      return;
    case ValueKind::kString:
      out += py::repr(v.as_string());
      return;
    case ValueKind::kList: {
      const auto& l = v.as_list();
      if (l.iterator) {
        out += "<generator object>";
        return;
      }
      out += l.tuple ? '(' : '[';
      for (std::size_t i = 0; i < l.items.size(); ++i) {
        if (i > 0) out += ", ";
        append_repr(out, l.items[i], depth + 1, max);
        if (out.size() > max) return;
      }
      if (l.tuple && l.items.size() == 1) out += ',';
      out += l.tuple ? ')' : ']';
      return;
    }
    case ValueKind::kDict: {
      out += '{';
      bool first = true;
      for (const auto& [k, val] : v.as_dict().items) {
        if (!first) out += ", ";
        first = false;
        append_repr(out, k, depth + 1, max);
        out += ": ";
        append_repr(out, val, depth + 1, max);
        if (out.size() > max) return;
      }
      out += '}';
      return;
    }
    case ValueKind::kObject: {
      // A namespace prints its attributes inline, so one size cap bounds even a namespace that
      // holds itself.
      if (const auto* ns = dynamic_cast<const Namespace*>(v.as_object().get())) {
        out += "<Namespace {";
        bool first = true;
        for (const auto& [k, val] : ns->attrs().items) {
          if (!first) out += ", ";
          first = false;
          append_repr(out, k, depth + 1, max);
          out += ": ";
          append_repr(out, val, depth + 1, max);
          if (out.size() > max) return;
        }
        out += "}>";
        return;
      }
      out += v.as_object()->repr();
      return;
    }
  }
}

}  // namespace

std::string to_str(const Value& v, std::size_t max_bytes) {
  if (v.is_string()) return v.as_string();
  std::string out;
  append_str(out, v, 0, max_bytes);
  return out;
}

std::string to_repr(const Value& v, std::size_t max_bytes) {
  std::string out;
  append_repr(out, v, 0, max_bytes);
  return out;
}

bool equals(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_float() || b.is_float()) return a.as_double() == b.as_double();
    return a.as_integral() == b.as_integral();
  }
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case ValueKind::kUndefined:
    case ValueKind::kNone:
      return true;
    case ValueKind::kString:
      return a.as_string() == b.as_string();
    case ValueKind::kList: {
      const auto& x = a.as_list();
      const auto& y = b.as_list();
      if (&x == &y) return true;
      if (x.iterator || y.iterator) return false;  // iterators compare by identity
      if (x.tuple != y.tuple || x.items.size() != y.items.size()) return false;
      for (std::size_t i = 0; i < x.items.size(); ++i) {
        if (!equals(x.items[i], y.items[i])) return false;
      }
      return true;
    }
    case ValueKind::kDict: {
      const auto& x = a.as_dict();
      const auto& y = b.as_dict();
      if (x.items.size() != y.items.size()) return false;
      if (&x == &y) return true;
      for (const auto& [k, v] : x.items) {
        const Value* other = y.find(k);
        if (other == nullptr || !equals(v, *other)) return false;
      }
      return true;
    }
    case ValueKind::kObject:
      return a.as_object() == b.as_object();
    default:
      return false;
  }
}

// ---- JSON ----

namespace {

Result<Value> from_json_at(const Json& j, int depth) {
  if (depth > kMaxValueDepth) {
    return out_of_range("JSON input nested deeper than ", kMaxValueDepth, " levels");
  }
  switch (j.type()) {
    case Json::value_t::null:
      return Value::none();
    case Json::value_t::boolean:
      return Value::boolean(j.get<bool>());
    case Json::value_t::number_integer:
      return Value::integer(j.get<std::int64_t>());
    case Json::value_t::number_unsigned: {
      const auto u = j.get<std::uint64_t>();
      if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        return Value::number(static_cast<double>(u));
      }
      return Value::integer(static_cast<std::int64_t>(u));
    }
    case Json::value_t::number_float:
      return Value::number(j.get<double>());
    case Json::value_t::string:
      return Value::string(j.get<std::string>());
    case Json::value_t::array: {
      std::vector<Value> items;
      items.reserve(j.size());
      for (const auto& e : j) {
        INTERNVL_ASSIGN_OR_RETURN(Value v, from_json_at(e, depth + 1));
        items.push_back(std::move(v));
      }
      return Value::list(std::move(items));
    }
    case Json::value_t::object: {
      DictData d;
      d.items.reserve(j.size());
      // JSON object keys are unique, so no duplicate check is needed.
      for (auto it = j.begin(); it != j.end(); ++it) {
        INTERNVL_ASSIGN_OR_RETURN(Value v, from_json_at(it.value(), depth + 1));
        d.items.emplace_back(Value::string(it.key()), std::move(v));
      }
      return Value::dict(std::move(d));
    }
    default:
      return invalid_argument("unsupported JSON value type '", j.type_name(), "'");
  }
}

}  // namespace

Result<Value> from_json(const Json& j) { return from_json_at(j, 0); }

Result<Json> to_json(const Value& v) {
  switch (v.kind()) {
    case ValueKind::kNone:
      return Json(nullptr);
    case ValueKind::kBool:
      return Json(v.as_bool());
    case ValueKind::kInt:
      return Json(v.as_int());
    case ValueKind::kFloat:
      return Json(v.as_float());
    case ValueKind::kString:
      return Json(v.as_string());
    case ValueKind::kList: {
      Json arr = Json::array();
      for (const auto& item : v.as_list().items) {
        INTERNVL_ASSIGN_OR_RETURN(Json e, to_json(item));
        arr.push_back(std::move(e));
      }
      return arr;
    }
    case ValueKind::kDict: {
      Json obj = Json::object();
      for (const auto& [k, val] : v.as_dict().items) {
        INTERNVL_ASSIGN_OR_RETURN(Json e, to_json(val));
        obj[k.is_string() ? k.as_string() : to_str(k)] = std::move(e);
      }
      return obj;
    }
    default:
      return invalid_argument("cannot convert a value of type '", type_name(v), "' to JSON");
  }
}

}  // namespace internvl::jinja
