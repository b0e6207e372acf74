// A flat cache from BPE piece (raw bytes) to its token ids. Not thread-safe by itself: each
// encode call has one, and BpeModel keeps a few behind mutexes to share across calls.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace internvl::tokenizer {

class PieceCache {
 public:
  /// Holds up to max_entries pieces; when full it starts over empty (pieces recur locally).
  explicit PieceCache(std::size_t max_entries);

  /// The cached ids of piece (hash = hash_bytes(piece)), or nullopt-like false.
  bool find(std::string_view piece, std::uint64_t hash, std::vector<std::int32_t>* out) const;

  /// Caches ids for piece; ignores a piece that is already there.
  void insert(std::string_view piece, std::uint64_t hash, std::span<const std::int32_t> ids);

  std::size_t size() const { return count_; }

 private:
  struct Slot {
    std::uint64_t hash = 0;
    std::uint32_t key_offset = 0;
    std::uint32_t key_length = 0;
    std::uint32_t ids_offset = 0;
    std::uint32_t n_ids = 0;  // 0: empty slot (a cached piece always has at least one id)
  };
  void clear();

  std::vector<Slot> slots_;
  std::uint64_t mask_;
  std::string keys_;               // all cached pieces, concatenated
  std::vector<std::int32_t> ids_;  // all cached ids, concatenated
  std::size_t count_ = 0;
  std::size_t max_entries_;
};

}  // namespace internvl::tokenizer
