// Statement execution: output, if/for/set/macro/call/filter/with blocks and loop controls.
#include "core/str.h"
#include "jinja/operators.h"
#include "jinja/render.h"

namespace internvl::jinja {
namespace {

// Restores the current scope when a block ends, on every path.
class ScopeRestore {
 public:
  explicit ScopeRestore(std::shared_ptr<Scope>& slot) : slot_(slot), saved_(slot) {}
  ~ScopeRestore() { slot_ = saved_; }
  ScopeRestore(const ScopeRestore&) = delete;
  ScopeRestore& operator=(const ScopeRestore&) = delete;
  const std::shared_ptr<Scope>& saved() const { return saved_; }

 private:
  std::shared_ptr<Scope>& slot_;
  std::shared_ptr<Scope> saved_;
};

}  // namespace

Renderer::~Renderer() {
  // Everything stays alive while being emptied, so no destructor chain runs deep.
  for (const auto& ns : namespaces_) ns->clear();
  for (const auto& m : macros_) m->release();
  for (const auto& weak : loops_) {
    if (auto loop = weak.lock()) loop->reset_changed();
  }
  scope_.reset();
  block_input_ = Value();
}

Result<std::string> Renderer::run(const Body& body, std::shared_ptr<Scope> root) {
  std::string out;
  out_ = &out;
  scope_ = std::move(root);
  stack_base_ = reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));
  Status st = exec_body(body);
  out_ = nullptr;
  if (!st.ok()) return st;
  return out;
}

Status Renderer::write(std::string_view text) {
  if (out_->size() + text.size() > limits_.max_output_bytes) {
    return resource_exhausted("rendered text exceeds the limit of ", limits_.max_output_bytes,
                              " bytes");
  }
  INTERNVL_RETURN_IF_ERROR(charge(static_cast<std::int64_t>(text.size() / 64)));
  out_->append(text);
  return Status();
}

Result<std::string> Renderer::capture(const Body& body, std::shared_ptr<Scope> scope) {
  std::string buf;
  std::string* saved_out = out_;
  ScopeRestore restore(scope_);
  scope_ = std::move(scope);
  out_ = &buf;
  Status st = exec_body(body);
  out_ = saved_out;
  if (!st.ok()) return st;
  return buf;
}

std::shared_ptr<MacroObject> Renderer::make_macro(const MacroDef& def) {
  auto m = std::make_shared<MacroObject>(&def, scope_);
  macros_.push_back(m);
  return m;
}

Status Renderer::exec_body(const Body& body) {
  for (const auto& s : body) {
    INTERNVL_RETURN_IF_ERROR(exec(*s));
    if (flow_ != Flow::kNormal) return Status();
  }
  return Status();
}

Status Renderer::exec(const Stmt& s) {
  DepthGuard guard(*this);
  Status st = [&]() -> Status {
    if (guard.exceeded()) {
      return resource_exhausted("template recursion too deep (over ", limits_.max_depth,
                                " frames or ", limits_.max_stack_bytes, " bytes of stack)");
    }
    INTERNVL_RETURN_IF_ERROR(charge(1));
    switch (s.kind) {
      case StmtKind::kText:
        return write(static_cast<const TextStmt&>(s).text);
      case StmtKind::kPrint: {
        INTERNVL_ASSIGN_OR_RETURN(Value v, eval(*static_cast<const PrintStmt&>(s).value));
        if (v.is_string()) return write(v.as_string());
        const std::string text = to_str(v, limits_.max_output_bytes);
        INTERNVL_RETURN_IF_ERROR(check_size(text.size()));
        return write(text);
      }
      case StmtKind::kIf:
        return exec_if(static_cast<const IfStmt&>(s));
      case StmtKind::kFor:
        return exec_for(static_cast<const ForStmt&>(s));
      case StmtKind::kSet: {
        const auto& set = static_cast<const SetStmt&>(s);
        INTERNVL_ASSIGN_OR_RETURN(Value v, eval(*set.value));
        return assign(set.target, v);
      }
      case StmtKind::kSetBlock:
        return exec_set_block(static_cast<const SetBlockStmt&>(s));
      case StmtKind::kMacro: {
        const auto& m = static_cast<const MacroStmt&>(s);
        scope_->set(m.def.name, Value::object(make_macro(m.def)));
        return Status();
      }
      case StmtKind::kCallBlock:
        return exec_call_block(static_cast<const CallBlockStmt&>(s));
      case StmtKind::kFilterBlock:
        return exec_filter_block(static_cast<const FilterBlockStmt&>(s));
      case StmtKind::kWith:
        return exec_with(static_cast<const WithStmt&>(s));
      case StmtKind::kScope: {
        INTERNVL_ASSIGN_OR_RETURN(std::string text, capture(static_cast<const ScopeStmt&>(s).body,
                                                            std::make_shared<Scope>(scope_)));
        return write(text);
      }
      case StmtKind::kBreak:
        flow_ = Flow::kBreak;
        return Status();
      case StmtKind::kContinue:
        flow_ = Flow::kContinue;
        return Status();
    }
    return internal_error("unknown statement kind");
  }();
  if (!st.ok() && error_offset_ == std::string_view::npos) error_offset_ = s.offset;
  return st;
}

Status Renderer::exec_if(const IfStmt& s) {
  for (const auto& [test, body] : s.branches) {
    INTERNVL_ASSIGN_OR_RETURN(Value v, eval(*test));
    if (truthy(v)) return exec_body(body);
  }
  return exec_body(s.else_body);
}

