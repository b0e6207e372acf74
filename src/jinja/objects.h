// Runtime objects created while rendering: macros (and `caller`), the `loop` variable, and
// builtin global functions.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "jinja/ast.h"
#include "jinja/value.h"

namespace internvl::jinja {

class Scope;

/// A `{% macro %}` (or a call block's `caller`) bound to the scope it was defined in.
class MacroObject final : public Object {
 public:
  MacroObject(const MacroDef* def, std::shared_ptr<Scope> closure)
      : def_(def), closure_(std::move(closure)) {}
  const char* type_name() const override { return "Macro"; }
  std::string repr() const override { return "<Macro '" + def_->name + "'>"; }
  Value get_attr(std::string_view name) const override;
  bool callable() const override { return true; }
  Result<Value> call(Renderer& r, CallArgs& args) const override;

  const MacroDef& def() const { return *def_; }
  const std::shared_ptr<Scope>& closure() const { return closure_; }
  /// Drops the closure; breaks the scope -> macro -> scope cycle when a render ends.
  void release() { closure_.reset(); }

 private:
  const MacroDef* def_;  // owned by the Template, which outlives every render
  std::shared_ptr<Scope> closure_;
};

/// The `loop` variable of a for loop (jinja2.runtime.LoopContext).
class LoopObject final : public Object, public std::enable_shared_from_this<LoopObject> {
 public:
  explicit LoopObject(std::vector<Value> items) : items_(std::move(items)) {}
  const char* type_name() const override { return "LoopContext"; }
  std::string repr() const override;
  Value get_attr(std::string_view name) const override;
  std::int64_t length() const override { return static_cast<std::int64_t>(items_.size()); }

  void set_index(std::size_t i) { index0_ = i; }
  /// Forgets loop.changed() state (which may reference the loop itself).
  void reset_changed() { last_changed_ = Value(); }
  const std::vector<Value>& items() const { return items_; }
  /// loop.cycle(*args).
  Result<Value> cycle(const CallArgs& args) const;
  /// loop.changed(*values).
  Result<Value> changed(const CallArgs& args) const;

 private:
  std::vector<Value> items_;
  std::size_t index0_ = 0;
  mutable Value last_changed_;
  mutable bool has_last_changed_ = false;
};

using BuiltinFn = Result<Value> (*)(Renderer& r, CallArgs& args);

/// A global function such as `range` or `raise_exception`.
class BuiltinFunction final : public Object {
 public:
  BuiltinFunction(const char* name, BuiltinFn fn) : name_(name), fn_(fn) {}
  const char* type_name() const override { return "builtin_function_or_method"; }
  std::string repr() const override { return std::string("<built-in function ") + name_ + ">"; }
  bool callable() const override { return true; }
  Result<Value> call(Renderer& r, CallArgs& args) const override { return fn_(r, args); }

 private:
  const char* name_;
  BuiltinFn fn_;
};

}  // namespace internvl::jinja
