// Runtime values of the Jinja interpreter, with Python semantics: undefined vs None, int vs float,
// str, list/tuple, insertion-ordered dict, and objects (namespace, loop, macro, bound method).
// Lists and dicts are immutable once built (the sandbox forbids mutation), so values share them.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/json.h"
#include "internvl/status.h"

namespace internvl::jinja {

class Renderer;
class Value;

/// Positional and keyword arguments of a call, filter or test.
struct CallArgs {
  std::vector<Value> args;
  std::vector<std::pair<std::string, Value>> kwargs;
};

enum class ValueKind : std::uint8_t {
  kUndefined,
  kNone,
  kBool,
  kInt,
  kFloat,
  kString,
  kList,  // list or tuple
  kDict,
  kObject,
};

struct ListData;
struct DictData;
class Object;

class Value {
 public:
  /// An undefined value; `hint` is the message UndefinedError would carry ("'x' is undefined").
  Value() = default;
  /// An undefined value carrying its UndefinedError message.
  static Value undefined(std::string hint);
  /// None.
  static Value none();
  /// True / False.
  static Value boolean(bool b);
  /// A Python int (64-bit here; overflow is an error where it can happen).
  static Value integer(std::int64_t i);
  /// A Python float.
  static Value number(double f);
  /// A str (UTF-8).
  static Value string(std::string s);
  /// A list.
  static Value list(std::vector<Value> items);
  /// A tuple (prints with parentheses; tojson writes an array).
  static Value tuple(std::vector<Value> items);
  /// A one-pass iterator (what Jinja's map/select/... return): always truthy, no len().
  static Value iterator(std::vector<Value> items);
  /// An iterator whose generator failed: the error surfaces only when it is consumed, as a
  /// Python generator's would.
  static Value failed_iterator(Status error);
  /// A dict (insertion-ordered).
  static Value dict(DictData data);
  /// A namespace, loop, macro or function.
  static Value object(std::shared_ptr<Object> obj);

  /// Which alternative is held.
  ValueKind kind() const { return static_cast<ValueKind>(v_.index()); }
  /// Kind tests (is_int is false for bool; see is_integral).
  bool is_undefined() const { return kind() == ValueKind::kUndefined; }
  bool is_none() const { return kind() == ValueKind::kNone; }
  bool is_bool() const { return kind() == ValueKind::kBool; }
  bool is_int() const { return kind() == ValueKind::kInt; }
  bool is_float() const { return kind() == ValueKind::kFloat; }
  /// int or bool (Python's bool is an int).
  bool is_integral() const { return is_int() || is_bool(); }
  /// int, bool or float.
  bool is_number() const { return is_integral() || is_float(); }
  /// A str.
  bool is_string() const { return kind() == ValueKind::kString; }
  /// A list, tuple or iterator.
  bool is_list() const { return kind() == ValueKind::kList; }
  /// A tuple.
  bool is_tuple() const;
  /// An iterator (a generator filter's result).
  bool is_iterator() const;
  /// A list or tuple (not an iterator): indexable, has len().
  bool is_sequence() const { return is_list() && !is_iterator(); }
  /// A dict.
  bool is_dict() const { return kind() == ValueKind::kDict; }
  /// A namespace, loop, macro or function.
  bool is_object() const { return kind() == ValueKind::kObject; }

  /// Accessors; calling one for another kind is a bug (std::get aborts on it).
  bool as_bool() const { return std::get<bool>(v_); }
  std::int64_t as_int() const { return std::get<std::int64_t>(v_); }
  double as_float() const { return std::get<double>(v_); }
  /// int or bool as int64.
  std::int64_t as_integral() const { return is_bool() ? (as_bool() ? 1 : 0) : as_int(); }
  /// Any number as double.
  double as_double() const { return is_float() ? as_float() : static_cast<double>(as_integral()); }
  /// The str, list or dict data, or the object.
  const std::string& as_string() const { return *std::get<StrPtr>(v_); }
  const ListData& as_list() const { return *std::get<ListPtr>(v_); }
  const DictData& as_dict() const { return *std::get<DictPtr>(v_); }
  const std::shared_ptr<Object>& as_object() const { return std::get<ObjPtr>(v_); }
  /// The UndefinedError message of an undefined value.
  std::string undefined_hint() const;

