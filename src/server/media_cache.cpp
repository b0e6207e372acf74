#include "server/media_cache.h"

#include <openssl/evp.h>

#include "core/check.h"

namespace internvl::server {

std::string content_hash(std::string_view bytes) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  int ok = EVP_Digest(bytes.data(), bytes.size(), md, &len, EVP_sha256(), nullptr);
  INTERNVL_CHECK(ok == 1, "EVP_Digest(sha256) failed");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * len);
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out;
}

std::shared_ptr<const EncodedMedia> MediaCache::get(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = index_.find(key);
  if (it == index_.end()) {
    stats_.misses++;
    return nullptr;
  }
  stats_.hits++;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->second;
}

std::shared_ptr<const EncodedMedia> MediaCache::find(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = index_.find(key);
  if (it == index_.end()) return nullptr;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->second;
}

void MediaCache::count_hit() {
  std::lock_guard<std::mutex> lock(mu_);
  stats_.hits++;
}

std::shared_ptr<const EncodedMedia> MediaCache::get_or_encode(
    const std::string& key, const std::function<std::shared_ptr<const EncodedMedia>()>& encode) {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    if (auto it = index_.find(key); it != index_.end()) {
      stats_.hits++;
      lru_.splice(lru_.begin(), lru_, it->second);
      return it->second->second;
    }
    auto pending = encoding_.find(key);
    if (pending == encoding_.end()) break;
    Pending other = pending->second;
    lock.unlock();
    std::shared_ptr<const EncodedMedia> v = other.get();
    lock.lock();
    if (v) {
      stats_.hits++;
      return v;
    }
    // The other caller failed: try again, computing it here unless a third caller already is.
  }
  stats_.misses++;
  std::promise<std::shared_ptr<const EncodedMedia>> promise;
  encoding_.emplace(key, promise.get_future().share());
  lock.unlock();
  std::shared_ptr<const EncodedMedia> v;
  // Whatever happens (an exception included), the waiters get an answer and the key is freed.
  struct Publish {
    MediaCache* cache;
    const std::string& key;
    std::promise<std::shared_ptr<const EncodedMedia>>& promise;
    std::shared_ptr<const EncodedMedia>& value;
    ~Publish() {
      std::lock_guard<std::mutex> g(cache->mu_);
      if (value) cache->put_locked(key, value);
      cache->encoding_.erase(key);
      promise.set_value(value);
    }
  } publish{this, key, promise, v};
  std::shared_ptr<const EncodedMedia> result = encode();
  v = result;  // a copy: returning `v` itself would move it out before Publish reads it
  return result;
}

void MediaCache::put(const std::string& key, std::shared_ptr<const EncodedMedia> value) {
  std::lock_guard<std::mutex> lock(mu_);
  put_locked(key, std::move(value));
}

void MediaCache::put_locked(const std::string& key, std::shared_ptr<const EncodedMedia> value) {
  if (!value) return;
  const std::size_t size = value->features.nbytes();
  if (size > max_bytes_) return;
  if (auto it = index_.find(key); it != index_.end()) {  // computed twice concurrently: keep one
    lru_.splice(lru_.begin(), lru_, it->second);
    return;
  }
  while (!lru_.empty() && stats_.bytes + size > max_bytes_) {
    stats_.bytes -= lru_.back().second->features.nbytes();
    index_.erase(lru_.back().first);
    lru_.pop_back();
    stats_.evictions++;
  }
  lru_.emplace_front(key, std::move(value));
  index_[key] = lru_.begin();
  stats_.bytes += size;
}

MediaCacheStats MediaCache::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  MediaCacheStats s = stats_;
  s.entries = static_cast<std::int64_t>(lru_.size());
  return s;
}

}  // namespace internvl::server
