#include "tokenizer/piece_cache.h"

#include <cstring>

namespace internvl::tokenizer {

PieceCache::PieceCache(std::size_t max_entries) : max_entries_(max_entries) {
  std::size_t cap = 16;
  while (cap < max_entries * 2) cap <<= 1;
  slots_.assign(cap, Slot{});
  mask_ = cap - 1;
}

void PieceCache::clear() {
  std::memset(static_cast<void*>(slots_.data()), 0, slots_.size() * sizeof(Slot));
  keys_.clear();
  ids_.clear();
  count_ = 0;
}

bool PieceCache::find(std::string_view piece, std::uint64_t hash,
                      std::vector<std::int32_t>* out) const {
  for (std::uint64_t i = hash & mask_;; i = (i + 1) & mask_) {
    const Slot& s = slots_[i];
    if (s.n_ids == 0) return false;
    if (s.hash == hash && s.key_length == piece.size() &&
        std::memcmp(keys_.data() + s.key_offset, piece.data(), piece.size()) == 0) {
      out->insert(out->end(), ids_.begin() + s.ids_offset, ids_.begin() + s.ids_offset + s.n_ids);
      return true;
    }
  }
}

void PieceCache::insert(std::string_view piece, std::uint64_t hash,
                        std::span<const std::int32_t> ids) {
  if (ids.empty()) return;
  if (count_ >= max_entries_) clear();
  for (std::uint64_t i = hash & mask_;; i = (i + 1) & mask_) {
    Slot& s = slots_[i];
    if (s.n_ids != 0) {
      if (s.hash == hash && s.key_length == piece.size() &&
          std::memcmp(keys_.data() + s.key_offset, piece.data(), piece.size()) == 0) {
        return;
      }
      continue;
    }
    s.hash = hash;
    s.key_offset = static_cast<std::uint32_t>(keys_.size());
    s.key_length = static_cast<std::uint32_t>(piece.size());
    s.ids_offset = static_cast<std::uint32_t>(ids_.size());
    s.n_ids = static_cast<std::uint32_t>(ids.size());
    keys_.append(piece);
    ids_.insert(ids_.end(), ids.begin(), ids.end());
    ++count_;
    return;
  }
}

}  // namespace internvl::tokenizer
