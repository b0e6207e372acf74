// Per-sequence key/value cache. It lives in model/ (not runtime/) because the decoder writes it;
// the runtime owns the caches and decides their lifetime.
#pragma once

#include <cstdint>
#include <vector>

namespace internvl::model {

class KvCache {
 public:
  KvCache(int n_layers, int n_kv_heads, int head_dim);

  /// Tokens stored (the next token's position).
  std::int64_t size() const { return size_; }
  /// Grows storage to hold n tokens (by at least 25%: amortized O(1)); contents are kept.
  void reserve(std::int64_t n);
  /// Marks n tokens valid (after the decoder wrote them); n <= capacity.
  void set_size(std::int64_t n);
  /// Forgets tokens from position n on (prefix reuse).
  void truncate(std::int64_t n);
  std::int64_t capacity() const { return capacity_; }
  /// Bytes held.
  std::int64_t nbytes() const;

  std::int64_t row_stride() const { return row_; }  // floats per token: n_kv_heads * head_dim
  float* k(int layer) { return k_[static_cast<std::size_t>(layer)].data(); }  // [capacity, n_kv_heads, head_dim]
  float* v(int layer) { return v_[static_cast<std::size_t>(layer)].data(); }
  const float* k(int layer) const { return k_[static_cast<std::size_t>(layer)].data(); }
  const float* v(int layer) const { return v_[static_cast<std::size_t>(layer)].data(); }

 private:
  std::int64_t row_;
  std::int64_t size_ = 0;
  std::int64_t capacity_ = 0;
  std::vector<std::vector<float>> k_, v_;
};

}  // namespace internvl::model
