#include "kernels/attention.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "core/check.h"
#include "kernels/attention_impl.h"
#include "kernels/buffer.h"
#include "kernels/convert.h"
#include "kernels/cpu.h"

namespace internvl::kernels {

namespace attn {

std::int64_t task_scratch_floats(int head_dim) {
  return 4 * kTaskRows * head_dim + kBlockKeys * 16 + 64;
}

namespace {

// ---- portable path: online softmax over key blocks, scalar loops (any head_dim) ----
void task_scalar(const float* q, const float* k, const float* v, const AttentionShape& s, int g,
                 std::int64_t row0, std::int64_t n_rows, float* out, float* scratch) {
  const int hd = s.head_dim;
  const RowMap map{s.n_heads / s.n_kv_heads};
  float* acc = scratch;                      // [hd]
  float* sc = scratch + hd;                  // [kBlockKeys]
  for (std::int64_t r = 0; r < n_rows; ++r) {
    const std::int64_t row = row0 + r, t = map.token(row);
    const int h = map.head(g, row);
    const float* qi = q + t * s.q_stride + static_cast<std::int64_t>(h) * hd;
    const std::int64_t last = s.causal ? std::min(s.n_kv - 1, s.kv_offset + t) : s.n_kv - 1;
    float m = -std::numeric_limits<float>::infinity(), l = 0;
    std::fill(acc, acc + hd, 0.0f);
    for (std::int64_t k0 = 0; k0 <= last; k0 += kBlockKeys) {
      const std::int64_t nk = std::min(kBlockKeys, last + 1 - k0);
      float bmax = -std::numeric_limits<float>::infinity();
      for (std::int64_t j = 0; j < nk; ++j) {
        const float* kj = k + (k0 + j) * s.kv_stride + static_cast<std::int64_t>(g) * hd;
        float d = 0;
        for (int c = 0; c < hd; ++c) d += qi[c] * kj[c];
        sc[j] = d * s.scale;
        bmax = std::max(bmax, sc[j]);
      }
      const float m_new = std::max(m, bmax);
      const float corr = std::exp(m - m_new);
      for (int c = 0; c < hd; ++c) acc[c] *= corr;
      l *= corr;
      for (std::int64_t j = 0; j < nk; ++j) {
        const float p = std::exp(sc[j] - m_new);
        l += p;
        const float* vj = v + (k0 + j) * s.kv_stride + static_cast<std::int64_t>(g) * hd;
        for (int c = 0; c < hd; ++c) acc[c] += p * vj[c];
      }
      m = m_new;
    }
    float* o = out + t * s.o_stride + static_cast<std::int64_t>(h) * hd;
    const float inv = l > 0 ? 1.0f / l : 0.0f;
    for (int c = 0; c < hd; ++c) o[c] = acc[c] * inv;
  }
}

using TaskFn = void (*)(const float*, const float*, const float*, const AttentionShape&, int,
                        std::int64_t, std::int64_t, float*, float*);

TaskFn pick(const AttentionShape& s, Compute compute) {
  const Isa l = isa();
  const int hd = s.head_dim;
  if (hd <= 256 && hd % 16 == 0 && l >= Isa::kAvx512Bf16 && compute == Compute::kBF16) return task_bf16_avx512;
  if (hd <= 256 && hd % 16 == 0 && l >= Isa::kAvx512) return task_f32_avx512;
  if (hd % 8 == 0 && l >= Isa::kAvx2) return task_f32_avx2;
  return task_scalar;
}

}  // namespace
}  // namespace attn

namespace {

// Runs task(g, row0, n_rows, scratch) over tasks of up to kTaskRows rows of one kv head.
template <typename Task>
void run_tasks(const AttentionShape& s, const Task& task) {
  const std::int64_t rows = s.n_q * (s.n_heads / s.n_kv_heads);
  const std::int64_t per_head = (rows + attn::kTaskRows - 1) / attn::kTaskRows;
  const std::int64_t tasks = per_head * s.n_kv_heads;
  const std::int64_t scratch_floats = attn::task_scratch_floats(s.head_dim);
  const double work = static_cast<double>(rows) * s.n_kv_heads * s.n_kv * s.head_dim;
#pragma omp parallel if (tasks > 1 && work > 1e5)
  {
    thread_local GrowBuffer<float> scratch_buf;
    float* scratch = scratch_buf.reserve(static_cast<std::size_t>(scratch_floats));
#pragma omp for schedule(dynamic, 1)
    for (std::int64_t t = 0; t < tasks; ++t) {
      // Heads interleaved so that each thread's consecutive tasks spread over kv heads.
      const int g = static_cast<int>(t % s.n_kv_heads);
      const std::int64_t row0 = (t / s.n_kv_heads) * attn::kTaskRows;
      task(g, row0, std::min(attn::kTaskRows, rows - row0), scratch);
    }
  }
}

}  // namespace

void attention(const float* q, const float* k, const float* v, const AttentionShape& s, float* out,
               Compute compute) {
  INTERNVL_DCHECK(s.n_kv_heads > 0 && s.n_heads % s.n_kv_heads == 0, "bad head counts");
  if (s.n_q <= 0) return;
  const attn::TaskFn fn = attn::pick(s, compute);
  run_tasks(s, [&](int g, std::int64_t row0, std::int64_t n_rows, float* scratch) {
    fn(q, k, v, s, g, row0, n_rows, out, scratch);
  });
}

bool attention_rounds_kv_to_bf16(int head_dim, Compute compute) {
  AttentionShape s;
  s.head_dim = head_dim;
  return attn::pick(s, compute) == static_cast<attn::TaskFn>(attn::task_bf16_avx512);
}

void attention(const float* q, const std::uint16_t* k, const std::uint16_t* v, const AttentionShape& s,
               float* out, Compute compute) {
  INTERNVL_DCHECK(s.n_kv_heads > 0 && s.n_heads % s.n_kv_heads == 0, "bad head counts");
  if (s.n_q <= 0) return;
  if (attention_rounds_kv_to_bf16(s.head_dim, compute)) {
    run_tasks(s, [&](int g, std::int64_t row0, std::int64_t n_rows, float* scratch) {
      attn::task_bf16_avx512(q, k, v, s, g, row0, n_rows, out, scratch);
    });
    return;
  }
  // Other paths read f32: widen the keys and values this call sees.
  const std::int64_t last_row = static_cast<std::int64_t>(s.n_kv_heads) * s.head_dim;
  const std::size_t n = s.n_kv <= 0 ? 0 : static_cast<std::size_t>((s.n_kv - 1) * s.kv_stride + last_row);
  thread_local GrowBuffer<float> kf, vf;
  float* kw = kf.reserve(n);
  float* vw = vf.reserve(n);
  bf16_to_f32_row(k, kw, static_cast<std::int64_t>(n));
  bf16_to_f32_row(v, vw, static_cast<std::int64_t>(n));
  attention(q, kw, vw, s, out, compute);
}

namespace ref {

void attention(const float* q, const float* k, const float* v, const AttentionShape& s, float* out) {
  const int hd = s.head_dim;
  const int group = s.n_heads / s.n_kv_heads;
  std::vector<double> sc(static_cast<std::size_t>(s.n_kv));
  for (std::int64_t i = 0; i < s.n_q; ++i) {
    for (int h = 0; h < s.n_heads; ++h) {
      int g = h / group;
      std::int64_t last = s.causal ? std::min(s.n_kv - 1, s.kv_offset + i) : s.n_kv - 1;
      double mx = -INFINITY;
      for (std::int64_t j = 0; j <= last; ++j) {
        double d = 0;
        for (int c = 0; c < hd; ++c) {
          d += static_cast<double>(q[i * s.q_stride + h * hd + c]) * k[j * s.kv_stride + g * hd + c];
        }
        sc[static_cast<std::size_t>(j)] = d * s.scale;
        mx = std::max(mx, sc[static_cast<std::size_t>(j)]);
      }
      double sum = 0;
      for (std::int64_t j = 0; j <= last; ++j) sum += (sc[static_cast<std::size_t>(j)] = std::exp(sc[static_cast<std::size_t>(j)] - mx));
      for (int c = 0; c < hd; ++c) {
        double a = 0;
        for (std::int64_t j = 0; j <= last; ++j) a += sc[static_cast<std::size_t>(j)] * v[j * s.kv_stride + g * hd + c];
        out[i * s.o_stride + h * hd + c] = last >= 0 ? static_cast<float>(a / sum) : 0.0f;
      }
    }
  }
}

}  // namespace ref
}  // namespace internvl::kernels
