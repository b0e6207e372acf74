// Expression evaluation and calls (macros included).
#include "core/str.h"
#include "jinja/builtins.h"
#include "jinja/lexer.h"
#include "jinja/methods.h"
#include "jinja/operators.h"
#include "jinja/render.h"

namespace internvl::jinja {

// ---- scope ----

const Value* Scope::find(std::string_view name) const {
  for (const Scope* s = this; s != nullptr; s = s->parent_.get()) {
    for (const auto& [k, v] : s->vars_) {
      if (k == name) return &v;
    }
  }
  return nullptr;
}

void Scope::set(std::string_view name, Value v) {
  for (auto& [k, old] : vars_) {
    if (k == name) {
      old = std::move(v);
      return;
    }
  }
  vars_.emplace_back(std::string(name), std::move(v));
}

// ---- budget ----

Status Renderer::charge(std::int64_t n) {
  steps_ += n;
  if (steps_ > limits_.max_steps) {
    return resource_exhausted("template exceeded its work budget of ", limits_.max_steps,
                              " steps (an endless or very large loop?)");
  }
  return Status();
}

Status Renderer::check_size(std::size_t bytes) {
  if (bytes > limits_.max_output_bytes) {
    return resource_exhausted("template built a string of ", bytes, " bytes, over the limit of ",
                              limits_.max_output_bytes);
  }
  return charge(static_cast<std::int64_t>(bytes / 64));
}

// ---- evaluation ----

Result<Value> Renderer::eval(const Expr& e) {
  DepthGuard guard(*this);
  Result<Value> r = [&]() -> Result<Value> {
    if (guard.exceeded()) {
      return resource_exhausted("template recursion too deep (over ", limits_.max_depth,
                                " frames or ", limits_.max_stack_bytes, " bytes of stack)");
    }
    INTERNVL_RETURN_IF_ERROR(charge(1));
    return eval_impl(e);
  }();
  if (!r.ok() && error_offset_ == std::string_view::npos) error_offset_ = e.offset;
  return r;
}

Result<Value> Renderer::eval_impl(const Expr& e) {
  switch (e.kind) {
    case ExprKind::kConst:
      return static_cast<const ConstExpr&>(e).value;
    case ExprKind::kName:
      return eval_name(static_cast<const NameExpr&>(e));
    case ExprKind::kList:
    case ExprKind::kTuple:
    case ExprKind::kDict:
      return eval_collection(e);
    case ExprKind::kGetAttr: {
      const auto& g = static_cast<const GetAttrExpr&>(e);
      INTERNVL_ASSIGN_OR_RETURN(Value obj, eval(*g.object));
      return get_attr(obj, g.name);
    }
    case ExprKind::kGetItem:
      return eval_getitem(static_cast<const GetItemExpr&>(e));
    case ExprKind::kSlice:
      return internal_error("slice outside a subscript");
    case ExprKind::kCall:
      return eval_call(static_cast<const CallExpr&>(e));
    case ExprKind::kFilter:
      return eval_filter(static_cast<const FilterExpr&>(e));
    case ExprKind::kTest:
      return eval_test(static_cast<const TestExpr&>(e));
    case ExprKind::kNeg:
    case ExprKind::kPos:
    case ExprKind::kNot: {
      const auto& u = static_cast<const UnaryExpr&>(e);
      INTERNVL_ASSIGN_OR_RETURN(Value v, eval(*u.operand));
      if (e.kind == ExprKind::kNot) return Value::boolean(!truthy(v));
      return e.kind == ExprKind::kNeg ? negate(v) : unary_plus(v);
    }
    case ExprKind::kBinary: {
      const auto& b = static_cast<const BinaryExpr&>(e);
      INTERNVL_ASSIGN_OR_RETURN(Value lhs, eval(*b.lhs));
      INTERNVL_ASSIGN_OR_RETURN(Value rhs, eval(*b.rhs));
      INTERNVL_ASSIGN_OR_RETURN(Value out, binary_op(b.op, lhs, rhs, limits_.max_output_bytes));
      if (out.is_string()) INTERNVL_RETURN_IF_ERROR(check_size(out.as_string().size()));
      if (out.is_list())
        INTERNVL_RETURN_IF_ERROR(charge(static_cast<std::int64_t>(out.as_list().items.size())));
      return out;
    }
    case ExprKind::kAnd:
    case ExprKind::kOr: {
      const auto& l = static_cast<const LogicExpr&>(e);
      INTERNVL_ASSIGN_OR_RETURN(Value lhs, eval(*l.lhs));
      // Python returns the deciding operand, not a bool.
      if (truthy(lhs) == (e.kind == ExprKind::kOr)) return lhs;
      return eval(*l.rhs);
    }
    case ExprKind::kCompare:
      return eval_compare(static_cast<const CompareExpr&>(e));
    case ExprKind::kConcat:
      return eval_concat(static_cast<const ConcatExpr&>(e));
    case ExprKind::kCond: {
      const auto& c = static_cast<const CondExpr&>(e);
      INTERNVL_ASSIGN_OR_RETURN(Value test, eval(*c.test));
      if (truthy(test)) return eval(*c.then_value);
      if (c.else_value) return eval(*c.else_value);
      return Value::undefined(str_cat("the inline if-expression on ",
                                      describe_position(source_, e.offset),
                                      " evaluated to false and no else section was defined."));
    }
  }
  return internal_error("unknown expression kind");
}

Result<Value> Renderer::eval_name(const NameExpr& e) {
  if (const Value* v = scope_->find(e.name)) return *v;
  Value g = find_global(e.name);
  if (!g.is_undefined()) return g;
  return Value::undefined(str_cat("'", e.name, "' is undefined"));
}

Result<Value> Renderer::eval_collection(const Expr& e) {
  if (e.kind == ExprKind::kDict) {
    DictData d;
    for (const auto& [ke, ve] : static_cast<const DictExpr&>(e).items) {
      INTERNVL_ASSIGN_OR_RETURN(Value k, eval(*ke));
      INTERNVL_ASSIGN_OR_RETURN(Value v, eval(*ve));
      if (k.is_list() && !k.is_tuple()) return invalid_argument("unhashable type: 'list'");
      if (k.is_dict()) return invalid_argument("unhashable type: 'dict'");
      d.set(std::move(k), std::move(v));
    }
    Value out = Value::dict(std::move(d));
    if (out.depth() > kMaxValueDepth) return out_of_range("dict nested too deeply");
    return out;
  }
  std::vector<Value> items;
  for (const auto& ie : static_cast<const SeqExpr&>(e).items) {
    INTERNVL_ASSIGN_OR_RETURN(Value v, eval(*ie));
    items.push_back(std::move(v));
  }
  Value out =
      e.kind == ExprKind::kTuple ? Value::tuple(std::move(items)) : Value::list(std::move(items));
  if (out.depth() > kMaxValueDepth) return out_of_range("list nested too deeply");
  return out;
}

Result<Value> Renderer::eval_getitem(const GetItemExpr& e) {
  INTERNVL_ASSIGN_OR_RETURN(Value obj, eval(*e.object));
  if (e.key->kind == ExprKind::kSlice) {
    const auto& s = static_cast<const SliceExpr&>(*e.key);
    Value bounds[3] = {Value::none(), Value::none(), Value::none()};
    const Expr* parts[3] = {s.start.get(), s.stop.get(), s.step.get()};
    for (int i = 0; i < 3; ++i) {
      if (parts[i] != nullptr) {
        INTERNVL_ASSIGN_OR_RETURN(bounds[i], eval(*parts[i]));
      }
    }
    INTERNVL_ASSIGN_OR_RETURN(Value out, get_slice(obj, bounds[0], bounds[1], bounds[2]));
    if (out.is_list())
      INTERNVL_RETURN_IF_ERROR(charge(static_cast<std::int64_t>(out.as_list().items.size())));
    if (out.is_string()) INTERNVL_RETURN_IF_ERROR(check_size(out.as_string().size()));
    return out;
  }
  INTERNVL_ASSIGN_OR_RETURN(Value key, eval(*e.key));
  return get_item(obj, key);
}

Result<Value> Renderer::eval_compare(const CompareExpr& e) {
  INTERNVL_ASSIGN_OR_RETURN(Value left, eval(*e.first));
  for (const auto& [op, rhs] : e.rest) {
    INTERNVL_ASSIGN_OR_RETURN(Value right, eval(*rhs));
    INTERNVL_ASSIGN_OR_RETURN(bool ok, compare(op, left, right));
    if (!ok) return Value::boolean(false);
    left = std::move(right);
  }
  return Value::boolean(true);
}

Result<Value> Renderer::eval_concat(const ConcatExpr& e) {
  // Sizes are checked before the result is built, so an oversized result is never allocated.
  std::vector<Value> parts;
  parts.reserve(e.parts.size());
  std::size_t total = 0;
  for (const auto& part : e.parts) {
    INTERNVL_ASSIGN_OR_RETURN(Value v, eval(*part));
    if (!v.is_string()) v = Value::string(to_str(v, limits_.max_output_bytes));
    total += v.as_string().size();
    INTERNVL_RETURN_IF_ERROR(check_size(total));
    parts.push_back(std::move(v));
  }
  std::string out;
  out.reserve(total);
  for (const auto& v : parts) out += v.as_string();
  return Value::string(std::move(out));
}

Status Renderer::eval_args(const ArgExprs& a, CallArgs& out) {
  for (const auto& e : a.args) {
    INTERNVL_ASSIGN_OR_RETURN(Value v, eval(*e));
    out.args.push_back(std::move(v));
  }
  if (a.dyn_args) {
    INTERNVL_ASSIGN_OR_RETURN(Value v, eval(*a.dyn_args));
    INTERNVL_ASSIGN_OR_RETURN(std::vector<Value> items, iterate(v));
    for (auto& item : items) out.args.push_back(std::move(item));
  }
  for (const auto& [k, e] : a.kwargs) {
    INTERNVL_ASSIGN_OR_RETURN(Value v, eval(*e));
    out.kwargs.emplace_back(k, std::move(v));
  }
  if (a.dyn_kwargs) {
    INTERNVL_ASSIGN_OR_RETURN(Value v, eval(*a.dyn_kwargs));
    if (!v.is_dict()) {
      return invalid_argument("argument after ** must be a mapping, not ", type_name(v));
    }
    for (const auto& [k, val] : v.as_dict().items) {
      if (!k.is_string()) return invalid_argument("keywords must be strings");
      out.kwargs.emplace_back(k.as_string(), val);
    }
  }
  return Status();
}

Result<Value> Renderer::eval_call(const CallExpr& e, const Value* caller) {
  // obj.method(...) dispatches directly, without building a bound-method object.
  Value callee;
  const Value* self = nullptr;
  Value obj;
  std::string_view method;
  if (e.callee->kind == ExprKind::kGetAttr) {
    const auto& g = static_cast<const GetAttrExpr&>(*e.callee);
    INTERNVL_ASSIGN_OR_RETURN(obj, eval(*g.object));
    if (!obj.is_undefined() && !obj.is_object() && has_method(obj, g.name)) {
      self = &obj;
      method = g.name;
    } else {
      INTERNVL_ASSIGN_OR_RETURN(callee, get_attr(obj, g.name));
    }
  } else {
    INTERNVL_ASSIGN_OR_RETURN(callee, eval(*e.callee));
  }
  CallArgs args;
  INTERNVL_RETURN_IF_ERROR(eval_args(e.args, args));
  if (caller != nullptr) args.kwargs.emplace_back("caller", *caller);
  if (self != nullptr) return call_method(*this, *self, method, args);
  return call(callee, args);
}

Result<Value> Renderer::call(const Value& callee, CallArgs& args) {
  if (callee.is_undefined()) return undefined_error(callee);
  if (callee.is_object() && callee.as_object()->callable()) {
    return callee.as_object()->call(*this, args);
  }
  return invalid_argument("'", type_name(callee), "' object is not callable");
}

Result<Value> Renderer::eval_filter(const FilterExpr& e) {
  Value input;
  if (e.operand) {
    INTERNVL_ASSIGN_OR_RETURN(input, eval(*e.operand));
  } else {
    input = block_input_;
  }
  if (e.fn == nullptr) return unsupported("unsupported filter '", e.name, "'");
  CallArgs args;
  INTERNVL_RETURN_IF_ERROR(eval_args(e.args, args));
  return e.fn(*this, input, args);
}

Result<Value> Renderer::eval_test(const TestExpr& e) {
  INTERNVL_ASSIGN_OR_RETURN(Value input, eval(*e.operand));
  if (e.fn == nullptr) return unsupported("unsupported test '", e.name, "'");
  CallArgs args;
  INTERNVL_RETURN_IF_ERROR(eval_args(e.args, args));
  INTERNVL_ASSIGN_OR_RETURN(bool b, e.fn(*this, input, args));
  return Value::boolean(b);
}

Result<Value> Renderer::apply_filter(std::string_view name, const Value& input, CallArgs& args) {
  FilterFn fn = find_filter(name);
  if (fn == nullptr) return unsupported("unsupported filter '", name, "'");
  return fn(*this, input, args);
}

Result<bool> Renderer::apply_test(std::string_view name, const Value& input, CallArgs& args) {
  TestFn fn = find_test(name);
  if (fn == nullptr) return unsupported("unsupported test '", name, "'");
  return fn(*this, input, args);
}

// ---- macros ----

Result<Value> Renderer::invoke_macro(const MacroObject& macro, CallArgs& args) {
  const MacroDef& def = macro.def();
  if (!macro.closure()) return internal_error("macro '", def.name, "' used after its render ended");
  auto scope = std::make_shared<Scope>(macro.closure());
  const std::size_t np = def.params.size();
  const std::size_t npos_given = std::min(np, args.args.size());
  for (std::size_t i = 0; i < npos_given; ++i) scope->set(def.params[i].name, args.args[i]);
  auto kwargs = std::move(args.kwargs);
  auto take_kwarg = [&](std::string_view name, Value* out) {
    for (auto it = kwargs.begin(); it != kwargs.end(); ++it) {
      if (it->first == name) {
        *out = std::move(it->second);
        kwargs.erase(it);
        return true;
      }
    }
    return false;
  };
  // Defaults are evaluated inside the macro's scope, after the earlier parameters are bound.
  auto saved_scope = scope_;
  scope_ = scope;
  for (std::size_t i = npos_given; i < np; ++i) {
    const MacroParam& p = def.params[i];
    Value v;
    if (!take_kwarg(p.name, &v)) {
      if (p.default_value) {
        auto r = eval(*p.default_value);
        if (!r.ok()) {
          scope_ = saved_scope;
          return r.status();
        }
        v = std::move(r).value();
      } else {
        v = Value::undefined(str_cat("parameter '", p.name, "' was not provided"));
      }
    }
    scope->set(p.name, std::move(v));
  }
  scope_ = saved_scope;
  if (def.uses_caller) {
    Value c;
    if (!take_kwarg("caller", &c)) c = Value::undefined("No caller defined");
    scope->set("caller", std::move(c));
  }
  if (def.catch_kwargs) {
    DictData d;
    for (auto& [k, v] : kwargs) d.set(Value::string(k), std::move(v));
    scope->set("kwargs", Value::dict(std::move(d)));
  } else if (!kwargs.empty()) {
    if (kwargs.front().first == "caller") {
      return invalid_argument("macro '", def.name,
                              "' was invoked with two values for the special caller argument. "
                              "This is most likely a bug.");
    }
    return invalid_argument("macro '", def.name, "' takes no keyword argument '",
                            kwargs.front().first, "'");
  }
  if (def.catch_varargs) {
    std::vector<Value> extra;
    for (std::size_t i = np; i < args.args.size(); ++i) extra.push_back(args.args[i]);
    scope->set("varargs", Value::tuple(std::move(extra)));
  } else if (args.args.size() > np) {
    return invalid_argument("macro '", def.name, "' takes not more than ", np, " argument(s)");
  }
  INTERNVL_ASSIGN_OR_RETURN(std::string text, capture(def.body, std::move(scope)));
  return Value::string(std::move(text));
}

Value MacroObject::get_attr(std::string_view name) const {
  if (name == "name") return Value::string(def_->name);
  if (name == "arguments") {
    std::vector<Value> names;
    for (const auto& p : def_->params) names.push_back(Value::string(p.name));
    return Value::tuple(std::move(names));
  }
  if (name == "catch_kwargs") return Value::boolean(def_->catch_kwargs);
  if (name == "catch_varargs") return Value::boolean(def_->catch_varargs);
  if (name == "caller") return Value::boolean(def_->uses_caller);
  return Object::get_attr(name);
}

Result<Value> MacroObject::call(Renderer& r, CallArgs& args) const {
  return r.invoke_macro(*this, args);
}

}  // namespace internvl::jinja
