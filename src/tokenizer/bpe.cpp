#include "tokenizer/bpe.h"

#include <climits>
#include <cstdio>
#include <mutex>
#include <queue>

#include "core/str.h"
#include "tokenizer/byte_level.h"
#include "tokenizer/utf8.h"

namespace internvl::tokenizer {
namespace {

enum ByteKind : std::uint8_t { kKnown, kFallback, kUnk, kDrop };

std::uint64_t pair_key(std::int32_t left, std::int32_t right) {
  return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(left)) << 32) |
         static_cast<std::uint32_t>(right);
}

std::uint64_t mix(std::uint64_t k) { return (k * 0x9E3779B97F4A7C15ull) >> 17; }

}  // namespace

// ---- shared piece cache ----
// Shared by all threads encoding with this model, in front of the merge loop; each encode call
// also has its own PieceCache, so this is only consulted on that one's misses. Sharded so that
// concurrent encoders rarely wait on one another.
struct BpeModel::Cache {
  static constexpr std::size_t kShards = 16;
  static constexpr std::size_t kMaxPerShard = 4096;
  static constexpr std::size_t kMaxPieceBytes = 256;
  struct Shard {
    std::mutex mu;
    PieceCache cache{kMaxPerShard};
  };
  std::array<Shard, kShards> shards;
};

Result<BpeModel> BpeModel::create(const BpeSpec& spec, const Vocabulary& vocab,
                                  std::string_view what) {
  BpeModel m;
  m.fuse_unk_ = spec.fuse_unk;
  m.ignore_merges_ = spec.ignore_merges;
  m.cache_ = std::make_shared<Cache>();

  std::int32_t unk_id = -1;
  if (spec.unk_token) {
    unk_id = vocab.find(*spec.unk_token);
    if (unk_id < 0) {
      return corrupt(what, ": model.unk_token ", quote_for_message(*spec.unk_token),
                     " is not in model.vocab");
    }
  }

  // Per-byte initial symbols, following tokenizers' BPE::merge_word for one character.
  std::array<ByteKind, 256> kinds{};
  for (int b = 0; b < 256; ++b) {
    std::string ch;
    append_code_point(byte_level_code_point(static_cast<std::uint8_t>(b)), &ch);
    if (const std::int32_t id = vocab.find(ch); id >= 0) {
      kinds[b] = kKnown;
      m.byte_symbols_[b] = {id};
      continue;
    }
    m.simple_bytes_ = false;
    if (spec.byte_fallback) {
      std::vector<std::int32_t> ids;
      for (char cb : ch) {
        char code[8];
        std::snprintf(code, sizeof(code), "<0x%02X>", static_cast<unsigned char>(cb));
        const std::int32_t id = vocab.find(code);
        if (id < 0) break;
        ids.push_back(id);
      }
      if (ids.size() == ch.size()) {
        kinds[b] = kFallback;
        m.byte_symbols_[b] = std::move(ids);
        continue;
      }
    }
    kinds[b] = unk_id >= 0 ? kUnk : kDrop;
    if (unk_id >= 0) m.byte_symbols_[b] = {unk_id};
  }

  const std::size_t n_merges = spec.merge_count();
  std::size_t cap = 16;
  while (cap < n_merges * 2) cap <<= 1;
  m.merges_.assign(cap, Merge{});
  m.mask_ = cap - 1;
  // 151k merges need 450k lookups of random tokens: hash a batch first and prefetch its slots
  // so that the cache misses overlap. Trained BPE files give merge r the id of merge r-1 plus
  // one, so the merged token is first looked for there.
  constexpr std::size_t kBatch = 16;
  std::array<std::uint64_t, 2 * kBatch> hashes{};
  std::string joined;
  std::int32_t last_merged = -2;
  std::vector<std::array<std::int32_t, 3>> pairs;  // left, right, merged
  pairs.reserve(n_merges);
  for (std::size_t rank = 0; rank < n_merges; ++rank) {
    if (rank % kBatch == 0) {
      for (std::size_t k = 0; k < 2 * kBatch && 2 * rank + k < spec.merges.size(); ++k) {
        hashes[k] = hash_bytes(spec.merges[2 * rank + k]);
        vocab.prefetch(hashes[k]);
      }
    }
    const std::size_t k = 2 * (rank % kBatch);
    const std::string_view a = spec.merges[2 * rank];
    const std::string_view b = spec.merges[2 * rank + 1];
    const std::int32_t ia = vocab.find_hashed(a, hashes[k]);
    const std::int32_t ib = vocab.find_hashed(b, hashes[k + 1]);
    joined.assign(a).append(b);
    std::int32_t iab = vocab.text(last_merged + 1) == joined ? last_merged + 1 : vocab.find(joined);
    last_merged = iab;
    if (ia < 0 || ib < 0 || iab < 0) {
      const std::string_view missing = ia < 0 ? a : ib < 0 ? b : std::string_view(joined);
      return corrupt(what, ": model.merges[", rank, "] (", quote_for_message(a), ", ",
                     quote_for_message(b), ") uses ", quote_for_message(missing),
                     ", which is not in model.vocab");
    }
    pairs.push_back({ia, ib, iab});
  }
  // A repeated pair keeps its last rank, as tokenizers' HashMap collect does. Slots are
  // prefetched ahead: each insert is otherwise a cache miss.
  constexpr std::size_t kAhead = 16;
  for (std::size_t rank = 0; rank < pairs.size(); ++rank) {
    if (rank + kAhead < pairs.size()) {
      const auto& p = pairs[rank + kAhead];
      __builtin_prefetch(&m.merges_[mix(pair_key(p[0], p[1])) & m.mask_], 1);
    }
    const auto& p = pairs[rank];
    m.insert_merge(p[0], p[1], static_cast<std::int32_t>(rank), p[2]);
  }

  if (spec.ignore_merges) {
    for (std::int32_t id = 0; id < vocab.size(); ++id) {
      const std::string_view token = vocab.text(id);
      if (token.empty()) continue;
      if (auto bytes = byte_level_to_bytes(token)) m.whole_words_.emplace(std::move(*bytes), id);
    }
  }
  for (int b = 0; b < 256; ++b) m.byte_kinds_[b] = kinds[b];
  return m;
}

