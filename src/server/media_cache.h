// The image cache: vision features of images and videos, keyed by a hash of their encoded bytes
// and the settings that shape the features (tile limits, frame count), so an image seen again in
// a later turn or another request is neither decoded nor encoded again. Least recently used
// entries are dropped past a byte budget. Requests that need the same new image at the same time
// encode it once: the others wait for the first one's result. Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <future>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/tensor.h"

namespace internvl::server {

/// Vision features of one image (its tiles) or video (its frames).
struct EncodedMedia {
  int n_tiles = 0;
  Tensor features;  // f32 [n_tiles, tokens_per_tile, H]
};

struct MediaCacheStats {
  std::int64_t hits = 0, misses = 0, evictions = 0;
  std::int64_t entries = 0;
  std::size_t bytes = 0;
};

/// SHA-256 of `bytes` as 64 hex digits.
std::string content_hash(std::string_view bytes);

class MediaCache {
 public:
  /// max_bytes = 0 disables the cache (every lookup misses, nothing is kept).
  explicit MediaCache(std::size_t max_bytes) : max_bytes_(max_bytes) {}

  /// The entry for `key` (counted as a hit), or null (counted as a miss).
  std::shared_ptr<const EncodedMedia> get(const std::string& key);
  /// The entry for `key`, or null; not counted.
  std::shared_ptr<const EncodedMedia> find(const std::string& key);
  /// Counts a hit for an entry the caller already holds (found with find()).
  void count_hit();
  /// The entry for `key`, computed with `encode` when neither the cache nor another caller
  /// working on the same key has it (that caller's result is waited for and counted as a hit;
  /// computing counts a miss). The result is stored; null from `encode` is returned, not stored.
  std::shared_ptr<const EncodedMedia> get_or_encode(const std::string& key,
                                                    const std::function<std::shared_ptr<const EncodedMedia>()>& encode);
  /// Stores an entry, evicting the least recently used ones to stay within the budget. An
  /// entry larger than the whole budget is not kept.
  void put(const std::string& key, std::shared_ptr<const EncodedMedia> value);
  MediaCacheStats stats() const;

 private:
  using Entry = std::pair<std::string, std::shared_ptr<const EncodedMedia>>;
  using Pending = std::shared_future<std::shared_ptr<const EncodedMedia>>;
  void put_locked(const std::string& key, std::shared_ptr<const EncodedMedia> value);
  const std::size_t max_bytes_;
  mutable std::mutex mu_;
  std::list<Entry> lru_;  // most recently used first
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;
  std::unordered_map<std::string, Pending> encoding_;  // keys being computed now
  MediaCacheStats stats_;
};

}  // namespace internvl::server
