#include "kernels/buffer.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdlib>

#include "core/check.h"

namespace internvl::kernels {

namespace {

constexpr std::size_t kAlign = 64;
// Blocks at least this large are mmapped on 2 MiB boundaries with MADV_HUGEPAGE.
constexpr std::size_t kHugeThreshold = 4u << 20;
constexpr std::size_t kHuge = 2u << 20;
constexpr std::size_t kMinBlock = 1u << 20;

std::size_t round_up(std::size_t n, std::size_t a) { return (n + a - 1) / a * a; }

}  // namespace

void* aligned_alloc_bytes(std::size_t bytes) {
  if (bytes == 0) bytes = kAlign;
  if (bytes >= kHugeThreshold) {
    std::size_t len = round_up(bytes, kHuge);
    void* p = ::mmap(nullptr, len + kHuge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    INTERNVL_CHECK(p != MAP_FAILED, "out of memory allocating ", bytes, " bytes");
    // Trim to a 2 MiB aligned range so the kernel can back it with huge pages.
    auto base = reinterpret_cast<std::uintptr_t>(p);
    std::uintptr_t aligned = (base + kHuge - 1) & ~(kHuge - 1);
    if (aligned > base) ::munmap(p, aligned - base);
    std::uintptr_t end = aligned + len, map_end = base + len + kHuge;
    if (map_end > end) ::munmap(reinterpret_cast<void*>(end), map_end - end);
    ::madvise(reinterpret_cast<void*>(aligned), len, MADV_HUGEPAGE);
    return reinterpret_cast<void*>(aligned);
  }
  void* p = std::aligned_alloc(kAlign, round_up(bytes, kAlign));
  INTERNVL_CHECK(p != nullptr, "out of memory allocating ", bytes, " bytes");
  return p;
}

void aligned_free_bytes(void* p, std::size_t bytes) {
  if (!p) return;
  if (bytes == 0) bytes = kAlign;
  if (bytes >= kHugeThreshold) {
    ::munmap(p, round_up(bytes, kHuge));
  } else {
    std::free(p);
  }
}

Arena::~Arena() {
  for (auto& b : blocks_) aligned_free_bytes(b.p, b.size);
}

void* Arena::alloc_bytes(std::size_t bytes) {
  bytes = round_up(bytes == 0 ? kAlign : bytes, kAlign);
  while (true) {
    if (cur_ < blocks_.size()) {
      Block& b = blocks_[cur_];
      if (pos_ < b.start) pos_ = b.start;
      if (pos_ + bytes <= b.start + b.size) break;
      if (cur_ + 1 < blocks_.size()) {
        ++cur_;
        continue;
      }
    }
    // Grow: a new block at the end of the position space, at least as large as all before it.
    Block nb;
    nb.start = blocks_.empty() ? 0 : blocks_.back().start + blocks_.back().size;
    nb.size = std::max(bytes, std::max(kMinBlock, nb.start));
    nb.p = static_cast<std::uint8_t*>(aligned_alloc_bytes(nb.size));
    blocks_.push_back(nb);
    cur_ = blocks_.size() - 1;
    pos_ = nb.start;
  }
  Block& b = blocks_[cur_];
  void* p = b.p + (pos_ - b.start);
  pos_ += bytes;
  high_water_ = std::max(high_water_, pos_);
  return p;
}

void Arena::rewind(std::size_t mark) {
  INTERNVL_CHECK(mark <= pos_, "arena rewind past the top");
  pos_ = mark;
  while (cur_ > 0 && blocks_[cur_].start > mark) --cur_;
}

void Arena::reset() {
  if (blocks_.size() > 1) {
    // Merge into one block sized for the high-water mark: the next call allocates nothing.
    for (auto& b : blocks_) aligned_free_bytes(b.p, b.size);
    blocks_.clear();
    Block b;
    b.size = round_up(high_water_, kAlign);
    b.p = static_cast<std::uint8_t*>(aligned_alloc_bytes(b.size));
    blocks_.push_back(b);
  }
  cur_ = 0;
  pos_ = 0;
}

std::size_t Arena::capacity() const {
  std::size_t n = 0;
  for (const auto& b : blocks_) n += b.size;
  return n;
}

Arena& thread_arena() {
  static thread_local Arena arena;
  return arena;
}

namespace {
thread_local int scope_depth = 0;
}  // namespace

ArenaScope::ArenaScope() : arena_(thread_arena()), mark_(arena_.mark()) { ++scope_depth; }

ArenaScope::~ArenaScope() {
  if (--scope_depth == 0) {
    arena_.reset();
  } else {
    arena_.rewind(mark_);
  }
}

}  // namespace internvl::kernels