void BpeModel::insert_merge(std::int32_t left, std::int32_t right, std::int32_t rank,
                            std::int32_t id) {
  const std::uint64_t key = pair_key(left, right);
  for (std::uint64_t h = mix(key) & mask_;; h = (h + 1) & mask_) {
    Merge& slot = merges_[h];
    if (slot.key == ~0ull || slot.key == key) {
      slot = Merge{key, rank, id};
      return;
    }
  }
}

const BpeModel::Merge* BpeModel::find_merge(std::int32_t left, std::int32_t right) const {
  const std::uint64_t key = pair_key(left, right);
  for (std::uint64_t h = mix(key) & mask_;; h = (h + 1) & mask_) {
    const Merge& slot = merges_[h];
    if (slot.key == key) return &slot;
    if (slot.key == ~0ull) return nullptr;
  }
}

void BpeModel::initial_symbols(std::string_view piece, std::vector<std::int32_t>* ids) const {
  ids->clear();
  if (simple_bytes_) {
    for (char c : piece) ids->push_back(byte_symbols_[static_cast<std::uint8_t>(c)][0]);
    return;
  }
  // tokenizers' merge_word: unknown characters become unk (fused when fuse_unk), flushed before
  // the next known character; byte-fallback tokens are added without flushing.
  std::int32_t pending_unk = -1;
  for (char c : piece) {
    const auto b = static_cast<std::uint8_t>(c);
    switch (byte_kinds_[b]) {
      case kKnown:
        if (pending_unk >= 0) ids->push_back(pending_unk);
        pending_unk = -1;
        ids->push_back(byte_symbols_[b][0]);
        break;
      case kFallback:
        ids->insert(ids->end(), byte_symbols_[b].begin(), byte_symbols_[b].end());
        break;
      case kUnk:
        if (pending_unk >= 0 && !fuse_unk_) ids->push_back(pending_unk);
        pending_unk = byte_symbols_[b][0];
        break;
      case kDrop:
        break;
    }
  }
  if (pending_unk >= 0) ids->push_back(pending_unk);
}

void BpeModel::merge_small(std::vector<std::int32_t>* ids_ptr) const {
  std::vector<std::int32_t>& ids = *ids_ptr;
  if (ids.size() < 2) return;
  // rank[i], merged[i]: the merge of (ids[i], ids[i + 1]); INT_MAX when there is none.
  std::int32_t rank[kSmallPiece];
  std::int32_t merged[kSmallPiece];
  std::size_t m = ids.size();
  auto look = [&](std::size_t i) {
    const Merge* mg = find_merge(ids[i], ids[i + 1]);
    rank[i] = mg ? mg->rank : INT_MAX;
    merged[i] = mg ? mg->id : -1;
  };
  for (std::size_t i = 0; i + 1 < m; ++i) look(i);
  while (m > 1) {
    std::size_t best = 0;
    for (std::size_t i = 1; i + 1 < m; ++i) {
      if (rank[i] < rank[best]) best = i;  // strict: the leftmost of equal ranks wins
    }
    if (rank[best] == INT_MAX) break;
    ids[best] = merged[best];
    for (std::size_t i = best + 1; i + 1 < m; ++i) ids[i] = ids[i + 1];
    for (std::size_t i = best + 1; i + 2 < m; ++i) {
      rank[i] = rank[i + 1];
      merged[i] = merged[i + 1];
    }
    --m;
    if (best > 0) look(best - 1);
    if (best + 1 < m) look(best);
  }
  ids.resize(m);
}

