#include "model/kv_cache.h"

#include <algorithm>
#include <cstring>

#include "core/check.h"
#include "kernels/convert.h"

namespace internvl::model {

KvCache::KvCache(int n_layers, int n_kv_heads, int head_dim, KvFormat format)
    : format_(format),
      row_(static_cast<std::int64_t>(n_kv_heads) * head_dim),
      k_(static_cast<std::size_t>(n_layers)),
      v_(static_cast<std::size_t>(n_layers)) {}

std::byte* KvCache::data(Layers& l, int layer, KvFormat want) {
  INTERNVL_DCHECK(want == format_, "kv cache read in the wrong format");
  (void)want;  // only checked in debug builds
  return l[static_cast<std::size_t>(layer)].data();
}

void KvCache::write(int layer, std::int64_t pos, const float* k, const float* v, std::int64_t n_tokens) {
  const std::int64_t n = n_tokens * row_;
  if (format_ == KvFormat::kBF16) {
    kernels::f32_to_bf16_row(k, k_bf16(layer) + pos * row_, n);
    kernels::f32_to_bf16_row(v, v_bf16(layer) + pos * row_, n);
  } else {
    std::memcpy(this->k(layer) + pos * row_, k, sizeof(float) * static_cast<std::size_t>(n));
    std::memcpy(this->v(layer) + pos * row_, v, sizeof(float) * static_cast<std::size_t>(n));
  }
}

void KvCache::reserve(std::int64_t n) {
  if (n <= capacity_) return;
  // Grow by 25% (amortized O(1) appends) rather than doubling: a long video prompt would
  // otherwise hold up to twice the cache it needs. Layers reallocate one at a time.
  constexpr std::int64_t kRound = 128;
  std::int64_t cap = std::max(n, capacity_ + capacity_ / 4);
  cap = (cap + kRound - 1) / kRound * kRound;
  const std::size_t bytes = static_cast<std::size_t>(cap * row_) * value_bytes();
  for (auto& b : k_) b.resize(bytes);
  for (auto& b : v_) b.resize(bytes);
  capacity_ = cap;
}

void KvCache::set_size(std::int64_t n) {
  INTERNVL_CHECK(n >= 0 && n <= capacity_, "kv size ", n, " beyond capacity ", capacity_);
  size_ = n;
}

void KvCache::truncate(std::int64_t n) {
  if (n < size_) size_ = n < 0 ? 0 : n;
}

std::int64_t KvCache::nbytes() const {
  return capacity_ * bytes_per_token();
}

}  // namespace internvl::model
