#include "jinja/operators.h"

#include <cmath>
#include <limits>
#include <optional>

#include "core/str.h"
#include "jinja/format.h"
#include "jinja/methods.h"
#include "jinja/pystr.h"

namespace internvl::jinja {

Status undefined_error(const Value& v) { return invalid_argument(v.undefined_hint()); }

namespace {

Status unsupported_operands(std::string_view op, const Value& a, const Value& b) {
  return invalid_argument("unsupported operand type(s) for ", op, ": '", type_name(a), "' and '",
                          type_name(b), "'");
}

Status too_large(std::size_t max_bytes) {
  return resource_exhausted("value larger than the render limit of ", max_bytes, " bytes");
}

Status int_overflow() { return out_of_range("integer overflow (Python ints are unbounded)"); }

// Python's float divmod (Objects/floatobject.c).
void float_divmod(double vx, double wx, double* floordiv, double* mod) {
  double m = std::fmod(vx, wx);
  double div = (vx - m) / wx;
  if (m != 0) {
    if ((wx < 0) != (m < 0)) {
      m += wx;
      div -= 1.0;
    }
  } else {
    m = std::copysign(0.0, wx);
  }
  double fd;
  if (div != 0) {
    fd = std::floor(div);
    if (div - fd > 0.5) fd += 1.0;
  } else {
    fd = std::copysign(0.0, vx / wx);
  }
  *floordiv = fd;
  *mod = m;
}

Result<Value> repeat(const Value& seq, std::int64_t n, std::size_t max_bytes) {
  if (n < 0) n = 0;
  if (seq.is_string()) {
    const std::string& s = seq.as_string();
    if (!s.empty() && static_cast<std::uint64_t>(n) > max_bytes / s.size()) {
      return too_large(max_bytes);
    }
    std::string out;
    out.reserve(s.size() * static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i) out += s;
    return Value::string(std::move(out));
  }
  const auto& l = seq.as_list();
  if (!l.items.empty() && static_cast<std::uint64_t>(n) * l.items.size() > max_bytes / 16) {
    return too_large(max_bytes);
  }
  std::vector<Value> out;
  out.reserve(l.items.size() * static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) out.insert(out.end(), l.items.begin(), l.items.end());
  return l.tuple ? Value::tuple(std::move(out)) : Value::list(std::move(out));
}

Result<Value> int_pow(std::int64_t base, std::int64_t exp) {
  std::int64_t result = 1;
  while (exp > 0) {
    if (exp & 1) {
      if (__builtin_mul_overflow(result, base, &result)) return int_overflow();
    }
    exp >>= 1;
    if (exp > 0 && __builtin_mul_overflow(base, base, &base)) return int_overflow();
  }
  return Value::integer(result);
}

}  // namespace

Result<Value> binary_op(BinOp op, const Value& a, const Value& b, std::size_t max_bytes) {
  if (a.is_undefined()) return undefined_error(a);
  if (b.is_undefined()) return undefined_error(b);
  const bool nums = a.is_number() && b.is_number();
  const bool ints = a.is_integral() && b.is_integral();
  switch (op) {
    case BinOp::kAdd: {
      if (ints) {
        std::int64_t r;
        if (__builtin_add_overflow(a.as_integral(), b.as_integral(), &r)) return int_overflow();
        return Value::integer(r);
      }
      if (nums) return Value::number(a.as_double() + b.as_double());
      if (a.is_string() && b.is_string()) {
        if (a.as_string().size() + b.as_string().size() > max_bytes) return too_large(max_bytes);
        return Value::string(a.as_string() + b.as_string());
      }
      if (a.is_string()) {
        return invalid_argument("can only concatenate str (not \"", type_name(b), "\") to str");
      }
      if (a.is_sequence() && b.is_sequence() && a.is_tuple() == b.is_tuple()) {
        std::vector<Value> items = a.as_list().items;
        items.insert(items.end(), b.as_list().items.begin(), b.as_list().items.end());
        Value out = a.is_tuple() ? Value::tuple(std::move(items)) : Value::list(std::move(items));
        if (out.depth() > kMaxValueDepth) return out_of_range("list nested too deeply");
        return out;
      }
      if (a.is_sequence()) {
        return invalid_argument("can only concatenate ", type_name(a), " (not \"", type_name(b),
                                "\") to ", type_name(a));
      }
      return unsupported_operands("+", a, b);
    }
    case BinOp::kSub: {
      if (ints) {
        std::int64_t r;
        if (__builtin_sub_overflow(a.as_integral(), b.as_integral(), &r)) return int_overflow();
        return Value::integer(r);
      }
      if (nums) return Value::number(a.as_double() - b.as_double());
      return unsupported_operands("-", a, b);
    }
    case BinOp::kMul: {
      if (ints) {
        std::int64_t r;
        if (__builtin_mul_overflow(a.as_integral(), b.as_integral(), &r)) return int_overflow();
        return Value::integer(r);
      }
      if (nums) return Value::number(a.as_double() * b.as_double());
      if ((a.is_string() || a.is_sequence()) && b.is_integral()) {
        return repeat(a, b.as_integral(), max_bytes);
      }
      if ((b.is_string() || b.is_sequence()) && a.is_integral()) {
        return repeat(b, a.as_integral(), max_bytes);
      }
      if (a.is_string() || b.is_string() || a.is_sequence() || b.is_sequence()) {
        const Value& other = (a.is_string() || a.is_sequence()) ? b : a;
        return invalid_argument("can't multiply sequence by non-int of type '", type_name(other),
                                "'");
      }
      return unsupported_operands("*", a, b);
    }
    case BinOp::kDiv: {
      if (!nums) return unsupported_operands("/", a, b);
      if (b.as_double() == 0.0) return invalid_argument("division by zero");
      return Value::number(a.as_double() / b.as_double());
    }
    case BinOp::kFloorDiv:
    case BinOp::kMod: {
      if (op == BinOp::kMod && a.is_string()) return percent_format(a.as_string(), b, max_bytes);
      if (!nums) return unsupported_operands(op == BinOp::kMod ? "%" : "//", a, b);
      if (ints) {
        const std::int64_t x = a.as_integral();
        const std::int64_t y = b.as_integral();
        if (y == 0) return invalid_argument("integer division or modulo by zero");
        if (x == std::numeric_limits<std::int64_t>::min() && y == -1) {
          if (op == BinOp::kMod) return Value::integer(0);
          return int_overflow();
        }
        std::int64_t q = x / y;
        std::int64_t m = x % y;
        if (m != 0 && ((m < 0) != (y < 0))) {
          m += y;
          q -= 1;
        }
        return Value::integer(op == BinOp::kMod ? m : q);
      }
      const double y = b.as_double();
      if (y == 0.0) {
        return invalid_argument(op == BinOp::kMod ? "float modulo"
                                                  : "float floor division by zero");
      }
      double fd, m;
      float_divmod(a.as_double(), y, &fd, &m);
      return Value::number(op == BinOp::kMod ? m : fd);
    }
    case BinOp::kPow: {
      if (!nums) return unsupported_operands("** or pow()", a, b);
      if (ints && b.as_integral() >= 0) return int_pow(a.as_integral(), b.as_integral());
      const double x = a.as_double();
      const double y = b.as_double();
      if (x == 0.0 && y < 0) return invalid_argument("0.0 cannot be raised to a negative power");
      if (x < 0 && y != std::floor(y)) {
        return unsupported("a negative number raised to a fractional power is complex");
      }
      const double r = std::pow(x, y);
      if (std::isinf(r) && std::isfinite(x) && std::isfinite(y)) {
        return out_of_range("(34, 'Numerical result out of range')");
      }
      return Value::number(r);
    }
  }
  return internal_error("unknown binary operator");
}

Result<Value> negate(const Value& a) {
  if (a.is_undefined()) return undefined_error(a);
  if (a.is_integral()) {
    if (a.as_integral() == std::numeric_limits<std::int64_t>::min()) return int_overflow();
    return Value::integer(-a.as_integral());
  }
  if (a.is_float()) return Value::number(-a.as_float());
  return invalid_argument("bad operand type for unary -: '", type_name(a), "'");
}

Result<Value> unary_plus(const Value& a) {
  if (a.is_undefined()) return undefined_error(a);
  if (a.is_integral()) return Value::integer(a.as_integral());
  if (a.is_float()) return a;
  return invalid_argument("bad operand type for unary +: '", type_name(a), "'");
}

Result<bool> less_than(const Value& a, const Value& b) {
  if (a.is_undefined()) return undefined_error(a);
  if (b.is_undefined()) return undefined_error(b);
  if (a.is_number() && b.is_number()) {
    if (a.is_integral() && b.is_integral()) return a.as_integral() < b.as_integral();
    return a.as_double() < b.as_double();
  }
  if (a.is_string() && b.is_string()) return a.as_string() < b.as_string();  // UTF-8 keeps order
  if (a.is_sequence() && b.is_sequence() && a.is_tuple() == b.is_tuple()) {
    const auto& x = a.as_list().items;
    const auto& y = b.as_list().items;
    for (std::size_t i = 0; i < x.size() && i < y.size(); ++i) {
      if (!equals(x[i], y[i])) return less_than(x[i], y[i]);
    }
    return x.size() < y.size();
  }
  return invalid_argument("'<' not supported between instances of '", type_name(a), "' and '",
                          type_name(b), "'");
}

Result<bool> compare(CmpOp op, const Value& a, const Value& b) {
  switch (op) {
    case CmpOp::kEq:
      return equals(a, b);
    case CmpOp::kNe:
      return !equals(a, b);
    case CmpOp::kIn:
      return contains(b, a);
    case CmpOp::kNotIn: {
      INTERNVL_ASSIGN_OR_RETURN(bool in, contains(b, a));
      return !in;
    }
    default:
      break;
  }
  // NaN compares false both ways, so <= is not "not >".
  const bool floats = a.is_number() && b.is_number() && (a.is_float() || b.is_float());
  if (floats) {
    const double x = a.as_double();
    const double y = b.as_double();
    switch (op) {
      case CmpOp::kLt:
        return x < y;
      case CmpOp::kLe:
        return x <= y;
      case CmpOp::kGt:
        return x > y;
      default:
        return x >= y;
    }
  }
  auto message = [&](std::string_view sym) {
    return invalid_argument("'", sym, "' not supported between instances of '", type_name(a),
                            "' and '", type_name(b), "'");
  };
  switch (op) {
    case CmpOp::kLt: {
      auto r = less_than(a, b);
      if (!r.ok() && !a.is_undefined() && !b.is_undefined()) return message("<");
      return r;
    }
    case CmpOp::kGt: {
      auto r = less_than(b, a);
      if (!r.ok() && !a.is_undefined() && !b.is_undefined()) return message(">");
      return r;
    }
    case CmpOp::kLe: {
      auto r = less_than(b, a);
      if (!r.ok()) return (!a.is_undefined() && !b.is_undefined()) ? message("<=") : r;
      return !*r;
    }
    default: {
      auto r = less_than(a, b);
      if (!r.ok()) return (!a.is_undefined() && !b.is_undefined()) ? message(">=") : r;
      return !*r;
    }
  }
}

Result<bool> contains(const Value& container, const Value& item) {
  switch (container.kind()) {
    case ValueKind::kUndefined:
      return false;  // Undefined iterates as empty
    case ValueKind::kString:
      if (!item.is_string()) {
        return invalid_argument("'in <string>' requires string as left operand, not ",
                                type_name(item));
      }
      return container.as_string().find(item.as_string()) != std::string::npos;
    case ValueKind::kList:
      if (container.as_list().pending_error) return *container.as_list().pending_error;
      for (const auto& v : container.as_list().items) {
        if (equals(v, item)) return true;
      }
      return false;
    case ValueKind::kDict:
      if (item.is_list() || item.is_dict()) {
        return invalid_argument("unhashable type: '", type_name(item), "'");
      }
      return container.as_dict().find(item) != nullptr;
    default:
      return invalid_argument("argument of type '", type_name(container), "' is not iterable");
  }
}

// ---- lookup ----

namespace {

std::string object_type_repr(const Value& obj) {
  if (obj.is_none()) return "None";
  return type_name(obj) + " object";
}

Value missing_attr(const Value& obj, std::string_view name) {
  return Value::undefined(str_cat("'", object_type_repr(obj), "' has no attribute '", name, "'"));
}

Value missing_item(const Value& obj, const Value& key) {
  if (key.is_string()) return missing_attr(obj, key.as_string());
  return Value::undefined(str_cat(object_type_repr(obj), " has no element ", to_repr(key)));
}

// Python attribute lookup only (no item fallback); nullopt when the type has no such attribute.
std::optional<Value> python_attr(const Value& obj, std::string_view name) {
  if (obj.is_object()) {
    Value v = obj.as_object()->get_attr(name);
    if (v.is_undefined()) return std::nullopt;
    return v;
  }
  if (is_unsafe_method(obj, name)) {
    return Value::undefined(
        str_cat("access to attribute '", name, "' of '", type_name(obj), "' object is unsafe."));
  }
  if (has_method(obj, name)) return make_bound_method(obj, std::string(name));
  return std::nullopt;
}

}  // namespace

Result<Value> get_attr(const Value& obj, std::string_view name) {
  if (obj.is_undefined()) return undefined_error(obj);
  if (auto v = python_attr(obj, name)) return *v;
  if (obj.is_dict()) {
    if (const Value* v = obj.as_dict().find(name)) return *v;
  }
  if (obj.is_object()) return obj.as_object()->get_attr(name);
  return missing_attr(obj, name);
}

Result<Value> get_item(const Value& obj, const Value& key) {
  if (obj.is_undefined()) return undefined_error(obj);
  switch (obj.kind()) {
    case ValueKind::kDict: {
      if (!key.is_list() && !key.is_dict()) {
        if (const Value* v = obj.as_dict().find(key)) return *v;
      }
      break;
    }
    case ValueKind::kList: {
      if (key.is_integral() && !obj.is_iterator()) {
        const auto& items = obj.as_list().items;
        std::int64_t i = key.as_integral();
        const auto n = static_cast<std::int64_t>(items.size());
        if (i < 0) i += n;
        if (i >= 0 && i < n) return items[static_cast<std::size_t>(i)];
        return missing_item(obj, key);
      }
      break;
    }
    case ValueKind::kString: {
      if (key.is_integral()) {
        const std::string& s = obj.as_string();
        std::int64_t i = key.as_integral();
        if (py::is_ascii(s)) {
          const auto n = static_cast<std::int64_t>(s.size());
          if (i < 0) i += n;
          if (i >= 0 && i < n) return Value::string(std::string(1, s[static_cast<std::size_t>(i)]));
        } else {
          const std::u32string u = py::to_u32(s);
          const auto n = static_cast<std::int64_t>(u.size());
          if (i < 0) i += n;
          if (i >= 0 && i < n) {
            std::string c;
            py::append_cp(c, u[static_cast<std::size_t>(i)]);
            return Value::string(std::move(c));
          }
        }
        return missing_item(obj, key);
      }
      break;
    }
    default:
      break;
  }
  if (key.is_string()) {
    if (auto v = python_attr(obj, key.as_string())) return *v;
  }
  return missing_item(obj, key);
}

namespace {

// PySlice_AdjustIndices for one bound.
std::int64_t adjust(const Value& v, std::int64_t len, std::int64_t step, bool is_start) {
  const std::int64_t lower = step < 0 ? -1 : 0;
  const std::int64_t upper = step < 0 ? len - 1 : len;
  if (v.is_none() || v.is_undefined()) {
    if (is_start) return step < 0 ? upper : lower;
    return step < 0 ? lower : upper;
  }
  std::int64_t i = v.as_integral();
  if (i < 0) {
    i += len;
    if (i < lower) i = lower;
  } else if (i > upper) {
    i = upper;
  }
  return i;
}

}  // namespace

Result<Value> get_slice(const Value& obj, const Value& start, const Value& stop,
                        const Value& step) {
  if (obj.is_undefined()) return undefined_error(obj);
  // Jinja compiles slices to a plain Python subscript (no getitem fallback), so errors raise.
  if (obj.is_dict()) return invalid_argument("unhashable type: 'slice'");
  if (!(obj.is_sequence() || obj.is_string())) {
    return invalid_argument("'", type_name(obj), "' object is not subscriptable");
  }
  auto bound_ok = [](const Value& v) { return v.is_none() || v.is_integral(); };
  if (!bound_ok(start) || !bound_ok(stop) || !bound_ok(step)) {
    return invalid_argument("slice indices must be integers or None or have an __index__ method");
  }
  const std::int64_t st = step.is_none() ? 1 : step.as_integral();
  if (st == 0) return invalid_argument("slice step cannot be zero");
  std::u32string u;
  const bool ascii = obj.is_string() && py::is_ascii(obj.as_string());
  if (obj.is_string() && !ascii) u = py::to_u32(obj.as_string());
  const auto len = static_cast<std::int64_t>(
      obj.is_list() ? obj.as_list().items.size() : (ascii ? obj.as_string().size() : u.size()));
  const std::int64_t b = adjust(start, len, st, true);
  const std::int64_t e = adjust(stop, len, st, false);
  std::vector<std::int64_t> idx;
  if (st > 0) {
    for (std::int64_t i = b; i < e; i += st) idx.push_back(i);
  } else {
    for (std::int64_t i = b; i > e; i += st) idx.push_back(i);
  }
  if (obj.is_list()) {
    std::vector<Value> out;
    out.reserve(idx.size());
    for (std::int64_t i : idx) out.push_back(obj.as_list().items[static_cast<std::size_t>(i)]);
    return obj.is_tuple() ? Value::tuple(std::move(out)) : Value::list(std::move(out));
  }
  std::string out;
  out.reserve(idx.size());
  for (std::int64_t i : idx) {
    if (ascii) {
      out.push_back(obj.as_string()[static_cast<std::size_t>(i)]);
    } else {
      py::append_cp(out, u[static_cast<std::size_t>(i)]);
    }
  }
  return Value::string(std::move(out));
}

Result<std::vector<Value>> iterate(const Value& v) {
  switch (v.kind()) {
    case ValueKind::kUndefined:
      return std::vector<Value>{};
    case ValueKind::kList:
      if (v.as_list().pending_error) return *v.as_list().pending_error;
      return v.as_list().items;
    case ValueKind::kDict: {
      std::vector<Value> keys;
      keys.reserve(v.as_dict().items.size());
      for (const auto& [k, val] : v.as_dict().items) keys.push_back(k);
      return keys;
    }
    case ValueKind::kString: {
      std::vector<Value> chars;
      const std::string& s = v.as_string();
      for (std::size_t i = 0; i < s.size();) {
        const std::size_t start = i;
        py::next_cp(s, i);
        chars.push_back(Value::string(s.substr(start, i - start)));
      }
      return chars;
    }
    default:
      return invalid_argument("'", type_name(v), "' object is not iterable");
  }
}

Result<std::int64_t> length(const Value& v) {
  switch (v.kind()) {
    case ValueKind::kUndefined:
      return std::int64_t{0};
    case ValueKind::kString:
      return static_cast<std::int64_t>(py::cp_count(v.as_string()));
    case ValueKind::kList:
      if (v.is_iterator()) break;
      return static_cast<std::int64_t>(v.as_list().items.size());
    case ValueKind::kDict:
      return static_cast<std::int64_t>(v.as_dict().items.size());
    case ValueKind::kObject: {
      const std::int64_t n = v.as_object()->length();
      if (n >= 0) return n;
      break;
    }
    default:
      break;
  }
  return invalid_argument("object of type '", type_name(v), "' has no len()");
}

}  // namespace internvl::jinja