void BpeModel::merge_heap(std::vector<std::int32_t>* ids_ptr) const {
  std::vector<std::int32_t>& ids = *ids_ptr;
  const auto n = static_cast<std::int32_t>(ids.size());
  if (n < 2) return;
  std::vector<Symbol> sym(static_cast<std::size_t>(n));
  for (std::int32_t i = 0; i < n; ++i) sym[i] = Symbol{ids[i], i - 1, i + 1 < n ? i + 1 : -1};
  // tokenizers' Word::merge_all: a min-heap on (rank, position) with lazy invalidation. An entry
  // packs rank << 32 | position, so integer order is tokenizers' order; it is stale when the
  // pair now at its position has another rank (a rank names one pair).
  auto entry = [](std::int32_t rank, std::int32_t pos) {
    return (static_cast<std::uint64_t>(rank) << 32) | static_cast<std::uint32_t>(pos);
  };
  std::vector<std::uint64_t> initial;
  initial.reserve(static_cast<std::size_t>(n));
  for (std::int32_t i = 0; i + 1 < n; ++i) {
    if (const Merge* mg = find_merge(sym[i].id, sym[i + 1].id))
      initial.push_back(entry(mg->rank, i));
  }
  std::priority_queue<std::uint64_t, std::vector<std::uint64_t>, std::greater<>> heap(
      std::greater<>{}, std::move(initial));
  while (!heap.empty()) {
    const std::uint64_t top = heap.top();
    heap.pop();
    const auto rank = static_cast<std::int32_t>(top >> 32);
    const auto pos = static_cast<std::int32_t>(top & 0xFFFFFFFFu);
    Symbol& cur = sym[pos];
    if (cur.id < 0 || cur.next < 0) continue;
    const Symbol right = sym[cur.next];
    const Merge* mg = find_merge(cur.id, right.id);
    if (mg == nullptr || mg->rank != rank) continue;  // stale entry
    cur.id = mg->id;
    sym[cur.next].id = -1;
    cur.next = right.next;
    if (right.next >= 0) sym[right.next].prev = pos;
    if (cur.prev >= 0) {
      if (const Merge* l = find_merge(sym[cur.prev].id, cur.id))
        heap.push(entry(l->rank, cur.prev));
    }
    if (cur.next >= 0) {
      if (const Merge* r = find_merge(cur.id, sym[cur.next].id)) heap.push(entry(r->rank, pos));
    }
  }
  ids.clear();
  for (std::int32_t i = 0; i >= 0; i = sym[i].next) ids.push_back(sym[i].id);
}

void BpeModel::encode_piece_uncached(std::string_view piece, std::vector<std::int32_t>* out,
                                     bool force_heap) const {
  if (piece.empty()) return;
  if (ignore_merges_) {
    if (auto it = whole_words_.find(piece); it != whole_words_.end()) {
      out->push_back(it->second);
      return;
    }
  }
  std::vector<std::int32_t> ids;
  ids.reserve(piece.size());
  initial_symbols(piece, &ids);
  if (!force_heap && ids.size() <= kSmallPiece) {
    merge_small(&ids);
  } else {
    merge_heap(&ids);
  }
  out->insert(out->end(), ids.begin(), ids.end());
}

void BpeModel::encode_piece(std::string_view piece, PieceCache* local,
                            std::vector<std::int32_t>* out) const {
  if (piece.size() > Cache::kMaxPieceBytes) {
    encode_piece_uncached(piece, out);
    return;
  }
  const std::uint64_t h = hash_bytes(piece);
  if (local != nullptr && local->find(piece, h, out)) return;
  const std::size_t before = out->size();
  auto tail = [&] {
    return std::span<const std::int32_t>(out->data() + before, out->size() - before);
  };
  Cache::Shard& shard = cache_->shards[h >> 60];  // the slots use the low bits
  bool hit;
  {
    std::lock_guard<std::mutex> lock(shard.mu);
    hit = shard.cache.find(piece, h, out);
  }
  if (!hit) {
    encode_piece_uncached(piece, out);
    std::lock_guard<std::mutex> lock(shard.mu);
    shard.cache.insert(piece, h, tail());
  }
  if (local != nullptr) local->insert(piece, h, tail());
}

}  // namespace internvl::tokenizer
