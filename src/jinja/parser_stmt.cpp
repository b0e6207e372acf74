// Statement half of the parser: template text, {{ }}, and the block tags.
#include <algorithm>

#include "core/str.h"
#include "jinja/lexer.h"
#include "jinja/parser_impl.h"

namespace internvl::jinja {

Result<Body> parse_template(std::string_view source, std::vector<Token> tokens) {
  Parser p(source, std::move(tokens));
  return p.parse();
}

Result<Body> Parser::parse() {
  Body body;
  INTERNVL_RETURN_IF_ERROR(subparse(body, {}));
  return body;
}

// ---- token helpers ----

bool Parser::skip_op(std::string_view op) {
  if (!is_op(op)) return false;
  advance();
  return true;
}

bool Parser::skip_name(std::string_view n) {
  if (!is_name(n)) return false;
  advance();
  return true;
}

std::string Parser::describe(const Token& t) const {
  switch (t.type) {
    case Tok::kData:
      return "template data";
    case Tok::kBlockBegin:
      return "'{%'";
    case Tok::kBlockEnd:
      return "end of statement block '%}'";
    case Tok::kVarBegin:
      return "'{{'";
    case Tok::kVarEnd:
      return "end of print statement '}}'";
    case Tok::kName:
      return "'" + t.text + "'";
    case Tok::kString:
      return "string literal";
    case Tok::kInt:
    case Tok::kFloat:
      return "number '" + t.text + "'";
    case Tok::kOp:
      return "'" + t.text + "'";
    case Tok::kEof:
      return "end of template";
  }
  return "token";
}

Status Parser::error(std::size_t offset, std::string_view msg) const {
  std::string text =
      str_cat("template syntax error at ", describe_position(src_, offset), ": ", msg);
  if (!tag_stack_.empty()) {
    const auto& [tag, at] = tag_stack_.back();
    text += str_cat(" (innermost open block: '", tag, "' at ", describe_position(src_, at), ")");
  }
  return invalid_argument(text);
}

Status Parser::unexpected(std::string_view expected) const {
  return error(cur().offset, str_cat("expected ", expected, ", got ", describe(cur())));
}

Status Parser::expect_op(std::string_view op) {
  if (!skip_op(op)) return unexpected(str_cat("'", op, "'"));
  return Status();
}

Status Parser::expect_name(std::string_view n) {
  if (!skip_name(n)) return unexpected(str_cat("'", n, "'"));
  return Status();
}

Status Parser::expect(Tok type) {
  if (cur().type != type) {
    Token t;
    t.type = type;
    return unexpected(describe(t));
  }
  advance();
  return Status();
}

Result<std::string> Parser::expect_identifier() {
  if (cur().type != Tok::kName) return unexpected("a name");
  std::string n = cur().text;
  advance();
  return n;
}

Status Parser::check_nesting() const {
  if (nesting_ > kMaxNesting) {
    return error(cur().offset, str_cat("template nested deeper than ", kMaxNesting, " levels"));
  }
  return Status();
}

Status Parser::set_depth(Expr& e, int child_depth) const {
  e.depth = child_depth + 1;
  if (e.depth > kMaxExprDepth) {
    return error(e.offset, str_cat("expression nested deeper than ", kMaxExprDepth, " levels"));
  }
  return Status();
}

int max_depth(std::initializer_list<const Expr*> children) {
  int d = 0;
  for (const Expr* c : children) {
    if (c != nullptr) d = std::max(d, c->depth);
  }
  return d;
}

// ---- bodies ----

Status Parser::subparse(Body& out, std::initializer_list<std::string_view> end_tags) {
  Nest nest(*this);
  INTERNVL_RETURN_IF_ERROR(check_nesting());
  while (true) {
    const Token& t = cur();
    switch (t.type) {
      case Tok::kData: {
        // Adjacent text (around comments) merges into one node.
        if (!out.empty() && out.back()->kind == StmtKind::kText) {
          static_cast<TextStmt&>(*out.back()).text += t.text;
        } else {
          auto s = std::make_unique<TextStmt>();
          s->offset = t.offset;
          s->text = t.text;
          out.push_back(std::move(s));
        }
        advance();
        break;
      }
      case Tok::kVarBegin: {
        const std::size_t at = t.offset;
        advance();
        auto s = std::make_unique<PrintStmt>();
        s->offset = at;
        INTERNVL_ASSIGN_OR_RETURN(s->value, parse_tuple(true, {}, false));
        INTERNVL_RETURN_IF_ERROR(expect(Tok::kVarEnd));
        out.push_back(std::move(s));
        break;
      }
      case Tok::kBlockBegin: {
        advance();
        if (cur().type == Tok::kName &&
            std::find(end_tags.begin(), end_tags.end(), cur().text) != end_tags.end()) {
          return Status();  // the caller consumes the end tag
        }
        INTERNVL_RETURN_IF_ERROR(parse_statement(out));
        INTERNVL_RETURN_IF_ERROR(expect(Tok::kBlockEnd));
        break;
      }
      case Tok::kEof: {
        if (end_tags.size() == 0) return Status();
        std::string wanted;
        for (std::string_view e : end_tags) {
          wanted += wanted.empty() ? "" : " or ";
          wanted += str_cat("'", e, "'");
        }
        return error(t.offset, str_cat("unexpected end of template, expected ", wanted));
      }
      default:
        return error(t.offset, str_cat("unexpected ", describe(t)));
    }
  }
}

Status Parser::parse_statements(Body& out, std::initializer_list<std::string_view> end_tags) {
  skip_op(":");  // Jinja accepts a Python-style colon
  INTERNVL_RETURN_IF_ERROR(expect(Tok::kBlockEnd));
  return subparse(out, end_tags);
}

Status Parser::parse_statement(Body& out) {
  if (cur().type != Tok::kName) return unexpected("a tag name");
  const std::string tag = cur().text;
  const std::size_t at = cur().offset;
  auto pushed = [&](Status s) {
    tag_stack_.pop_back();
    return s;
  };
  if (tag == "for" || tag == "if" || tag == "set" || tag == "macro" || tag == "call" ||
      tag == "filter" || tag == "with" || tag == "print" || tag == "generation") {
    tag_stack_.emplace_back(tag, at);
    if (tag == "for") return pushed(parse_for(out));
    if (tag == "if") return pushed(parse_if(out));
    if (tag == "set") return pushed(parse_set(out));
    if (tag == "macro") return pushed(parse_macro(out));
    if (tag == "call") return pushed(parse_call_block(out));
    if (tag == "filter") return pushed(parse_filter_block(out));
    if (tag == "with") return pushed(parse_with(out));
    if (tag == "print") return pushed(parse_print(out));
    // {% generation %}: Transformers' AssistantTracker renders the body through caller().
    advance();
    auto s = std::make_unique<ScopeStmt>();
    s->offset = at;
    const int saved_loop = loop_depth_;
    loop_depth_ = 0;
    Status st = parse_statements(s->body, {"endgeneration"});
    loop_depth_ = saved_loop;
    if (!st.ok()) return pushed(st);
    advance();
    out.push_back(std::move(s));
    return pushed(Status());
  }
  if (tag == "break" || tag == "continue") {
    if (loop_depth_ == 0) return error(at, str_cat("'", tag, "' outside of a for loop"));
    advance();
    auto s =
        std::make_unique<LoopControlStmt>(tag == "break" ? StmtKind::kBreak : StmtKind::kContinue);
    s->offset = at;
    out.push_back(std::move(s));
    return Status();
  }
  if (tag == "block" || tag == "extends" || tag == "include" || tag == "import" || tag == "from" ||
      tag == "autoescape") {
    return unsupported("template syntax error at ", describe_position(src_, at),
                       ": unsupported tag '", tag, "'");
  }
  return error(at, str_cat("unknown tag '", tag, "'"));
}

// ---- targets ----

bool Parser::is_tuple_end(std::initializer_list<std::string_view> extra_end) const {
  if (cur().type == Tok::kVarEnd || cur().type == Tok::kBlockEnd || is_op(")")) return true;
  if (cur().type == Tok::kEof) return true;
  return cur().type == Tok::kName &&
         std::find(extra_end.begin(), extra_end.end(), cur().text) != extra_end.end();
}

Result<Target> Parser::parse_target_primary(bool with_namespace) {
  Target t;
  t.offset = cur().offset;
  if (cur().type == Tok::kName) {
    const std::string& n = cur().text;
    if (n == "true" || n == "false" || n == "True" || n == "False" || n == "none" || n == "None") {
      return error(t.offset, str_cat("cannot assign to constant '", n, "'"));
    }
    t.name = n;
    advance();
    if (with_namespace && is_op(".")) {
      advance();
      INTERNVL_ASSIGN_OR_RETURN(t.attr, expect_identifier());
      t.kind = Target::Kind::kNsAttr;
    }
    return t;
  }
  if (is_op("(")) {
    Nest nest(*this);
    INTERNVL_RETURN_IF_ERROR(check_nesting());
    advance();
    INTERNVL_ASSIGN_OR_RETURN(Target inner, parse_target(true, with_namespace, {}));
    INTERNVL_RETURN_IF_ERROR(expect_op(")"));
    return inner;
  }
  return error(t.offset, str_cat("cannot assign to ", describe(cur())));
}

Result<Target> Parser::parse_target(bool with_tuple, bool with_namespace,
                                    std::initializer_list<std::string_view> extra_end) {
  if (!with_tuple) return parse_target_primary(with_namespace);
  Target tuple;
  tuple.kind = Target::Kind::kTuple;
  tuple.offset = cur().offset;
  bool is_tuple = false;
  while (true) {
    if (!tuple.items.empty()) INTERNVL_RETURN_IF_ERROR(expect_op(","));
    if (is_tuple_end(extra_end)) break;
    INTERNVL_ASSIGN_OR_RETURN(Target item, parse_target_primary(with_namespace));
    tuple.items.push_back(std::move(item));
    if (is_op(",")) {
      is_tuple = true;
    } else {
      break;
    }
  }
  if (!is_tuple) {
    if (tuple.items.empty()) return unexpected("an assignment target");
    return std::move(tuple.items[0]);
  }
  return tuple;
}

// ---- block statements ----

Status Parser::parse_for(Body& out) {
  auto s = std::make_unique<ForStmt>();
  s->offset = cur().offset;
  advance();
  INTERNVL_ASSIGN_OR_RETURN(s->target, parse_target(true, false, {"in"}));
  INTERNVL_RETURN_IF_ERROR(expect_name("in"));
  INTERNVL_ASSIGN_OR_RETURN(s->iter, parse_tuple(false, {"recursive"}, false));
  if (skip_name("if")) {
    INTERNVL_ASSIGN_OR_RETURN(s->filter, parse_expression());
  }
  if (is_name("recursive")) {
    return unsupported("template syntax error at ", describe_position(src_, cur().offset),
                       ": unsupported 'recursive' for loop");
  }
  ++loop_depth_;
  Status st = parse_statements(s->body, {"endfor", "else"});
  --loop_depth_;
  INTERNVL_RETURN_IF_ERROR(st);
  const bool has_else = is_name("else");
  advance();
  if (has_else) {
    INTERNVL_RETURN_IF_ERROR(parse_statements(s->else_body, {"endfor"}));
    advance();
  }
  out.push_back(std::move(s));
  return Status();
}

Status Parser::parse_if(Body& out) {
  auto s = std::make_unique<IfStmt>();
  s->offset = cur().offset;
  advance();
  while (true) {
    INTERNVL_ASSIGN_OR_RETURN(ExprPtr test, parse_tuple(false, {}, false));
    Body body;
    INTERNVL_RETURN_IF_ERROR(parse_statements(body, {"elif", "else", "endif"}));
    s->branches.emplace_back(std::move(test), std::move(body));
    const std::string end = cur().text;
    advance();
    if (end == "elif") continue;
    if (end == "else") {
      INTERNVL_RETURN_IF_ERROR(parse_statements(s->else_body, {"endif"}));
      advance();
    }
    break;
  }
  out.push_back(std::move(s));
  return Status();
}

Status Parser::parse_set(Body& out) {
  const std::size_t at = cur().offset;
  advance();
  INTERNVL_ASSIGN_OR_RETURN(Target target, parse_target(true, true, {}));
  if (skip_op("=")) {
    auto s = std::make_unique<SetStmt>();
    s->offset = at;
    s->target = std::move(target);
    INTERNVL_ASSIGN_OR_RETURN(s->value, parse_tuple(true, {}, false));
    out.push_back(std::move(s));
    return Status();
  }
  auto s = std::make_unique<SetBlockStmt>();
  s->offset = at;
  s->target = std::move(target);
  if (is_op("|")) {
    INTERNVL_ASSIGN_OR_RETURN(s->filter, parse_filter(nullptr, false));
  }
  INTERNVL_RETURN_IF_ERROR(parse_statements(s->body, {"endset"}));
  advance();
  out.push_back(std::move(s));
  return Status();
}

Status Parser::parse_signature(MacroDef& def) {
  INTERNVL_RETURN_IF_ERROR(expect_op("("));
  bool seen_default = false;
  while (!is_op(")")) {
    if (!def.params.empty()) INTERNVL_RETURN_IF_ERROR(expect_op(","));
    MacroParam p;
    const std::size_t at = cur().offset;
    INTERNVL_ASSIGN_OR_RETURN(p.name, expect_identifier());
    if (skip_op("=")) {
      INTERNVL_ASSIGN_OR_RETURN(p.default_value, parse_expression());
      seen_default = true;
    } else if (seen_default) {
      return error(at, "non-default argument follows default argument");
    }
    def.params.push_back(std::move(p));
  }
  advance();
  return Status();
}

Status Parser::parse_macro_body(MacroDef& def, std::string_view end_tag) {
  std::set<std::string> names;
  macro_names_.push_back(&names);
  const int saved_loop = loop_depth_;
  loop_depth_ = 0;
  Status st = end_tag == "endmacro" ? parse_statements(def.body, {"endmacro"})
                                    : parse_statements(def.body, {"endcall"});
  loop_depth_ = saved_loop;
  macro_names_.pop_back();
  INTERNVL_RETURN_IF_ERROR(st);
  advance();
  // Like Jinja, a macro accepts extra positional/keyword arguments only if it reads them.
  auto declared = [&](std::string_view n) {
    return std::any_of(def.params.begin(), def.params.end(),
                       [&](const MacroParam& p) { return p.name == n; });
  };
  def.catch_varargs = names.count("varargs") > 0 && !declared("varargs");
  def.catch_kwargs = names.count("kwargs") > 0 && !declared("kwargs");
  def.uses_caller = names.count("caller") > 0 && !declared("caller");
  return Status();
}

Status Parser::parse_macro(Body& out) {
  auto s = std::make_unique<MacroStmt>();
  s->offset = cur().offset;
  advance();
  INTERNVL_ASSIGN_OR_RETURN(s->def.name, expect_identifier());
  INTERNVL_RETURN_IF_ERROR(parse_signature(s->def));
  INTERNVL_RETURN_IF_ERROR(parse_macro_body(s->def, "endmacro"));
  out.push_back(std::move(s));
  return Status();
}

Status Parser::parse_call_block(Body& out) {
  auto s = std::make_unique<CallBlockStmt>();
  s->offset = cur().offset;
  advance();
  s->caller.name = "caller";
  if (is_op("(")) INTERNVL_RETURN_IF_ERROR(parse_signature(s->caller));
  INTERNVL_ASSIGN_OR_RETURN(s->call, parse_expression());
  if (s->call->kind != ExprKind::kCall) return error(s->offset, "'call' block expects a call");
  INTERNVL_RETURN_IF_ERROR(parse_macro_body(s->caller, "endcall"));
  out.push_back(std::move(s));
  return Status();
}

Status Parser::parse_filter_block(Body& out) {
  auto s = std::make_unique<FilterBlockStmt>();
  s->offset = cur().offset;
  advance();
  INTERNVL_ASSIGN_OR_RETURN(s->filter, parse_filter(nullptr, true));
  INTERNVL_RETURN_IF_ERROR(parse_statements(s->body, {"endfilter"}));
  advance();
  out.push_back(std::move(s));
  return Status();
}

Status Parser::parse_with(Body& out) {
  auto s = std::make_unique<WithStmt>();
  s->offset = cur().offset;
  advance();
  while (cur().type != Tok::kBlockEnd) {
    if (!s->assignments.empty()) INTERNVL_RETURN_IF_ERROR(expect_op(","));
    INTERNVL_ASSIGN_OR_RETURN(Target t, parse_target(true, false, {}));
    INTERNVL_RETURN_IF_ERROR(expect_op("="));
    INTERNVL_ASSIGN_OR_RETURN(ExprPtr v, parse_expression());
    s->assignments.emplace_back(std::move(t), std::move(v));
    if (cur().type == Tok::kEof) return unexpected("'%}'");
  }
  INTERNVL_RETURN_IF_ERROR(parse_statements(s->body, {"endwith"}));
  advance();
  out.push_back(std::move(s));
  return Status();
}

Status Parser::parse_print(Body& out) {
  advance();
  bool first = true;
  while (cur().type != Tok::kBlockEnd) {
    if (!first) INTERNVL_RETURN_IF_ERROR(expect_op(","));
    first = false;
    auto s = std::make_unique<PrintStmt>();
    s->offset = cur().offset;
    INTERNVL_ASSIGN_OR_RETURN(s->value, parse_expression());
    out.push_back(std::move(s));
    if (cur().type == Tok::kEof) return unexpected("'%}'");
  }
  return Status();
}

}  // namespace internvl::jinja
