// Byte-level BPE (tokenizers' models::bpe::BPE behind a ByteLevel pre-tokenizer), working on raw
// bytes: the byte-level character mapping is folded into the per-byte initial symbols, so a piece
// is never converted to its "Ġ..." text form.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "internvl/status.h"
#include "tokenizer/piece_cache.h"
#include "tokenizer/tokenizer_json.h"
#include "tokenizer/vocabulary.h"

namespace internvl::tokenizer {

/// Hash for string-keyed maps that also accepts std::string_view lookups.
struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using TokenMap = std::unordered_map<std::string, std::int32_t, StringHash, std::equal_to<>>;

class BpeModel {
 public:
  /// Builds the model from the spec's merges; `vocab` maps byte-level token text to ids.
  /// `what` names the file in errors (a merge naming an unknown token, ...).
  static Result<BpeModel> create(const BpeSpec& spec, const Vocabulary& vocab,
                                 std::string_view what);

  /// Appends the ids of one pre-tokenized piece (raw bytes). Thread-safe. Looks in `local` (the
  /// caller's own cache, may be null) and then in the model's shared cache before merging.
  void encode_piece(std::string_view piece, PieceCache* local,
                    std::vector<std::int32_t>* out) const;

  /// Same result without the cache; `force_heap` selects the O(n log n) merge loop used for
  /// long pieces, so tests can compare the two loops.
  void encode_piece_uncached(std::string_view piece, std::vector<std::int32_t>* out,
                             bool force_heap = false) const;

  /// Pieces up to this many bytes use the simple quadratic merge loop.
  static constexpr std::size_t kSmallPiece = 48;

 private:
  struct Merge {
    std::uint64_t key = ~0ull;  // (left << 32) | right; ~0 marks an empty slot
    std::int32_t rank = 0;
    std::int32_t id = 0;
  };
  struct Symbol {
    std::int32_t id;
    std::int32_t prev;
    std::int32_t next;
  };
  struct Cache;

  // The merge of (left, right), or null.
  const Merge* find_merge(std::int32_t left, std::int32_t right) const;
  void insert_merge(std::int32_t left, std::int32_t right, std::int32_t rank, std::int32_t id);
  void initial_symbols(std::string_view piece, std::vector<std::int32_t>* ids) const;
  void merge_small(std::vector<std::int32_t>* ids) const;
  void merge_heap(std::vector<std::int32_t>* ids) const;

  std::vector<Merge> merges_;  // open-addressing table, size a power of two
  std::uint64_t mask_ = 0;
  // Initial symbols of each byte: usually its one id. When the byte's character is missing from
  // the vocabulary, byte_kinds_ says how tokenizers' merge_word treats it (byte_fallback ids,
  // unk, or dropped) and byte_symbols_ holds the fallback ids or the unk id.
  std::array<std::vector<std::int32_t>, 256> byte_symbols_;
  std::array<std::uint8_t, 256> byte_kinds_{};
  bool simple_bytes_ = true;  // every byte maps to exactly one known id
  bool fuse_unk_ = false;
  bool ignore_merges_ = false;
  TokenMap whole_words_;  // raw-bytes token -> id, only filled for ignore_merges
  std::shared_ptr<Cache> cache_;
};

}  // namespace internvl::tokenizer
