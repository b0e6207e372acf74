// Internal to filters.cpp / filters_seq.cpp: helpers shared by the filter implementations and
// the sequence filters the registry points at.
#pragma once

#include <string>
#include <string_view>

#include "jinja/builtins.h"
#include "jinja/render.h"

namespace internvl::jinja::filter_detail {

/// str(v), capped at the render's size limit.
std::string soft_str(Renderer& r, const Value& v);
/// A string value, after checking it against the render's limits.
Result<Value> make_str(Renderer& r, std::string s);
/// "filter 'name'", for argument errors.
std::string what(std::string_view name);
/// Jinja's make_attrgetter: "a.b.0" walks items (then attributes); fallback replaces undefined.
Result<Value> get_path(const Value& item, const Value& attribute, const Value* fallback);
/// Lower-cases strings unless case_sensitive (sort/unique/min/max keys).
Value ignore_case(Value v, bool case_sensitive);

// ---- sequence filters (filters_seq.cpp) ----
/// x|length, x|default, x|list, ... as jinja2.filters defines them.
Result<Value> f_length(Renderer& r, const Value& in, CallArgs& args);
Result<Value> f_default(Renderer& r, const Value& in, CallArgs& args);
Result<Value> f_list(Renderer& r, const Value& in, CallArgs& args);
Result<Value> f_first(Renderer& r, const Value& in, CallArgs& args);
Result<Value> f_last(Renderer& r, const Value& in, CallArgs& args);
Result<Value> f_reverse(Renderer& r, const Value& in, CallArgs& args);
Result<Value> f_items(Renderer& r, const Value& in, CallArgs& args);
Result<Value> f_dictsort(Renderer& r, const Value& in, CallArgs& args);
Result<Value> f_sort(Renderer& r, const Value& in, CallArgs& args);
Result<Value> f_unique(Renderer& r, const Value& in, CallArgs& args);
Result<Value> f_min(Renderer& r, const Value& in, CallArgs& args);
Result<Value> f_max(Renderer& r, const Value& in, CallArgs& args);
Result<Value> f_sum(Renderer& r, const Value& in, CallArgs& args);
Result<Value> f_batch(Renderer& r, const Value& in, CallArgs& args);
Result<Value> f_slice(Renderer& r, const Value& in, CallArgs& args);
Result<Value> f_select(Renderer& r, const Value& in, CallArgs& args);
Result<Value> f_reject(Renderer& r, const Value& in, CallArgs& args);
Result<Value> f_selectattr(Renderer& r, const Value& in, CallArgs& args);
Result<Value> f_rejectattr(Renderer& r, const Value& in, CallArgs& args);
Result<Value> f_map(Renderer& r, const Value& in, CallArgs& args);

}  // namespace internvl::jinja::filter_detail
