// Jinja's builtin tests (`x is defined`, `x is string`, ...), jinja2/tests.py (3.1).
#include "core/str.h"
#include "jinja/builtins.h"
#include "jinja/operators.h"
#include "jinja/pystr.h"
#include "jinja/render.h"

namespace internvl::jinja {
namespace {

Status no_args(std::string_view name, const CallArgs& args) {
  return bind_args(str_cat("test '", name, "'"), args, {}).status();
}

Result<Value> one_arg(std::string_view name, const CallArgs& args) {
  INTERNVL_ASSIGN_OR_RETURN(BoundArgs a,
                            bind_args(str_cat("test '", name, "'"), args, {"other"}, 1));
  return a[0];
}

#define INTERNVL_SIMPLE_TEST(fn, name, expr)                         \
  Result<bool> fn(Renderer& /*r*/, const Value& v, CallArgs& args) { \
    INTERNVL_RETURN_IF_ERROR(no_args(name, args));                   \
    static_cast<void>(v);                                            \
    return (expr);                                                   \
  }

INTERNVL_SIMPLE_TEST(t_defined, "defined", !v.is_undefined())
INTERNVL_SIMPLE_TEST(t_undefined, "undefined", v.is_undefined())
INTERNVL_SIMPLE_TEST(t_none, "none", v.is_none())
INTERNVL_SIMPLE_TEST(t_boolean, "boolean", v.is_bool())
INTERNVL_SIMPLE_TEST(t_false, "false", v.is_bool() && !v.as_bool())
INTERNVL_SIMPLE_TEST(t_true, "true", v.is_bool() && v.as_bool())
INTERNVL_SIMPLE_TEST(t_integer, "integer", v.is_int())
INTERNVL_SIMPLE_TEST(t_float, "float", v.is_float())
INTERNVL_SIMPLE_TEST(t_number, "number", v.is_number())  // bool is a Number in Python
INTERNVL_SIMPLE_TEST(t_string, "string", v.is_string())
INTERNVL_SIMPLE_TEST(t_mapping, "mapping", v.is_dict())
// len() and __getitem__: Undefined has both.
INTERNVL_SIMPLE_TEST(t_sequence, "sequence",
                     v.is_string() || v.is_sequence() || v.is_dict() || v.is_undefined())
INTERNVL_SIMPLE_TEST(t_iterable, "iterable",
                     v.is_string() || v.is_list() || v.is_dict() || v.is_undefined() ||
                         (v.is_object() && v.as_object()->length() >= 0))
// Undefined defines __call__ (which raises), so callable() is true for it.
INTERNVL_SIMPLE_TEST(t_callable, "callable",
                     v.is_undefined() || (v.is_object() && v.as_object()->callable()))
INTERNVL_SIMPLE_TEST(t_escaped, "escaped", false)

#undef INTERNVL_SIMPLE_TEST

Result<bool> t_lower(Renderer& r, const Value& v, CallArgs& args) {
  INTERNVL_RETURN_IF_ERROR(no_args("lower", args));
  return py::str_is_lower(to_str(v, r.limits().max_output_bytes));
}

Result<bool> t_upper(Renderer& r, const Value& v, CallArgs& args) {
  INTERNVL_RETURN_IF_ERROR(no_args("upper", args));
  return py::str_is_upper(to_str(v, r.limits().max_output_bytes));
}

Result<bool> mod_equals(Renderer& r, const Value& v, const Value& divisor, std::int64_t want) {
  INTERNVL_ASSIGN_OR_RETURN(Value m,
                            binary_op(BinOp::kMod, v, divisor, r.limits().max_output_bytes));
  return equals(m, Value::integer(want));
}

Result<bool> t_odd(Renderer& r, const Value& v, CallArgs& args) {
  INTERNVL_RETURN_IF_ERROR(no_args("odd", args));
  return mod_equals(r, v, Value::integer(2), 1);
}

Result<bool> t_even(Renderer& r, const Value& v, CallArgs& args) {
  INTERNVL_RETURN_IF_ERROR(no_args("even", args));
  return mod_equals(r, v, Value::integer(2), 0);
}

Result<bool> t_divisibleby(Renderer& r, const Value& v, CallArgs& args) {
  INTERNVL_ASSIGN_OR_RETURN(BoundArgs a, bind_args("test 'divisibleby'", args, {"num"}, 1));
  return mod_equals(r, v, a[0], 0);
}

Result<bool> t_sameas(Renderer& /*r*/, const Value& v, CallArgs& args) {
  INTERNVL_ASSIGN_OR_RETURN(Value other, one_arg("sameas", args));
  return v.same_as(other);
}

Result<bool> t_in(Renderer& /*r*/, const Value& v, CallArgs& args) {
  INTERNVL_ASSIGN_OR_RETURN(Value seq, one_arg("in", args));
  return contains(seq, v);
}

template <CmpOp Op>
Result<bool> t_compare(Renderer& /*r*/, const Value& v, CallArgs& args) {
  INTERNVL_ASSIGN_OR_RETURN(Value other, one_arg("comparison", args));
  return compare(Op, v, other);
}

Result<bool> t_filter(Renderer& /*r*/, const Value& v, CallArgs& args) {
  INTERNVL_RETURN_IF_ERROR(no_args("filter", args));
  return v.is_string() && find_filter(v.as_string()) != nullptr;
}

Result<bool> t_test(Renderer& /*r*/, const Value& v, CallArgs& args) {
  INTERNVL_RETURN_IF_ERROR(no_args("test", args));
  return v.is_string() && find_test(v.as_string()) != nullptr;
}

struct TestEntry {
  std::string_view name;
  TestFn fn;
};

constexpr TestEntry kTests[] = {
    {"odd", t_odd},
    {"even", t_even},
    {"divisibleby", t_divisibleby},
    {"defined", t_defined},
    {"undefined", t_undefined},
    {"filter", t_filter},
    {"test", t_test},
    {"none", t_none},
    {"boolean", t_boolean},
    {"false", t_false},
    {"true", t_true},
    {"integer", t_integer},
    {"float", t_float},
    {"lower", t_lower},
    {"upper", t_upper},
    {"string", t_string},
    {"mapping", t_mapping},
    {"number", t_number},
    {"sequence", t_sequence},
    {"iterable", t_iterable},
    {"callable", t_callable},
    {"sameas", t_sameas},
    {"escaped", t_escaped},
    {"in", t_in},
    {"==", t_compare<CmpOp::kEq>},
    {"eq", t_compare<CmpOp::kEq>},
    {"equalto", t_compare<CmpOp::kEq>},
    {"!=", t_compare<CmpOp::kNe>},
    {"ne", t_compare<CmpOp::kNe>},
    {">", t_compare<CmpOp::kGt>},
    {"gt", t_compare<CmpOp::kGt>},
    {"greaterthan", t_compare<CmpOp::kGt>},
    {">=", t_compare<CmpOp::kGe>},
    {"ge", t_compare<CmpOp::kGe>},
    {"<", t_compare<CmpOp::kLt>},
    {"lt", t_compare<CmpOp::kLt>},
    {"lessthan", t_compare<CmpOp::kLt>},
    {"<=", t_compare<CmpOp::kLe>},
    {"le", t_compare<CmpOp::kLe>},
};

}  // namespace

TestFn find_test(std::string_view name) {
  for (const auto& t : kTests) {
    if (t.name == name) return t.fn;
  }
  return nullptr;
}

}  // namespace internvl::jinja