Status Renderer::exec_for(const ForStmt& s) {
  INTERNVL_ASSIGN_OR_RETURN(Value iterable, eval(*s.iter));
  INTERNVL_ASSIGN_OR_RETURN(std::vector<Value> items, iterate(iterable));
  INTERNVL_RETURN_IF_ERROR(charge(static_cast<std::int64_t>(items.size())));
  ScopeRestore restore(scope_);
  const std::shared_ptr<Scope> outer = restore.saved();
  if (s.filter) {
    std::vector<Value> kept;
    for (auto& item : items) {
      scope_ = std::make_shared<Scope>(outer);
      INTERNVL_RETURN_IF_ERROR(assign(s.target, item));
      INTERNVL_ASSIGN_OR_RETURN(Value keep, eval(*s.filter));
      if (truthy(keep)) kept.push_back(std::move(item));
    }
    items = std::move(kept);
  }
  if (items.empty()) {
    // The else block runs when the loop body never ran, in its own scope.
    scope_ = std::make_shared<Scope>(outer);
    return exec_body(s.else_body);
  }
  auto loop = std::make_shared<LoopObject>(std::move(items));
  loops_.push_back(loop);
  const Value loop_value = Value::object(loop);
  const std::vector<Value>& seq = loop->items();
  for (std::size_t i = 0; i < seq.size(); ++i) {
    INTERNVL_RETURN_IF_ERROR(charge(1));
    // Each iteration gets a fresh scope: a `set` in the body does not survive it (Jinja).
    scope_ = std::make_shared<Scope>(outer);
    loop->set_index(i);
    scope_->set("loop", loop_value);
    INTERNVL_RETURN_IF_ERROR(assign(s.target, seq[i]));
    INTERNVL_RETURN_IF_ERROR(exec_body(s.body));
    if (flow_ == Flow::kBreak) {
      flow_ = Flow::kNormal;
      break;
    }
    flow_ = Flow::kNormal;
  }
  return Status();
}

Status Renderer::exec_set_block(const SetBlockStmt& s) {
  INTERNVL_ASSIGN_OR_RETURN(std::string text, capture(s.body, std::make_shared<Scope>(scope_)));
  Value v = Value::string(std::move(text));
  if (s.filter) {
    INTERNVL_ASSIGN_OR_RETURN(v, apply_block_filter(*s.filter, std::move(v)));
  }
  return assign(s.target, v);
}

Status Renderer::exec_call_block(const CallBlockStmt& s) {
  const Value caller = Value::object(make_macro(s.caller));
  INTERNVL_ASSIGN_OR_RETURN(Value v, eval_call(static_cast<const CallExpr&>(*s.call), &caller));
  if (v.is_string()) return write(v.as_string());
  return write(to_str(v, limits_.max_output_bytes));
}

Status Renderer::exec_filter_block(const FilterBlockStmt& s) {
  INTERNVL_ASSIGN_OR_RETURN(std::string text, capture(s.body, std::make_shared<Scope>(scope_)));
  INTERNVL_ASSIGN_OR_RETURN(Value v, apply_block_filter(*s.filter, Value::string(std::move(text))));
  // Jinja joins the block's output with "".join(), which accepts only strings.
  if (!v.is_string()) {
    return invalid_argument("sequence item: expected str instance, ", type_name(v), " found");
  }
  return write(v.as_string());
}

Result<Value> Renderer::apply_block_filter(const Expr& chain, Value text) {
  Value saved = std::move(block_input_);
  block_input_ = std::move(text);
  Result<Value> r = eval(chain);
  block_input_ = std::move(saved);
  return r;
}

Status Renderer::exec_with(const WithStmt& s) {
  // Values are evaluated in the enclosing scope, then bound in a new one.
  std::vector<Value> values;
  for (const auto& [target, expr] : s.assignments) {
    INTERNVL_ASSIGN_OR_RETURN(Value v, eval(*expr));
    values.push_back(std::move(v));
  }
  ScopeRestore restore(scope_);
  scope_ = std::make_shared<Scope>(restore.saved());
  for (std::size_t i = 0; i < values.size(); ++i) {
    INTERNVL_RETURN_IF_ERROR(assign(s.assignments[i].first, values[i]));
  }
  return exec_body(s.body);
}

Status Renderer::assign(const Target& t, const Value& v) {
  switch (t.kind) {
    case Target::Kind::kName:
      scope_->set(t.name, v);
      return Status();
    case Target::Kind::kNsAttr: {
      const Value* ns = scope_->find(t.name);
      Namespace* target = nullptr;
      if (ns != nullptr && ns->is_object())
        target = dynamic_cast<Namespace*>(ns->as_object().get());
      if (target == nullptr) {
        return invalid_argument("cannot assign attribute on non-namespace object '", t.name, "'");
      }
      target->set_attr(t.attr, v);
      return Status();
    }
    case Target::Kind::kTuple: {
      if (!(v.is_list() || v.is_dict() || v.is_string() || v.is_undefined())) {
        return invalid_argument("cannot unpack non-iterable ", type_name(v), " object");
      }
      INTERNVL_ASSIGN_OR_RETURN(std::vector<Value> items, iterate(v));
      if (items.size() > t.items.size()) {
        return invalid_argument("too many values to unpack (expected ", t.items.size(), ")");
      }
      if (items.size() < t.items.size()) {
        return invalid_argument("not enough values to unpack (expected ", t.items.size(), ", got ",
                                items.size(), ")");
      }
      for (std::size_t i = 0; i < items.size(); ++i) {
        INTERNVL_RETURN_IF_ERROR(assign(t.items[i], items[i]));
      }
      return Status();
    }
  }
  return internal_error("unknown assignment target");
}

}  // namespace internvl::jinja
