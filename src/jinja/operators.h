// Python operators on interpreter values, and Jinja's sandboxed attribute/item lookup.
// Errors are the Python exceptions a template would raise (TypeError, ZeroDivisionError,
// UndefinedError), returned as Status messages.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "internvl/status.h"
#include "jinja/ast.h"
#include "jinja/value.h"

namespace internvl::jinja {

/// The error raised when an undefined value is used (UndefinedError).
Status undefined_error(const Value& v);

/// a <op> b; strings and lists built are capped at max_bytes / max_items.
Result<Value> binary_op(BinOp op, const Value& a, const Value& b, std::size_t max_bytes);
/// -a and +a.
Result<Value> negate(const Value& a);
Result<Value> unary_plus(const Value& a);
/// Python a < b (TypeError for unorderable types).
Result<bool> less_than(const Value& a, const Value& b);
/// a <op> b for ==, !=, <, <=, >, >=, in, not in.
Result<bool> compare(CmpOp op, const Value& a, const Value& b);
/// `item in container`.
Result<bool> contains(const Value& container, const Value& item);

/// Jinja's environment.getattr: attribute first (methods), then item; undefined when absent.
Result<Value> get_attr(const Value& obj, std::string_view name);
/// Jinja's environment.getitem: item first, then attribute for string keys.
Result<Value> get_item(const Value& obj, const Value& key);
/// obj[start:stop:step] (null Values stand for None); undefined when obj cannot be sliced.
Result<Value> get_slice(const Value& obj, const Value& start, const Value& stop, const Value& step);

/// The items a for loop visits: list items, dict keys, string characters; undefined is empty.
Result<std::vector<Value>> iterate(const Value& v);
/// len(v); undefined has length 0.
Result<std::int64_t> length(const Value& v);

}  // namespace internvl::jinja
