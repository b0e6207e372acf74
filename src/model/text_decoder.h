// Qwen2 / Qwen3 decoder over a ragged batch: several sequences, each with its own KV cache and
// RoPE state, processed in one call (prefill, decode, or a mix). Tokens of a sequence are
// contiguous in the batch and take the positions right after its cached tokens.
#pragma once

#include <vector>

#include "core/tensor.h"
#include "io/model_config.h"
#include "kernels/matmul.h"
#include "model/kv_cache.h"
#include "model/rope_state.h"
#include "model/weights.h"

namespace internvl::model {

struct DecoderSeq {
  KvCache* cache = nullptr;          // receives the new keys/values; holds cache->size() past tokens
  const RopeState* rope = nullptr;   // frequencies for this call (already updated by the caller)
  std::int64_t n_tokens = 0;         // new tokens of this sequence in the batch
};

/// x [n_total, H] (embeddings of all new tokens, sequences back to back) -> final-normed hidden
/// states in place. Caches grow by each sequence's n_tokens. When `hidden_states` is set it
/// receives the reference's list: the input, each layer's output but the last, the normed output.
/// `compute` selects the arithmetic of the large products (kernels/matmul.h).
void decoder_forward(const io::TextConfig& config, const TextWeights& w,
                     const std::vector<DecoderSeq>& seqs, Tensor& x,
                     std::vector<Tensor>* hidden_states = nullptr,
                     kernels::Compute compute = kernels::Compute::kF32);

}  // namespace internvl::model
