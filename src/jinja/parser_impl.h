// Internal: the Parser class shared by parser_stmt.cpp (statements) and parser_expr.cpp
// (expressions). Not part of the library interface.
#pragma once

#include <initializer_list>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "jinja/parser.h"

namespace internvl::jinja {

class Parser {
 public:
  Parser(std::string_view source, std::vector<Token> tokens)
      : src_(source), toks_(std::move(tokens)) {}

  Result<Body> parse();

 private:
  // ---- token stream ----
  const Token& cur() const { return toks_[pos_]; }
  const Token& look(std::size_t n = 1) const { return toks_[std::min(pos_ + n, toks_.size() - 1)]; }
  void advance() {
    if (pos_ + 1 < toks_.size()) ++pos_;
  }
  bool is_op(std::string_view op) const { return cur().type == Tok::kOp && cur().text == op; }
  bool is_name(std::string_view n) const { return cur().type == Tok::kName && cur().text == n; }
  bool skip_op(std::string_view op);
  bool skip_name(std::string_view n);
  Status expect_op(std::string_view op);
  Status expect_name(std::string_view n);
  Status expect(Tok type);
  Result<std::string> expect_identifier();
  std::string describe(const Token& t) const;
  Status error(std::size_t offset, std::string_view msg) const;
  Status unexpected(std::string_view expected) const;

  // ---- nesting guard ----
  class Nest {
   public:
    explicit Nest(Parser& p) : p_(p) { ++p_.nesting_; }
    ~Nest() { --p_.nesting_; }
    Nest(const Nest&) = delete;
    Nest& operator=(const Nest&) = delete;

   private:
    Parser& p_;
  };
  Status check_nesting() const;
  Status set_depth(Expr& e, int child_depth) const;

  // ---- statements (parser_stmt.cpp) ----
  Status subparse(Body& out, std::initializer_list<std::string_view> end_tags);
  Status parse_statements(Body& out, std::initializer_list<std::string_view> end_tags);
  Status parse_statement(Body& out);
  Status parse_for(Body& out);
  Status parse_if(Body& out);
  Status parse_set(Body& out);
  Status parse_macro(Body& out);
  Status parse_call_block(Body& out);
  Status parse_filter_block(Body& out);
  Status parse_with(Body& out);
  Status parse_print(Body& out);
  Status parse_signature(MacroDef& def);
  Status parse_macro_body(MacroDef& def, std::string_view end_tag);
  Result<Target> parse_target(bool with_tuple, bool with_namespace,
                              std::initializer_list<std::string_view> extra_end);
  Result<Target> parse_target_primary(bool with_namespace);
  bool is_tuple_end(std::initializer_list<std::string_view> extra_end) const;

  // ---- expressions (parser_expr.cpp) ----
  Result<ExprPtr> parse_expression(bool with_condexpr = true);
  Result<ExprPtr> parse_condexpr();
  Result<ExprPtr> parse_or();
  Result<ExprPtr> parse_and();
  Result<ExprPtr> parse_not();
  Result<ExprPtr> parse_compare();
  Result<ExprPtr> parse_math1();
  Result<ExprPtr> parse_concat();
  Result<ExprPtr> parse_math2();
  Result<ExprPtr> parse_pow();
  Result<ExprPtr> parse_unary(bool with_filter = true);
  Result<ExprPtr> parse_primary();
  Result<ExprPtr> parse_tuple(bool with_condexpr, std::initializer_list<std::string_view> extra_end,
                              bool explicit_parentheses);
  Result<ExprPtr> parse_list();
  Result<ExprPtr> parse_dict();
  Result<ExprPtr> parse_postfix(ExprPtr node);
  Result<ExprPtr> parse_filter_expr(ExprPtr node);
  Result<ExprPtr> parse_subscript(ExprPtr node);
  Result<ExprPtr> parse_subscribed();
  Status parse_call_args(ArgExprs& out);
  Result<ExprPtr> parse_call(ExprPtr node);
  Result<ExprPtr> parse_filter(ExprPtr node, bool start_inline);
  Result<ExprPtr> parse_test(ExprPtr node);
  Result<ExprPtr> make_binary(BinOp op, ExprPtr lhs, ExprPtr rhs, std::size_t offset);

  std::string_view src_;
  std::vector<Token> toks_;
  std::size_t pos_ = 0;
  int nesting_ = 0;
  int loop_depth_ = 0;  // break/continue are valid only inside a for body of the same macro
  std::vector<std::pair<std::string, std::size_t>> tag_stack_;  // open blocks, for messages
  std::vector<std::set<std::string>*> macro_names_;  // names read inside the macro being parsed
};

/// Largest of the children's depths (null children count as 0).
int max_depth(std::initializer_list<const Expr*> children);

}  // namespace internvl::jinja
