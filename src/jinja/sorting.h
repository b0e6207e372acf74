// Python's sorted(): stable, with Python comparisons that may fail (TypeError) midway.
#pragma once

#include <vector>

#include "internvl/status.h"
#include "jinja/value.h"

namespace internvl::jinja {

/// Sorts items by keys (same length) like sorted(items, key=..., reverse=...): stable, and
/// reverse keeps equal items in their original order. Fails on unorderable keys.
Status sort_by_keys(Renderer& r, std::vector<Value>& items, const std::vector<Value>& keys,
                    bool reverse);

}  // namespace internvl::jinja
