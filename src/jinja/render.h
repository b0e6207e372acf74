// The tree-walking evaluator: scopes, output buffers, limits and Jinja's runtime rules
// (per-iteration loop scopes, macro closures, namespace assignment, loop controls).
// Internal to the jinja library; one Renderer serves one render call.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "jinja/ast.h"
#include "jinja/objects.h"
#include "jinja/template.h"
#include "jinja/value.h"

namespace internvl::jinja {

/// Variables visible at one level: the render arguments, a loop iteration, a macro call.
class Scope {
 public:
  explicit Scope(std::shared_ptr<Scope> parent) : parent_(std::move(parent)) {}
  /// The innermost binding of name, or null.
  const Value* find(std::string_view name) const;
  /// Binds name in this scope.
  void set(std::string_view name, Value v);

 private:
  std::shared_ptr<Scope> parent_;
  std::vector<std::pair<std::string, Value>> vars_;
};

class Renderer {
 public:
  Renderer(std::string_view source, const RenderLimits& limits)
      : source_(source), limits_(limits) {}
  ~Renderer();
  Renderer(const Renderer&) = delete;
  Renderer& operator=(const Renderer&) = delete;

  /// Renders body with `root` as the outermost scope.
  Result<std::string> run(const Body& body, std::shared_ptr<Scope> root);

  // ---- services for builtins and objects ----
  const RenderLimits& limits() const { return limits_; }
  /// Spends n units of the work budget.
  Status charge(std::int64_t n);
  /// Checks a string about to be built against the size limit and charges for it.
  Status check_size(std::size_t bytes);
  /// callee(*args, **kwargs) for any callable value.
  Result<Value> call(const Value& callee, CallArgs& args);
  /// Invokes a macro: binds arguments, renders its body in a new scope.
  Result<Value> invoke_macro(const MacroObject& macro, CallArgs& args);
  /// Applies a filter or test by name (for map/select/reject).
  Result<Value> apply_filter(std::string_view name, const Value& input, CallArgs& args);
  Result<bool> apply_test(std::string_view name, const Value& input, CallArgs& args);
  /// Registers a namespace so that the render can break reference cycles at the end.
  void track(const std::shared_ptr<Namespace>& ns) { namespaces_.push_back(ns); }
  /// Marks the pending error as a template's raise_exception (its message is kept verbatim).
  void set_raised() { raised_ = true; }
  bool raised() const { return raised_; }
  /// Offset of the innermost node that failed, or npos.
  std::size_t error_offset() const { return error_offset_; }

 private:
  // ---- expressions (render_expr.cpp) ----
  Result<Value> eval(const Expr& e);
  Result<Value> eval_impl(const Expr& e);
  Result<Value> eval_name(const NameExpr& e);
  Result<Value> eval_call(const CallExpr& e, const Value* caller = nullptr);
  Result<Value> eval_filter(const FilterExpr& e);
  Result<Value> eval_test(const TestExpr& e);
  Result<Value> eval_compare(const CompareExpr& e);
  Result<Value> eval_concat(const ConcatExpr& e);
  Result<Value> eval_getitem(const GetItemExpr& e);
  Result<Value> eval_collection(const Expr& e);
  Status eval_args(const ArgExprs& a, CallArgs& out);

  // ---- statements (render_stmt.cpp) ----
  Status exec_body(const Body& body);
  Status exec(const Stmt& s);
  Status exec_for(const ForStmt& s);
  Status exec_if(const IfStmt& s);
  Status exec_set_block(const SetBlockStmt& s);
  Status exec_call_block(const CallBlockStmt& s);
  Status exec_filter_block(const FilterBlockStmt& s);
  Status exec_with(const WithStmt& s);
  Status assign(const Target& t, const Value& v);
  Status write(std::string_view text);
  /// Renders body into a string in a fresh child scope of `parent`.
  Result<std::string> capture(const Body& body, std::shared_ptr<Scope> parent);
  /// Applies a filter chain (innermost operand null) to text.
  Result<Value> apply_block_filter(const Expr& chain, Value text);
  std::shared_ptr<MacroObject> make_macro(const MacroDef& def);

  class DepthGuard;

  std::string_view source_;
  RenderLimits limits_;
  std::shared_ptr<Scope> scope_;
  std::string* out_ = nullptr;
  std::int64_t steps_ = 0;
  int depth_ = 0;
  enum class Flow : std::uint8_t { kNormal, kBreak, kContinue } flow_ = Flow::kNormal;
  Value block_input_;  // the captured text a `{% filter %}` chain starts from
  // Kept alive until the render ends, then emptied: this breaks reference cycles and keeps
  // long chains (namespace -> list -> namespace ...) from being destroyed recursively.
  std::vector<std::shared_ptr<Namespace>> namespaces_;
  std::vector<std::shared_ptr<MacroObject>> macros_;
  std::vector<std::weak_ptr<LoopObject>> loops_;  // loop.changed() may store the loop itself
  bool raised_ = false;
  std::size_t error_offset_ = std::string_view::npos;
  std::uintptr_t stack_base_ = 0;  // frame address when run() started
};

/// Counts nested evaluation frames; exceeded() once past RenderLimits::max_depth.
class Renderer::DepthGuard {
 public:
  explicit DepthGuard(Renderer& r) : r_(r) { ++r_.depth_; }
  ~DepthGuard() { --r_.depth_; }
  DepthGuard(const DepthGuard&) = delete;
  DepthGuard& operator=(const DepthGuard&) = delete;
  bool exceeded() const {
    if (r_.depth_ > r_.limits_.max_depth) return true;
    // The stack grows down on every platform we build for.
    const auto here = reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));
    return r_.stack_base_ > here && r_.stack_base_ - here > r_.limits_.max_stack_bytes;
  }

 private:
  Renderer& r_;
};

}  // namespace internvl::jinja
