// Per-sequence key/value cache. It lives in model/ (not runtime/) because the decoder writes it;
// the runtime owns the caches and decides their lifetime.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace internvl::model {

/// How a cache stores keys and values. kBF16 halves the cache's memory and the bytes a decode
/// step reads from it; the bf16 attention path rounds f32 keys and values to bf16 anyway, so it
/// gives the same results from either (see InternVLModel::new_cache).
enum class KvFormat { kF32, kBF16 };

class KvCache {
 public:
  KvCache(int n_layers, int n_kv_heads, int head_dim, KvFormat format = KvFormat::kF32);

  KvFormat format() const { return format_; }
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
  /// Bytes one more token takes (keys and values of every layer).
  std::int64_t bytes_per_token() const {
    return 2 * static_cast<std::int64_t>(k_.size()) * row_ * static_cast<std::int64_t>(value_bytes());
  }

  /// Stores n_tokens rows of keys and values (f32 [n_tokens, n_kv_heads, head_dim], rows packed)
  /// of one layer from position pos, in the cache's format; reserve() first.
  void write(int layer, std::int64_t pos, const float* k, const float* v, std::int64_t n_tokens);

  std::int64_t row_stride() const { return row_; }  // values per token: n_kv_heads * head_dim
  // [capacity, n_kv_heads, head_dim]; k()/v() for kF32 caches, k_bf16()/v_bf16() for kBF16.
  float* k(int layer) { return reinterpret_cast<float*>(data(k_, layer, KvFormat::kF32)); }
  float* v(int layer) { return reinterpret_cast<float*>(data(v_, layer, KvFormat::kF32)); }
  std::uint16_t* k_bf16(int layer) { return reinterpret_cast<std::uint16_t*>(data(k_, layer, KvFormat::kBF16)); }
  std::uint16_t* v_bf16(int layer) { return reinterpret_cast<std::uint16_t*>(data(v_, layer, KvFormat::kBF16)); }

 private:
  using Layers = std::vector<std::vector<std::byte>>;
  std::byte* data(Layers& l, int layer, KvFormat want);
  std::size_t value_bytes() const { return format_ == KvFormat::kBF16 ? 2 : 4; }

  KvFormat format_;
  std::int64_t row_;
  std::int64_t size_ = 0;
  std::int64_t capacity_ = 0;
  Layers k_, v_;
};

}  // namespace internvl::model