  /// Nesting depth of lists and dicts (1 for scalars); bounded to keep recursion finite.
  int depth() const;
  /// Same list/dict/object instance, or equal scalars (Python `is` for our purposes).
  bool same_as(const Value& other) const;

 private:
  struct UndefinedData {
    std::shared_ptr<const std::string> hint;
  };
  using StrPtr = std::shared_ptr<const std::string>;
  using ListPtr = std::shared_ptr<const ListData>;
  using DictPtr = std::shared_ptr<const DictData>;
  using ObjPtr = std::shared_ptr<Object>;
  static Value sequence(std::vector<Value> items, bool tuple, bool iterator);
  std::variant<UndefinedData, std::nullptr_t, bool, std::int64_t, double, StrPtr, ListPtr, DictPtr,
               ObjPtr>
      v_;
};

struct ListData {
  std::vector<Value> items;
  bool tuple = false;
  bool iterator = false;
  std::shared_ptr<const Status> pending_error;  // failed_iterator: raised when consumed
  int depth = 1;
};

struct DictData {
  std::vector<std::pair<Value, Value>> items;
  int depth = 1;

  /// The value stored under key (Python equality: 1 == 1.0 == True), or nullptr.
  const Value* find(const Value& key) const;
  /// The value stored under a string key, or nullptr.
  const Value* find(std::string_view key) const;
  /// Inserts or replaces (keeping the first position, as Python dicts do).
  void set(Value key, Value value);
};

/// Values that are not plain data: namespaces, loop contexts, macros, builtin functions.
class Object {
 public:
  virtual ~Object() = default;
  /// Python type name for messages and `|string` ("Namespace", "LoopContext", "Macro").
  virtual const char* type_name() const = 0;
  /// str(obj).
  virtual std::string repr() const = 0;
  /// getattr(obj, name); undefined when absent.
  virtual Value get_attr(std::string_view name) const;
  virtual bool callable() const { return false; }
  /// obj(*args, **kwargs).
  virtual Result<Value> call(Renderer& r, CallArgs& args) const;
  /// len(obj), or -1 when it has no length.
  virtual std::int64_t length() const { return -1; }
};

/// `namespace(...)`: the only mutable value; `{% set ns.attr = v %}` writes into it.
class Namespace final : public Object {
 public:
  const char* type_name() const override { return "Namespace"; }
  std::string repr() const override;
  Value get_attr(std::string_view name) const override;
  void set_attr(std::string_view name, Value v);
  const DictData& attrs() const { return attrs_; }
  /// Drops every attribute; breaks reference cycles when a render ends.
  void clear() { attrs_.items.clear(); }

 private:
  DictData attrs_;
};

/// Largest list/dict nesting a render may build or receive.
inline constexpr int kMaxValueDepth = 200;

/// Python truthiness.
bool truthy(const Value& v);
/// Python type name: "int", "str", "NoneType", "list", "tuple", "dict", "Undefined", ...
std::string type_name(const Value& v);
/// Longest text to_str/to_repr build by default (a namespace may even contain itself).
inline constexpr std::size_t kMaxPrintBytes = std::size_t{256} << 20;
/// str(v) as Jinja prints it (undefined prints as ""); stops growing past max_bytes.
std::string to_str(const Value& v, std::size_t max_bytes = kMaxPrintBytes);
/// repr(v) (strings quoted; used inside containers); stops growing past max_bytes.
std::string to_repr(const Value& v, std::size_t max_bytes = kMaxPrintBytes);
/// Python ==.
bool equals(const Value& a, const Value& b);

/// Converts JSON (null, bool, numbers, strings, arrays, objects in key order) to a Value;
/// fails when nesting exceeds kMaxValueDepth.
Result<Value> from_json(const Json& j);
/// Converts a Value back to JSON (tuples become arrays); fails for undefined and objects.
Result<Json> to_json(const Value& v);

}  // namespace internvl::jinja
