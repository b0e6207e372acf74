// Syntax tree of a parsed template (the subset of jinja2.nodes that chat templates use).
// Nodes are immutable after parsing; `offset` points into the normalized source for messages.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "jinja/value.h"

namespace internvl::jinja {

using FilterFn = Result<Value> (*)(Renderer& r, const Value& input, CallArgs& args);
using TestFn = Result<bool> (*)(Renderer& r, const Value& input, CallArgs& args);

struct Node {
  std::size_t offset = 0;
};

// ---- expressions ----

enum class ExprKind : std::uint8_t {
  kConst,
  kName,
  kList,
  kTuple,
  kDict,
  kGetAttr,
  kGetItem,
  kSlice,
  kCall,
  kFilter,
  kTest,
  kNeg,
  kPos,
  kNot,
  kBinary,
  kAnd,
  kOr,
  kCompare,
  kConcat,
  kCond,
};

struct Expr : Node {
  explicit Expr(ExprKind k) : kind(k) {}
  virtual ~Expr() = default;
  ExprKind kind;
  int depth = 1;  // height of this subtree; bounded by the parser
};
using ExprPtr = std::unique_ptr<Expr>;

struct ConstExpr : Expr {
  ConstExpr() : Expr(ExprKind::kConst) {}
  Value value;
};

struct NameExpr : Expr {
  NameExpr() : Expr(ExprKind::kName) {}
  std::string name;
};

struct SeqExpr : Expr {  // kList or kTuple
  explicit SeqExpr(ExprKind k) : Expr(k) {}
  std::vector<ExprPtr> items;
};

struct DictExpr : Expr {
  DictExpr() : Expr(ExprKind::kDict) {}
  std::vector<std::pair<ExprPtr, ExprPtr>> items;
};

struct GetAttrExpr : Expr {
  GetAttrExpr() : Expr(ExprKind::kGetAttr) {}
  ExprPtr object;
  std::string name;
};

struct GetItemExpr : Expr {
  GetItemExpr() : Expr(ExprKind::kGetItem) {}
  ExprPtr object;
  ExprPtr key;  // may be a SliceExpr
};

struct SliceExpr : Expr {
  SliceExpr() : Expr(ExprKind::kSlice) {}
  ExprPtr start, stop, step;  // each may be null
};

struct ArgExprs {
  std::vector<ExprPtr> args;
  std::vector<std::pair<std::string, ExprPtr>> kwargs;
  ExprPtr dyn_args;    // *args
  ExprPtr dyn_kwargs;  // **kwargs
};

struct CallExpr : Expr {
  CallExpr() : Expr(ExprKind::kCall) {}
  ExprPtr callee;
  ArgExprs args;
};

struct FilterExpr : Expr {
  FilterExpr() : Expr(ExprKind::kFilter) {}
  ExprPtr operand;  // null inside `{% filter %}` / `{% set x | f %}`: the captured body
  std::string name;
  FilterFn fn = nullptr;  // null: unknown filter, an error only when evaluated (as in Jinja)
  ArgExprs args;
};

struct TestExpr : Expr {
  TestExpr() : Expr(ExprKind::kTest) {}
  ExprPtr operand;
  std::string name;
  TestFn fn = nullptr;
  ArgExprs args;
};

struct UnaryExpr : Expr {  // kNeg, kPos, kNot
  explicit UnaryExpr(ExprKind k) : Expr(k) {}
  ExprPtr operand;
};

enum class BinOp : std::uint8_t { kAdd, kSub, kMul, kDiv, kFloorDiv, kMod, kPow };

struct BinaryExpr : Expr {
  BinaryExpr() : Expr(ExprKind::kBinary) {}
  BinOp op = BinOp::kAdd;
  ExprPtr lhs, rhs;
};

struct LogicExpr : Expr {  // kAnd, kOr
  explicit LogicExpr(ExprKind k) : Expr(k) {}
  ExprPtr lhs, rhs;
};

enum class CmpOp : std::uint8_t { kEq, kNe, kLt, kLe, kGt, kGe, kIn, kNotIn };

struct CompareExpr : Expr {
  CompareExpr() : Expr(ExprKind::kCompare) {}
  ExprPtr first;
  std::vector<std::pair<CmpOp, ExprPtr>> rest;
};

struct ConcatExpr : Expr {
  ConcatExpr() : Expr(ExprKind::kConcat) {}
  std::vector<ExprPtr> parts;
};

struct CondExpr : Expr {
  CondExpr() : Expr(ExprKind::kCond) {}
  ExprPtr test, then_value, else_value;  // else_value may be null (undefined when false)
};

// ---- statements ----

enum class StmtKind : std::uint8_t {
  kText,
  kPrint,
  kIf,
  kFor,
  kSet,
  kSetBlock,
  kMacro,
  kCallBlock,
  kFilterBlock,
  kWith,
  kScope,  // {% generation %}: its body rendered like a caller() body
  kBreak,
  kContinue,
};

struct Stmt : Node {
  explicit Stmt(StmtKind k) : kind(k) {}
  virtual ~Stmt() = default;
  StmtKind kind;
};
using StmtPtr = std::unique_ptr<Stmt>;
using Body = std::vector<StmtPtr>;

/// An assignment target: a name, `ns.attr`, or a tuple of targets.
struct Target : Node {
  enum class Kind : std::uint8_t { kName, kNsAttr, kTuple };
  Kind kind = Kind::kName;
  std::string name;  // variable (or namespace variable for kNsAttr)
  std::string attr;
  std::vector<Target> items;
};

struct TextStmt : Stmt {
  TextStmt() : Stmt(StmtKind::kText) {}
  std::string text;
};

struct PrintStmt : Stmt {
  PrintStmt() : Stmt(StmtKind::kPrint) {}
  ExprPtr value;
};

struct IfStmt : Stmt {
  IfStmt() : Stmt(StmtKind::kIf) {}
  std::vector<std::pair<ExprPtr, Body>> branches;  // if, elif...
  Body else_body;
};

struct ForStmt : Stmt {
  ForStmt() : Stmt(StmtKind::kFor) {}
  Target target;
  ExprPtr iter;
  ExprPtr filter;  // `for x in xs if cond`
  Body body;
  Body else_body;
};

struct SetStmt : Stmt {
  SetStmt() : Stmt(StmtKind::kSet) {}
  Target target;
  ExprPtr value;
};

struct SetBlockStmt : Stmt {
  SetBlockStmt() : Stmt(StmtKind::kSetBlock) {}
  Target target;
  ExprPtr filter;  // FilterExpr chain whose innermost operand is null, or null
  Body body;
};

struct MacroParam {
  std::string name;
  ExprPtr default_value;  // may be null
};

struct MacroDef {
  std::string name;
  std::vector<MacroParam> params;
  Body body;
  bool catch_varargs = false;  // the body reads `varargs`
  bool catch_kwargs = false;   // the body reads `kwargs`
  bool uses_caller = false;    // the body reads `caller`
};

struct MacroStmt : Stmt {
  MacroStmt() : Stmt(StmtKind::kMacro) {}
  MacroDef def;
};

struct CallBlockStmt : Stmt {
  CallBlockStmt() : Stmt(StmtKind::kCallBlock) {}
  MacroDef caller;  // the block body, callable as `caller(...)`
  ExprPtr call;     // a CallExpr
};

struct FilterBlockStmt : Stmt {
  FilterBlockStmt() : Stmt(StmtKind::kFilterBlock) {}
  ExprPtr filter;  // FilterExpr chain whose innermost operand is null
  Body body;
};

struct WithStmt : Stmt {
  WithStmt() : Stmt(StmtKind::kWith) {}
  std::vector<std::pair<Target, ExprPtr>> assignments;
  Body body;
};

struct ScopeStmt : Stmt {
  ScopeStmt() : Stmt(StmtKind::kScope) {}
  Body body;
};

struct LoopControlStmt : Stmt {  // kBreak, kContinue
  explicit LoopControlStmt(StmtKind k) : Stmt(k) {}
};

}  // namespace internvl::jinja
