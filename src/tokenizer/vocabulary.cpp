#include "tokenizer/vocabulary.h"

#include <cstring>

namespace internvl::tokenizer {

std::uint64_t hash_bytes(std::string_view s) {
  const char* p = s.data();
  const std::size_t n = s.size();
  std::uint64_t h = 0x9E3779B97F4A7C15ull ^ (n * 0xC2B2AE3D27D4EB4Full);
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, p + i, 8);
    h = (h ^ w) * 0xFF51AFD7ED558CCDull;
    h ^= h >> 32;
  }
  if (i < n) {
    std::uint64_t w = 0;
    std::memcpy(&w, p + i, n - i);
    h = (h ^ w) * 0xC4CEB9FE1A85EC53ull;
    h ^= h >> 29;
  }
  h *= 0x9E3779B97F4A7C15ull;
  return h ^ (h >> 32);
}

void StringPool::add(std::string_view s) {
  data_.append(s);
  ends_.push_back(static_cast<std::uint32_t>(data_.size()));
}

void StringPool::reserve(std::size_t strings, std::size_t bytes) {
  ends_.reserve(strings);
  data_.reserve(bytes);
}

std::int32_t Vocabulary::build(const std::vector<std::string_view>& by_id) {
  std::size_t bytes = 0;
  for (std::string_view s : by_id) bytes += s.size();
  texts_ = StringPool();
  texts_.reserve(by_id.size(), bytes);
  for (std::string_view s : by_id) texts_.add(s);

  std::size_t cap = 16;
  while (cap < by_id.size() * 2) cap <<= 1;
  slots_.assign(cap, Slot{});
  mask_ = cap - 1;
  count_ = 0;
  // Inserting 151k tokens is one cache miss each: hash ahead and prefetch the slots.
  constexpr std::size_t kAhead = 16;
  std::vector<std::uint64_t> hashes(by_id.size());
  for (std::size_t id = 0; id < by_id.size(); ++id) hashes[id] = hash_bytes(texts_[id]);
  std::int32_t duplicate = -1;
  for (std::size_t id = 0; id < by_id.size(); ++id) {
    if (id + kAhead < by_id.size()) __builtin_prefetch(&slots_[hashes[id + kAhead] & mask_], 1);
    const std::string_view s = texts_[id];
    if (s.empty()) continue;
    const std::uint64_t h = hashes[id];
    const auto tag = static_cast<std::uint32_t>(h >> 32);
    for (std::uint64_t i = h & mask_;; i = (i + 1) & mask_) {
      Slot& slot = slots_[i];
      if (slot.id < 0) {
        slot = Slot{tag, static_cast<std::int32_t>(id),
                    static_cast<std::uint32_t>(s.data() - texts_.data()),
                    static_cast<std::uint32_t>(s.size())};
        ++count_;
        break;
      }
      if (slot.tag == tag && texts_[static_cast<std::size_t>(slot.id)] == s) {
        if (duplicate < 0) duplicate = static_cast<std::int32_t>(id);
        break;
      }
    }
  }
  return duplicate;
}

std::int32_t Vocabulary::find_hashed(std::string_view text, std::uint64_t h) const {
  if (slots_.empty() || text.empty()) return -1;
  const auto tag = static_cast<std::uint32_t>(h >> 32);
  for (std::uint64_t i = h & mask_;; i = (i + 1) & mask_) {
    const Slot& slot = slots_[i];
    if (slot.id < 0) return -1;
    if (slot.tag == tag && slot.length == text.size() &&
        std::memcmp(texts_.data() + slot.offset, text.data(), text.size()) == 0) {
      return slot.id;
    }
  }
}

}  // namespace internvl::tokenizer
