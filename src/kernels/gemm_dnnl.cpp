#include "kernels/gemm_dnnl.h"

#include <oneapi/dnnl/dnnl.h>

#include <oneapi/dnnl/dnnl.hpp>

#include <list>
#include <map>
#include <optional>
#include <tuple>

namespace internvl::kernels {

namespace {

// Primitives kept per thread; shapes repeat (layers share them), so this is plenty.
constexpr std::size_t kCacheSize = 96;

struct Key {
  std::int64_t m, n, k, ldb, ldy;
  bool bias;
  bool operator<(const Key& o) const {
    return std::tie(m, n, k, ldb, ldy, bias) < std::tie(o.m, o.n, o.k, o.ldb, o.ldy, o.bias);
  }
};

struct Entry {
  dnnl::matmul prim;
  dnnl::memory::desc a, b, bias, y;
};

dnnl::engine& engine() {
  static dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}

// nullopt when oneDNN cannot create the primitive (no bf16 support on this CPU).
std::optional<Entry> create(const Key& key) {
  using dt = dnnl::memory::data_type;
  using dims = dnnl::memory::dims;
  Entry e;
  e.a = dnnl::memory::desc(dims{key.m, key.k}, dt::bf16, dims{key.k, 1});
  e.b = dnnl::memory::desc(dims{key.k, key.n}, dt::bf16, dims{1, key.ldb});
  e.y = dnnl::memory::desc(dims{key.m, key.n}, dt::f32, dims{key.ldy, 1});
  if (key.bias) e.bias = dnnl::memory::desc(dims{1, key.n}, dt::f32, dims{key.n, 1});
  try {
    dnnl::matmul::desc d = key.bias ? dnnl::matmul::desc(e.a, e.b, e.bias, e.y)
                                    : dnnl::matmul::desc(e.a, e.b, e.y);
    dnnl::matmul::primitive_desc pd(d, engine());
    e.prim = dnnl::matmul(pd);
  } catch (const dnnl::error&) {
    return std::nullopt;
  }
  return e;
}

class Cache {
 public:
  const Entry* get(const Key& key) {
    auto it = map_.find(key);
    if (it != map_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second.second);
      return it->second.first ? &*it->second.first : nullptr;
    }
    if (map_.size() >= kCacheSize) {
      map_.erase(lru_.back());
      lru_.pop_back();
    }
    lru_.push_front(key);
    auto& slot = map_[key];
    slot = {create(key), lru_.begin()};
    return slot.first ? &*slot.first : nullptr;
  }

 private:
  std::list<Key> lru_;
  std::map<Key, std::pair<std::optional<Entry>, std::list<Key>::iterator>> map_;
};

}  // namespace

bool dnnl_gemm_bf16(const std::uint16_t* a, std::int64_t m, std::int64_t k, const std::uint16_t* b,
                    std::int64_t n, std::int64_t ldb, const float* bias, float* y, std::int64_t ldy) {
  thread_local Cache cache;
  const Entry* e = cache.get(Key{m, n, k, ldb, ldy, bias != nullptr});
  if (!e) return false;
  try {
    thread_local dnnl::stream stream(engine());
    dnnl::memory am(e->a, engine(), const_cast<std::uint16_t*>(a));
    dnnl::memory bm(e->b, engine(), const_cast<std::uint16_t*>(b));
    dnnl::memory ym(e->y, engine(), y);
    if (bias) {
      dnnl::memory biasm(e->bias, engine(), const_cast<float*>(bias));
      e->prim.execute(stream, {{DNNL_ARG_SRC, am}, {DNNL_ARG_WEIGHTS, bm}, {DNNL_ARG_BIAS, biasm}, {DNNL_ARG_DST, ym}});
    } else {
      e->prim.execute(stream, {{DNNL_ARG_SRC, am}, {DNNL_ARG_WEIGHTS, bm}, {DNNL_ARG_DST, ym}});
    }
    stream.wait();
  } catch (const dnnl::error&) {
    return false;
  }
  return true;
}

void dnnl_gemm_f32(const float* a, std::int64_t m, std::int64_t k, const float* b, std::int64_t n,
                   float* y, std::int64_t ldy) {
  dnnl_sgemm('N', 'T', m, n, k, 1.0f, a, k, b, k, 0.0f, y, ldy);
}

}  // namespace internvl::kernels
