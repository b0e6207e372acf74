#include "jinja/sorting.h"

#include "jinja/operators.h"
#include "jinja/render.h"

namespace internvl::jinja {

// A bottom-up merge sort: comparisons may fail, and an inconsistent comparator (NaN, mixed
// types) must never make std::sort read out of bounds.
Status sort_by_keys(Renderer& r, std::vector<Value>& items, const std::vector<Value>& keys,
                    bool reverse) {
  const std::size_t n = items.size();
  std::vector<std::size_t> idx(n);
  for (std::size_t i = 0; i < n; ++i) idx[i] = i;
  std::vector<std::size_t> tmp(n);
  // "b must come before a": b < a normally; a < b when reversed (stability kept either way).
  auto before = [&](std::size_t b, std::size_t a) -> Result<bool> {
    return reverse ? less_than(keys[a], keys[b]) : less_than(keys[b], keys[a]);
  };
  for (std::size_t width = 1; width < n; width *= 2) {
    INTERNVL_RETURN_IF_ERROR(r.charge(static_cast<std::int64_t>(n)));
    for (std::size_t lo = 0; lo < n; lo += 2 * width) {
      const std::size_t mid = std::min(lo + width, n);
      const std::size_t hi = std::min(lo + 2 * width, n);
      std::size_t i = lo;
      std::size_t j = mid;
      std::size_t k = lo;
      while (i < mid && j < hi) {
        INTERNVL_ASSIGN_OR_RETURN(bool take_right, before(idx[j], idx[i]));
        tmp[k++] = take_right ? idx[j++] : idx[i++];
      }
      while (i < mid) tmp[k++] = idx[i++];
      while (j < hi) tmp[k++] = idx[j++];
    }
    idx.swap(tmp);
  }
  std::vector<Value> sorted;
  sorted.reserve(n);
  for (std::size_t i : idx) sorted.push_back(std::move(items[i]));
  items = std::move(sorted);
  return Status();
}

}  // namespace internvl::jinja
