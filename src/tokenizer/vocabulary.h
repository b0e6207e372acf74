// Compact string storage for the 151k-token vocabulary: all texts in one buffer, and a flat
// open-addressing index from text to id. (std::unordered_map<std::string, int> allocates a node
// per token and made loading tokenizer.json twice as slow.)
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace internvl::tokenizer {

/// 64-bit hash of a short byte string (tokens, BPE pieces).
std::uint64_t hash_bytes(std::string_view s);

/// Many short strings appended into one buffer, addressed by insertion index.
class StringPool {
 public:
  void add(std::string_view s);
  std::size_t size() const { return ends_.size(); }
  std::string_view operator[](std::size_t i) const {
    const std::uint32_t begin = i == 0 ? 0 : ends_[i - 1];
    return std::string_view(data_).substr(begin, ends_[i] - begin);
  }
  void reserve(std::size_t strings, std::size_t bytes);
  const char* data() const { return data_.data(); }

 private:
  std::string data_;
  std::vector<std::uint32_t> ends_;  // end offset of each string
};

/// Token texts by id with a text -> id index. Immutable after build().
class Vocabulary {
 public:
  /// Stores by_id (an empty view marks an unassigned id). Returns the first id whose text
  /// repeats the text of a smaller id, or -1 when all texts are distinct.
  std::int32_t build(const std::vector<std::string_view>& by_id);

  /// Id of text, or -1.
  std::int32_t find(std::string_view text) const { return find_hashed(text, hash_bytes(text)); }

  /// find() with hash = hash_bytes(text) computed by the caller (see prefetch).
  std::int32_t find_hashed(std::string_view text, std::uint64_t hash) const;

  /// Starts loading the index slot of a hash, so that a batch of lookups overlaps its misses.
  void prefetch(std::uint64_t hash) const {
    if (!slots_.empty()) __builtin_prefetch(&slots_[hash & mask_]);
  }

  /// Text of id; empty when unassigned or out of range.
  std::string_view text(std::int32_t id) const {
    return id >= 0 && static_cast<std::size_t>(id) < texts_.size()
               ? texts_[static_cast<std::size_t>(id)]
               : std::string_view();
  }

  /// Number of assigned ids (tokenizers' get_vocab_size for the model).
  std::size_t count() const { return count_; }

  /// Largest id + 1.
  std::int32_t size() const { return static_cast<std::int32_t>(texts_.size()); }

 private:
  struct Slot {
    std::uint32_t tag = 0;     // high half of the hash
    std::int32_t id = -1;      // -1: empty
    std::uint32_t offset = 0;  // the text, in texts_, so a probe needs no second lookup
    std::uint32_t length = 0;
  };
  StringPool texts_;
  std::vector<Slot> slots_;
  std::uint64_t mask_ = 0;
  std::size_t count_ = 0;
};

}  // namespace internvl::tokenizer
