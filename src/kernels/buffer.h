// Scratch memory for kernels and model code: 64-byte aligned buffers that only grow, and a
// per-thread bump arena, so that hot loops do not allocate (large allocations come from mmap and
// fault in page by page on every call: the "page-fault storms" of per-op tensors).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace internvl::kernels {

/// Allocates `bytes` of 64-byte aligned memory; large blocks are backed by transparent huge
/// pages where the kernel allows it. Never returns null (aborts on out-of-memory).
void* aligned_alloc_bytes(std::size_t bytes);
void aligned_free_bytes(void* p, std::size_t bytes);

/// A 64-byte aligned array of T that grows on demand and keeps its storage (contents are not
/// preserved by reserve()). For trivially copyable T only.
template <typename T>
class GrowBuffer {
 public:
  GrowBuffer() = default;
  ~GrowBuffer() { release(); }
  GrowBuffer(const GrowBuffer&) = delete;
  GrowBuffer& operator=(const GrowBuffer&) = delete;
  GrowBuffer(GrowBuffer&& o) noexcept : p_(o.p_), cap_(o.cap_) { o.p_ = nullptr; o.cap_ = 0; }
  GrowBuffer& operator=(GrowBuffer&& o) noexcept {
    if (this != &o) {
      release();
      p_ = o.p_;
      cap_ = o.cap_;
      o.p_ = nullptr;
      o.cap_ = 0;
    }
    return *this;
  }

  /// Ensures room for n elements and returns the storage.
  T* reserve(std::size_t n) {
    if (n > cap_) {
      release();
      cap_ = n + n / 4;
      p_ = static_cast<T*>(aligned_alloc_bytes(cap_ * sizeof(T)));
    }
    return p_;
  }
  T* data() { return p_; }
  const T* data() const { return p_; }
  std::size_t capacity() const { return cap_; }

 private:
  void release() {
    if (p_) aligned_free_bytes(p_, cap_ * sizeof(T));
    p_ = nullptr;
    cap_ = 0;
  }
  T* p_ = nullptr;
  std::size_t cap_ = 0;
};

/// A bump allocator for the buffers of one forward call. Allocations are 64-byte aligned and
/// live until reset(); memory is kept between calls, so a steady state allocates nothing.
/// Not thread-safe: use one per thread (thread_arena()) or per call.
class Arena {
 public:
  Arena() = default;
  ~Arena();
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;

  /// n elements of T (uninitialized).
  template <typename T>
  T* alloc(std::size_t n) {
    return static_cast<T*>(alloc_bytes(n * sizeof(T)));
  }
  void* alloc_bytes(std::size_t bytes);

  /// Position to return to with rewind() (stack discipline inside a call).
  std::size_t mark() const { return pos_; }
  void rewind(std::size_t mark);
  /// Frees every allocation; merges the blocks into one sized for the high-water mark.
  void reset();
  /// Bytes held.
  std::size_t capacity() const;

 private:
  struct Block {
    std::uint8_t* p = nullptr;
    std::size_t start = 0, size = 0;  // [start, start + size) in the arena's position space
  };
  std::vector<Block> blocks_;
  std::size_t cur_ = 0;  // block holding pos_
  std::size_t pos_ = 0;  // next free position
  std::size_t high_water_ = 0;
};

/// The calling thread's arena (created on first use, kept for the thread's lifetime).
Arena& thread_arena();

/// Resets the thread's arena on scope exit; the outermost scope on a thread owns the reset.
class ArenaScope {
 public:
  ArenaScope();
  ~ArenaScope();
  ArenaScope(const ArenaScope&) = delete;
  ArenaScope& operator=(const ArenaScope&) = delete;
  Arena& arena() { return arena_; }

 private:
  Arena& arena_;
  std::size_t mark_;
};

}  // namespace internvl::kernels
