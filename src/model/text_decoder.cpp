#include "model/text_decoder.h"

#include <cmath>

#include "kernels/activation.h"
#include "kernels/attention.h"
#include "kernels/buffer.h"
#include "kernels/norm.h"
#include "kernels/rope.h"
#include "model/linear.h"

namespace internvl::model {

namespace {

struct SeqPlan {
  std::int64_t row0;      // first row of the sequence in the batch
  std::int64_t pos0;      // position of its first new token
  std::vector<float> cos, sin;  // [n_tokens, head_dim / 2]
};

// Qwen3: RMSNorm over head_dim on every head, before RoPE.
void head_norm(float* x, std::int64_t rows, int n_heads, int head_dim, const std::vector<float>& w,
               float eps) {
  kernels::rms_norm(x, w.data(), eps, rows * n_heads, head_dim, x);
}

// Per-layer buffers, carved from the thread's arena once per decoder call.
struct Scratch {
  float* q;     // [n, nh * hd]
  float* k;     // [n, nkv * hd]
  float* v;     // [n, nkv * hd]
  float* attn;  // [n, nh * hd]
  float* o;     // [n, H]
  float* gate;  // [n, F]
  float* up;    // [n, F]
};

void attention_block(const io::TextConfig& c, const TextLayerWeights& w, int layer,
                     const std::vector<DecoderSeq>& seqs, const std::vector<SeqPlan>& plans,
                     const float* normed, std::int64_t n, float* x, const Scratch& sc,
                     kernels::Compute compute) {
  const int nh = c.num_heads, nkv = c.num_kv_heads, hd = c.head_dim;
  const kernels::MatmulTarget qkv[3] = {{&w.q.w, w.q.bias_ptr(), sc.q},
                                        {&w.k.w, w.k.bias_ptr(), sc.k},
                                        {&w.v.w, w.v.bias_ptr(), sc.v}};
  kernels::matmul_multi(normed, n, qkv, 3, compute);
  const float eps = static_cast<float>(c.rms_norm_eps);
  if (c.qk_norm) {
    head_norm(sc.q, n, nh, hd, w.q_norm, eps);
    head_norm(sc.k, n, nkv, hd, w.k_norm, eps);
  }
  for (std::size_t s = 0; s < seqs.size(); ++s) {
    const DecoderSeq& seq = seqs[s];
    const SeqPlan& p = plans[s];
    if (seq.n_tokens == 0) continue;
    float* qs = sc.q + p.row0 * nh * hd;
    float* ks = sc.k + p.row0 * nkv * hd;
    const float* vs = sc.v + p.row0 * nkv * hd;
    kernels::apply_rope(qs, seq.n_tokens, nh, hd, static_cast<std::int64_t>(nh) * hd, p.cos.data(), p.sin.data());
    kernels::apply_rope(ks, seq.n_tokens, nkv, hd, static_cast<std::int64_t>(nkv) * hd, p.cos.data(), p.sin.data());
    KvCache& cache = *seq.cache;
    const std::int64_t row = cache.row_stride();
    cache.write(layer, p.pos0, ks, vs, seq.n_tokens);
    kernels::AttentionShape shape;
    shape.n_q = seq.n_tokens;
    shape.n_kv = p.pos0 + seq.n_tokens;
    shape.n_heads = nh;
    shape.n_kv_heads = nkv;
    shape.head_dim = hd;
    shape.q_stride = shape.o_stride = static_cast<std::int64_t>(nh) * hd;
    shape.kv_stride = row;
    shape.causal = true;
    shape.kv_offset = p.pos0;
    shape.scale = 1.0f / std::sqrt(static_cast<float>(hd));
    float* out = sc.attn + p.row0 * nh * hd;
    if (cache.format() == KvFormat::kBF16) {
      kernels::attention(qs, cache.k_bf16(layer), cache.v_bf16(layer), shape, out, compute);
    } else {
      kernels::attention(qs, cache.k(layer), cache.v(layer), shape, out, compute);
    }
  }
  linear(w.o, sc.attn, n, sc.o, compute);
  kernels::add_inplace(sc.o, n * c.hidden_size, x);
}

void mlp_block(const io::TextConfig& c, const TextLayerWeights& w, const float* normed, std::int64_t n,
               float* x, const Scratch& sc, kernels::Compute compute) {
  const std::int64_t f = c.intermediate_size;
  const kernels::MatmulTarget gate_up[2] = {{&w.gate.w, nullptr, sc.gate}, {&w.up.w, nullptr, sc.up}};
  kernels::matmul_multi(normed, n, gate_up, 2, compute);
  kernels::silu_mul(sc.gate, sc.up, n, f, f, sc.gate);
  linear(w.down, sc.gate, n, sc.o, compute);
  kernels::add_inplace(sc.o, n * c.hidden_size, x);
}

}  // namespace

void decoder_forward(const io::TextConfig& c, const TextWeights& w, const std::vector<DecoderSeq>& seqs,
                     Tensor& x, std::vector<Tensor>* hidden_states, kernels::Compute compute) {
  const std::int64_t n = x.dim(0), h = c.hidden_size;
  const int half = c.head_dim / 2;
  std::vector<SeqPlan> plans(seqs.size());
  std::int64_t row = 0;
  for (std::size_t s = 0; s < seqs.size(); ++s) {
    SeqPlan& p = plans[s];
    p.row0 = row;
    p.pos0 = seqs[s].cache->size();
    row += seqs[s].n_tokens;
    std::vector<std::int64_t> pos(static_cast<std::size_t>(seqs[s].n_tokens));
    for (std::int64_t t = 0; t < seqs[s].n_tokens; ++t) pos[static_cast<std::size_t>(t)] = p.pos0 + t;
    p.cos.resize(pos.size() * half);
    p.sin.resize(pos.size() * half);
    kernels::rope_tables(pos.data(), seqs[s].n_tokens, seqs[s].rope->inv_freq().data(), half,
                         p.cos.data(), p.sin.data());
    seqs[s].cache->reserve(p.pos0 + seqs[s].n_tokens);
  }
  INTERNVL_CHECK(row == n, "decoder batch has ", n, " rows but sequences sum to ", row);
  if (hidden_states) hidden_states->push_back(x.clone());
  kernels::ArenaScope scope;
  kernels::Arena& arena = scope.arena();
  const std::int64_t q_width = static_cast<std::int64_t>(c.num_heads) * c.head_dim;
  const std::int64_t kv_width = static_cast<std::int64_t>(c.num_kv_heads) * c.head_dim;
  float* normed = arena.alloc<float>(static_cast<std::size_t>(n * h));  // [n, H]
  Scratch sc;
  sc.q = arena.alloc<float>(static_cast<std::size_t>(n * q_width));
  sc.k = arena.alloc<float>(static_cast<std::size_t>(n * kv_width));
  sc.v = arena.alloc<float>(static_cast<std::size_t>(n * kv_width));
  sc.attn = arena.alloc<float>(static_cast<std::size_t>(n * q_width));
  sc.o = arena.alloc<float>(static_cast<std::size_t>(n * h));
  sc.gate = arena.alloc<float>(static_cast<std::size_t>(n * c.intermediate_size));
  sc.up = arena.alloc<float>(static_cast<std::size_t>(n * c.intermediate_size));
  const float eps = static_cast<float>(c.rms_norm_eps);
  for (int l = 0; l < c.num_layers; ++l) {
    const TextLayerWeights& lw = w.layers[static_cast<std::size_t>(l)];
    kernels::rms_norm(x.data<float>(), lw.norm1.data(), eps, n, h, normed);
    attention_block(c, lw, l, seqs, plans, normed, n, x.data<float>(), sc, compute);
    kernels::rms_norm(x.data<float>(), lw.norm2.data(), eps, n, h, normed);
    mlp_block(c, lw, normed, n, x.data<float>(), sc, compute);
    if (hidden_states && l + 1 < c.num_layers) hidden_states->push_back(x.clone());
  }
  for (std::size_t s = 0; s < seqs.size(); ++s) seqs[s].cache->set_size(plans[s].pos0 + seqs[s].n_tokens);
  kernels::rms_norm(x.data<float>(), w.final_norm.data(), eps, n, h, x.data<float>());
  if (hidden_states) hidden_states->push_back(x.clone());
}

}  // namespace internvl::model
