// Expression half of the parser: precedence climbing exactly as jinja2/parser.py.
#include <algorithm>

#include "core/str.h"
#include "jinja/builtins.h"
#include "jinja/parser_impl.h"

namespace internvl::jinja {
namespace {

template <typename T>
std::unique_ptr<T> node_at(std::size_t offset) {
  auto n = std::make_unique<T>();
  n->offset = offset;
  return n;
}

}  // namespace

Result<ExprPtr> Parser::parse_expression(bool with_condexpr) {
  Nest nest(*this);
  INTERNVL_RETURN_IF_ERROR(check_nesting());
  if (with_condexpr) return parse_condexpr();
  return parse_or();
}

Result<ExprPtr> Parser::parse_condexpr() {
  const std::size_t at = cur().offset;
  INTERNVL_ASSIGN_OR_RETURN(ExprPtr expr1, parse_or());
  while (skip_name("if")) {
    auto c = node_at<CondExpr>(at);
    INTERNVL_ASSIGN_OR_RETURN(c->test, parse_or());
    if (skip_name("else")) {
      INTERNVL_ASSIGN_OR_RETURN(c->else_value, parse_condexpr());
    }
    c->then_value = std::move(expr1);
    INTERNVL_RETURN_IF_ERROR(
        set_depth(*c, max_depth({c->test.get(), c->then_value.get(), c->else_value.get()})));
    expr1 = std::move(c);
  }
  return expr1;
}

Result<ExprPtr> Parser::parse_or() {
  INTERNVL_ASSIGN_OR_RETURN(ExprPtr left, parse_and());
  while (is_name("or")) {
    auto n = std::make_unique<LogicExpr>(ExprKind::kOr);
    n->offset = cur().offset;
    advance();
    INTERNVL_ASSIGN_OR_RETURN(n->rhs, parse_and());
    n->lhs = std::move(left);
    INTERNVL_RETURN_IF_ERROR(set_depth(*n, max_depth({n->lhs.get(), n->rhs.get()})));
    left = std::move(n);
  }
  return left;
}

Result<ExprPtr> Parser::parse_and() {
  INTERNVL_ASSIGN_OR_RETURN(ExprPtr left, parse_not());
  while (is_name("and")) {
    auto n = std::make_unique<LogicExpr>(ExprKind::kAnd);
    n->offset = cur().offset;
    advance();
    INTERNVL_ASSIGN_OR_RETURN(n->rhs, parse_not());
    n->lhs = std::move(left);
    INTERNVL_RETURN_IF_ERROR(set_depth(*n, max_depth({n->lhs.get(), n->rhs.get()})));
    left = std::move(n);
  }
  return left;
}

Result<ExprPtr> Parser::parse_not() {
  if (is_name("not")) {
    Nest nest(*this);
    INTERNVL_RETURN_IF_ERROR(check_nesting());
    auto n = std::make_unique<UnaryExpr>(ExprKind::kNot);
    n->offset = cur().offset;
    advance();
    INTERNVL_ASSIGN_OR_RETURN(n->operand, parse_not());
    INTERNVL_RETURN_IF_ERROR(set_depth(*n, n->operand->depth));
    return ExprPtr(std::move(n));
  }
  return parse_compare();
}

Result<ExprPtr> Parser::parse_compare() {
  const std::size_t at = cur().offset;
  INTERNVL_ASSIGN_OR_RETURN(ExprPtr expr, parse_math1());
  std::unique_ptr<CompareExpr> cmp;
  while (true) {
    CmpOp op;
    if (cur().type == Tok::kOp && (cur().text == "==" || cur().text == "!=" || cur().text == "<" ||
                                   cur().text == "<=" || cur().text == ">" || cur().text == ">=")) {
      const std::string& t = cur().text;
      op = t == "=="   ? CmpOp::kEq
           : t == "!=" ? CmpOp::kNe
           : t == "<"  ? CmpOp::kLt
           : t == "<=" ? CmpOp::kLe
           : t == ">"  ? CmpOp::kGt
                       : CmpOp::kGe;
      advance();
    } else if (skip_name("in")) {
      op = CmpOp::kIn;
    } else if (is_name("not") && look().type == Tok::kName && look().text == "in") {
      advance();
      advance();
      op = CmpOp::kNotIn;
    } else {
      break;
    }
    INTERNVL_ASSIGN_OR_RETURN(ExprPtr rhs, parse_math1());
    if (!cmp) {
      cmp = node_at<CompareExpr>(at);
      cmp->first = std::move(expr);
      cmp->depth = cmp->first->depth + 1;
    }
    const int d = std::max(cmp->depth - 1, rhs->depth);
    cmp->rest.emplace_back(op, std::move(rhs));
    INTERNVL_RETURN_IF_ERROR(set_depth(*cmp, d));
  }
  if (cmp) return ExprPtr(std::move(cmp));
  return expr;
}

Result<ExprPtr> Parser::make_binary(BinOp op, ExprPtr lhs, ExprPtr rhs, std::size_t offset) {
  auto n = node_at<BinaryExpr>(offset);
  n->op = op;
  n->lhs = std::move(lhs);
  n->rhs = std::move(rhs);
  INTERNVL_RETURN_IF_ERROR(set_depth(*n, max_depth({n->lhs.get(), n->rhs.get()})));
  return ExprPtr(std::move(n));
}

Result<ExprPtr> Parser::parse_math1() {
  INTERNVL_ASSIGN_OR_RETURN(ExprPtr left, parse_concat());
  while (is_op("+") || is_op("-")) {
    const BinOp op = is_op("+") ? BinOp::kAdd : BinOp::kSub;
    const std::size_t at = cur().offset;
    advance();
    INTERNVL_ASSIGN_OR_RETURN(ExprPtr right, parse_concat());
    INTERNVL_ASSIGN_OR_RETURN(left, make_binary(op, std::move(left), std::move(right), at));
  }
  return left;
}

Result<ExprPtr> Parser::parse_concat() {
  const std::size_t at = cur().offset;
  INTERNVL_ASSIGN_OR_RETURN(ExprPtr first, parse_math2());
  if (!is_op("~")) return first;
  auto n = node_at<ConcatExpr>(at);
  int d = first->depth;
  n->parts.push_back(std::move(first));
  while (skip_op("~")) {
    INTERNVL_ASSIGN_OR_RETURN(ExprPtr part, parse_math2());
    d = std::max(d, part->depth);
    n->parts.push_back(std::move(part));
  }
  INTERNVL_RETURN_IF_ERROR(set_depth(*n, d));
  return ExprPtr(std::move(n));
}

Result<ExprPtr> Parser::parse_math2() {
  INTERNVL_ASSIGN_OR_RETURN(ExprPtr left, parse_pow());
  while (is_op("*") || is_op("/") || is_op("//") || is_op("%")) {
    const std::string& t = cur().text;
    const BinOp op = t == "*"    ? BinOp::kMul
                     : t == "/"  ? BinOp::kDiv
                     : t == "//" ? BinOp::kFloorDiv
                                 : BinOp::kMod;
    const std::size_t at = cur().offset;
    advance();
    INTERNVL_ASSIGN_OR_RETURN(ExprPtr right, parse_pow());
    INTERNVL_ASSIGN_OR_RETURN(left, make_binary(op, std::move(left), std::move(right), at));
  }
  return left;
}

Result<ExprPtr> Parser::parse_pow() {
  INTERNVL_ASSIGN_OR_RETURN(ExprPtr left, parse_unary());
  while (is_op("**")) {
    const std::size_t at = cur().offset;
    advance();
    INTERNVL_ASSIGN_OR_RETURN(ExprPtr right, parse_unary());
    INTERNVL_ASSIGN_OR_RETURN(left,
                              make_binary(BinOp::kPow, std::move(left), std::move(right), at));
  }
  return left;
}

Result<ExprPtr> Parser::parse_unary(bool with_filter) {
  Nest nest(*this);
  INTERNVL_RETURN_IF_ERROR(check_nesting());
  ExprPtr node;
  if (is_op("-") || is_op("+")) {
    auto n = std::make_unique<UnaryExpr>(is_op("-") ? ExprKind::kNeg : ExprKind::kPos);
    n->offset = cur().offset;
    advance();
    INTERNVL_ASSIGN_OR_RETURN(n->operand, parse_unary(false));
    INTERNVL_RETURN_IF_ERROR(set_depth(*n, n->operand->depth));
    node = std::move(n);
  } else {
    INTERNVL_ASSIGN_OR_RETURN(node, parse_primary());
  }
  INTERNVL_ASSIGN_OR_RETURN(node, parse_postfix(std::move(node)));
  if (with_filter) {
    INTERNVL_ASSIGN_OR_RETURN(node, parse_filter_expr(std::move(node)));
  }
  return node;
}

Result<ExprPtr> Parser::parse_primary() {
  const Token& t = cur();
  const std::size_t at = t.offset;
  switch (t.type) {
    case Tok::kName: {
      auto c = node_at<ConstExpr>(at);
      if (t.text == "true" || t.text == "True") {
        c->value = Value::boolean(true);
      } else if (t.text == "false" || t.text == "False") {
        c->value = Value::boolean(false);
      } else if (t.text == "none" || t.text == "None") {
        c->value = Value::none();
      } else {
        auto n = node_at<NameExpr>(at);
        n->name = t.text;
        if (!macro_names_.empty()) macro_names_.back()->insert(n->name);
        advance();
        return ExprPtr(std::move(n));
      }
      advance();
      return ExprPtr(std::move(c));
    }
    case Tok::kString: {
      // Adjacent string literals concatenate, as in Python.
      std::string s;
      while (cur().type == Tok::kString) {
        s += cur().text;
        advance();
      }
      auto c = node_at<ConstExpr>(at);
      c->value = Value::string(std::move(s));
      return ExprPtr(std::move(c));
    }
    case Tok::kInt:
    case Tok::kFloat: {
      auto c = node_at<ConstExpr>(at);
      c->value = t.type == Tok::kInt ? Value::integer(t.int_value) : Value::number(t.float_value);
      advance();
      return ExprPtr(std::move(c));
    }
    case Tok::kOp:
      if (t.text == "(") {
        advance();
        INTERNVL_ASSIGN_OR_RETURN(ExprPtr inner, parse_tuple(true, {}, true));
        INTERNVL_RETURN_IF_ERROR(expect_op(")"));
        return inner;
      }
      if (t.text == "[") return parse_list();
      if (t.text == "{") return parse_dict();
      break;
    default:
      break;
  }
  return error(at, str_cat("unexpected ", describe(t)));
}

Result<ExprPtr> Parser::parse_tuple(bool with_condexpr,
                                    std::initializer_list<std::string_view> extra_end,
                                    bool explicit_parentheses) {
  const std::size_t at = cur().offset;
  auto tuple = std::make_unique<SeqExpr>(ExprKind::kTuple);
  tuple->offset = at;
  bool is_tuple = false;
  int d = 0;
  while (true) {
    if (!tuple->items.empty()) INTERNVL_RETURN_IF_ERROR(expect_op(","));
    if (is_tuple_end(extra_end)) break;
    INTERNVL_ASSIGN_OR_RETURN(ExprPtr item, parse_expression(with_condexpr));
    d = std::max(d, item->depth);
    tuple->items.push_back(std::move(item));
    if (is_op(",")) {
      is_tuple = true;
    } else {
      break;
    }
  }
  if (!is_tuple) {
    if (!tuple->items.empty()) return std::move(tuple->items[0]);
    if (!explicit_parentheses) return unexpected("an expression");
  }
  INTERNVL_RETURN_IF_ERROR(set_depth(*tuple, d));
  return ExprPtr(std::move(tuple));
}

Result<ExprPtr> Parser::parse_list() {
  auto n = std::make_unique<SeqExpr>(ExprKind::kList);
  n->offset = cur().offset;
  advance();
  int d = 0;
  while (!is_op("]")) {
    if (!n->items.empty()) INTERNVL_RETURN_IF_ERROR(expect_op(","));
    if (is_op("]")) break;
    INTERNVL_ASSIGN_OR_RETURN(ExprPtr item, parse_expression());
    d = std::max(d, item->depth);
    n->items.push_back(std::move(item));
  }
  advance();
  INTERNVL_RETURN_IF_ERROR(set_depth(*n, d));
  return ExprPtr(std::move(n));
}

Result<ExprPtr> Parser::parse_dict() {
  auto n = node_at<DictExpr>(cur().offset);
  advance();
  int d = 0;
  while (!is_op("}")) {
    if (!n->items.empty()) INTERNVL_RETURN_IF_ERROR(expect_op(","));
    if (is_op("}")) break;
    INTERNVL_ASSIGN_OR_RETURN(ExprPtr key, parse_expression());
    INTERNVL_RETURN_IF_ERROR(expect_op(":"));
    INTERNVL_ASSIGN_OR_RETURN(ExprPtr value, parse_expression());
    d = std::max({d, key->depth, value->depth});
    n->items.emplace_back(std::move(key), std::move(value));
  }
  advance();
  INTERNVL_RETURN_IF_ERROR(set_depth(*n, d));
  return ExprPtr(std::move(n));
}

Result<ExprPtr> Parser::parse_postfix(ExprPtr node) {
  while (true) {
    if (is_op(".") || is_op("[")) {
      INTERNVL_ASSIGN_OR_RETURN(node, parse_subscript(std::move(node)));
    } else if (is_op("(")) {
      INTERNVL_ASSIGN_OR_RETURN(node, parse_call(std::move(node)));
    } else {
      return node;
    }
  }
}

Result<ExprPtr> Parser::parse_filter_expr(ExprPtr node) {
  while (true) {
    if (is_op("|")) {
      INTERNVL_ASSIGN_OR_RETURN(node, parse_filter(std::move(node), false));
    } else if (is_name("is")) {
      INTERNVL_ASSIGN_OR_RETURN(node, parse_test(std::move(node)));
    } else if (is_op("(")) {
      INTERNVL_ASSIGN_OR_RETURN(node, parse_call(std::move(node)));
    } else {
      return node;
    }
  }
}

Result<ExprPtr> Parser::parse_subscript(ExprPtr node) {
  const std::size_t at = cur().offset;
  if (skip_op(".")) {
    if (cur().type == Tok::kName) {
      auto n = node_at<GetAttrExpr>(at);
      n->name = cur().text;
      advance();
      n->object = std::move(node);
      INTERNVL_RETURN_IF_ERROR(set_depth(*n, n->object->depth));
      return ExprPtr(std::move(n));
    }
    if (cur().type != Tok::kInt) return unexpected("a name or number after '.'");
    auto key = node_at<ConstExpr>(cur().offset);
    key->value = Value::integer(cur().int_value);
    advance();
    auto n = node_at<GetItemExpr>(at);
    n->object = std::move(node);
    n->key = std::move(key);
    INTERNVL_RETURN_IF_ERROR(set_depth(*n, n->object->depth));
    return ExprPtr(std::move(n));
  }
  advance();  // '['
  std::vector<ExprPtr> args;
  int d = 0;
  while (!is_op("]")) {
    if (!args.empty()) INTERNVL_RETURN_IF_ERROR(expect_op(","));
    INTERNVL_ASSIGN_OR_RETURN(ExprPtr a, parse_subscribed());
    d = std::max(d, a->depth);
    args.push_back(std::move(a));
  }
  advance();
  auto n = node_at<GetItemExpr>(at);
  if (args.size() == 1) {
    n->key = std::move(args[0]);
  } else {
    auto t = std::make_unique<SeqExpr>(ExprKind::kTuple);
    t->offset = at;
    t->items = std::move(args);
    INTERNVL_RETURN_IF_ERROR(set_depth(*t, d));
    n->key = std::move(t);
  }
  n->object = std::move(node);
  INTERNVL_RETURN_IF_ERROR(set_depth(*n, max_depth({n->object.get(), n->key.get()})));
  return ExprPtr(std::move(n));
}

Result<ExprPtr> Parser::parse_subscribed() {
  const std::size_t at = cur().offset;
  auto s = node_at<SliceExpr>(at);
  if (is_op(":")) {
    advance();
  } else {
    INTERNVL_ASSIGN_OR_RETURN(ExprPtr first, parse_expression());
    if (!is_op(":")) return first;
    advance();
    s->start = std::move(first);
  }
  if (!is_op(":") && !is_op("]") && !is_op(",")) {
    INTERNVL_ASSIGN_OR_RETURN(s->stop, parse_expression());
  }
  if (skip_op(":")) {
    if (!is_op("]") && !is_op(",")) {
      INTERNVL_ASSIGN_OR_RETURN(s->step, parse_expression());
    }
  }
  INTERNVL_RETURN_IF_ERROR(
      set_depth(*s, max_depth({s->start.get(), s->stop.get(), s->step.get()})));
  return ExprPtr(std::move(s));
}

Status Parser::parse_call_args(ArgExprs& out) {
  const std::size_t at = cur().offset;
  INTERNVL_RETURN_IF_ERROR(expect_op("("));
  bool require_comma = false;
  auto ensure = [&](bool ok) {
    return ok ? Status() : error(at, "invalid syntax for function call expression");
  };
  while (!is_op(")")) {
    if (require_comma) {
      INTERNVL_RETURN_IF_ERROR(expect_op(","));
      if (is_op(")")) break;  // trailing comma
    }
    if (is_op("*")) {
      INTERNVL_RETURN_IF_ERROR(ensure(!out.dyn_args && !out.dyn_kwargs));
      advance();
      INTERNVL_ASSIGN_OR_RETURN(out.dyn_args, parse_expression());
    } else if (is_op("**")) {
      INTERNVL_RETURN_IF_ERROR(ensure(!out.dyn_kwargs));
      advance();
      INTERNVL_ASSIGN_OR_RETURN(out.dyn_kwargs, parse_expression());
    } else if (cur().type == Tok::kName && look().type == Tok::kOp && look().text == "=") {
      INTERNVL_RETURN_IF_ERROR(ensure(!out.dyn_kwargs));
      std::string key = cur().text;
      advance();
      advance();
      INTERNVL_ASSIGN_OR_RETURN(ExprPtr v, parse_expression());
      out.kwargs.emplace_back(std::move(key), std::move(v));
    } else {
      INTERNVL_RETURN_IF_ERROR(ensure(!out.dyn_args && !out.dyn_kwargs && out.kwargs.empty()));
      INTERNVL_ASSIGN_OR_RETURN(ExprPtr v, parse_expression());
      out.args.push_back(std::move(v));
    }
    require_comma = true;
    if (cur().type == Tok::kEof) return unexpected("')'");
  }
  advance();
  return Status();
}

namespace {

int args_depth(const ArgExprs& a) {
  int d = max_depth({a.dyn_args.get(), a.dyn_kwargs.get()});
  for (const auto& e : a.args) d = std::max(d, e->depth);
  for (const auto& [k, e] : a.kwargs) d = std::max(d, e->depth);
  return d;
}

}  // namespace

Result<ExprPtr> Parser::parse_call(ExprPtr node) {
  auto n = node_at<CallExpr>(cur().offset);
  INTERNVL_RETURN_IF_ERROR(parse_call_args(n->args));
  n->callee = std::move(node);
  INTERNVL_RETURN_IF_ERROR(set_depth(*n, std::max(n->callee->depth, args_depth(n->args))));
  return ExprPtr(std::move(n));
}

Result<ExprPtr> Parser::parse_filter(ExprPtr node, bool start_inline) {
  while (is_op("|") || start_inline) {
    if (!start_inline) advance();
    start_inline = false;
    auto n = node_at<FilterExpr>(cur().offset);
    INTERNVL_ASSIGN_OR_RETURN(n->name, expect_identifier());
    while (skip_op(".")) {
      INTERNVL_ASSIGN_OR_RETURN(std::string part, expect_identifier());
      n->name += "." + part;
    }
    if (is_op("(")) INTERNVL_RETURN_IF_ERROR(parse_call_args(n->args));
    n->fn = find_filter(n->name);
    n->operand = std::move(node);
    INTERNVL_RETURN_IF_ERROR(
        set_depth(*n, std::max(n->operand ? n->operand->depth : 0, args_depth(n->args))));
    node = std::move(n);
  }
  return node;
}

Result<ExprPtr> Parser::parse_test(ExprPtr node) {
  const std::size_t at = cur().offset;
  advance();  // 'is'
  const bool negated = skip_name("not");
  auto n = node_at<TestExpr>(at);
  INTERNVL_ASSIGN_OR_RETURN(n->name, expect_identifier());
  while (skip_op(".")) {
    INTERNVL_ASSIGN_OR_RETURN(std::string part, expect_identifier());
    n->name += "." + part;
  }
  if (is_op("(")) {
    INTERNVL_RETURN_IF_ERROR(parse_call_args(n->args));
  } else if ((cur().type == Tok::kName || cur().type == Tok::kString || cur().type == Tok::kInt ||
              cur().type == Tok::kFloat || is_op("(") || is_op("[") || is_op("{")) &&
             !is_name("else") && !is_name("or") && !is_name("and")) {
    if (is_name("is")) return error(cur().offset, "cannot chain multiple tests with 'is'");
    Nest nest(*this);
    INTERNVL_RETURN_IF_ERROR(check_nesting());
    INTERNVL_ASSIGN_OR_RETURN(ExprPtr arg, parse_primary());
    INTERNVL_ASSIGN_OR_RETURN(arg, parse_postfix(std::move(arg)));
    n->args.args.push_back(std::move(arg));
  }
  n->fn = find_test(n->name);
  n->operand = std::move(node);
  INTERNVL_RETURN_IF_ERROR(set_depth(*n, std::max(n->operand->depth, args_depth(n->args))));
  if (!negated) return ExprPtr(std::move(n));
  auto neg = std::make_unique<UnaryExpr>(ExprKind::kNot);
  neg->offset = at;
  INTERNVL_RETURN_IF_ERROR(set_depth(*neg, n->depth));
  neg->operand = std::move(n);
  return ExprPtr(std::move(neg));
}

}  // namespace internvl::jinja
