#include "jinja/objects.h"

#include "core/str.h"

namespace internvl::jinja {
namespace {

// loop.cycle / loop.changed, bound to their loop.
class LoopMethod final : public Object {
 public:
  LoopMethod(std::shared_ptr<const LoopObject> loop, bool changed)
      : loop_(std::move(loop)), changed_(changed) {}
  const char* type_name() const override { return "method"; }
  std::string repr() const override {
    return changed_ ? "<bound method LoopContext.changed>" : "<bound method LoopContext.cycle>";
  }
  bool callable() const override { return true; }
  Result<Value> call(Renderer& /*r*/, CallArgs& args) const override {
    if (!args.kwargs.empty()) {
      return invalid_argument("loop.", changed_ ? "changed" : "cycle",
                              "() got an unexpected keyword argument '", args.kwargs[0].first, "'");
    }
    return changed_ ? loop_->changed(args) : loop_->cycle(args);
  }

 private:
  std::shared_ptr<const LoopObject> loop_;
  bool changed_;
};

}  // namespace

std::string LoopObject::repr() const {
  return str_cat("<LoopContext ", index0_ + 1, "/", items_.size(), ">");
}

Value LoopObject::get_attr(std::string_view name) const {
  const auto n = static_cast<std::int64_t>(items_.size());
  const auto i = static_cast<std::int64_t>(index0_);
  if (name == "index") return Value::integer(i + 1);
  if (name == "index0") return Value::integer(i);
  if (name == "revindex") return Value::integer(n - i);
  if (name == "revindex0") return Value::integer(n - i - 1);
  if (name == "first") return Value::boolean(i == 0);
  if (name == "last") return Value::boolean(i + 1 == n);
  if (name == "length") return Value::integer(n);
  if (name == "depth") return Value::integer(1);
  if (name == "depth0") return Value::integer(0);
  if (name == "previtem") {
    if (i == 0) return Value::undefined("there is no previous item");
    return items_[index0_ - 1];
  }
  if (name == "nextitem") {
    if (i + 1 >= n) return Value::undefined("there is no next item");
    return items_[index0_ + 1];
  }
  if (name == "cycle" || name == "changed") {
    return Value::object(std::make_shared<LoopMethod>(shared_from_this(), name == "changed"));
  }
  return Object::get_attr(name);
}

Result<Value> LoopObject::cycle(const CallArgs& args) const {
  if (args.args.empty()) return invalid_argument("no items for cycling given");
  return args.args[index0_ % args.args.size()];
}

Result<Value> LoopObject::changed(const CallArgs& args) const {
  Value now = Value::tuple(args.args);
  if (has_last_changed_ && equals(last_changed_, now)) return Value::boolean(false);
  last_changed_ = std::move(now);
  has_last_changed_ = true;
  return Value::boolean(true);
}

}  // namespace internvl::jinja
