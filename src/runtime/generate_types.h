// Types shared by the generation entry points (generate(), BatchRunner, the engine).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "model/kv_cache.h"
#include "runtime/sampler.h"

namespace internvl::runtime {

/// One prompt: token ids (no padding) and the pixel tiles of its images/video frames, in the
/// order their <IMG_CONTEXT> runs appear.
struct PromptInput {
  std::vector<std::int32_t> ids;
  Tensor pixel_values;  // f32 [n_tiles, 3, H, W]; empty when the prompt has no media
  /// Optional precomputed features (skips the vision tower): rows for the image tokens at
  /// positions >= cached_tokens, e.g. [n_tiles, tokens_per_tile, H].
  Tensor image_features;
  /// Continue from a cache that already holds ids[0, cached_tokens) (multi-turn chat). The
  /// cache is updated in place and keeps the prompt and all fed tokens afterwards.
  std::shared_ptr<model::KvCache> cache;
  std::int64_t cached_tokens = 0;
};

struct GenerateParams {
  int max_new_tokens = 256;
  int min_new_tokens = 0;             // EOS is suppressed before this many tokens
  std::vector<std::int32_t> eos_ids;  // stop tokens (the checkpoint's eos plus user stop ids)
  SamplingParams sampling;
  int top_logprobs = 0;               // report this many top log-probabilities per step
  /// Longest prompt + generation accepted. 0: the model's limit (max_position_embeddings, times
  /// the factor for dynamic RoPE). A larger value is allowed on purpose (the reference itself has
  /// no limit) and logs a warning: quality beyond the trained context is not guaranteed.
  std::int64_t context_limit = 0;
  std::int64_t prefill_chunk = 2048;  // tokens per decoder call while prefilling
  /// Teacher forcing: when row r has forced tokens, step k feeds forced[r][k] instead of the
  /// selected token (log-probabilities are still reported for it). For parity tests.
  std::vector<std::vector<std::int32_t>> forced_tokens;
  /// Sequence lengths of earlier forward calls of the same reference model instance, replayed into
  /// the RoPE state first: the reference keeps its dynamic-RoPE state across calls, so its output
  /// can depend on what ran before. Empty = a fresh model, the normal case.
  std::vector<std::int64_t> rope_replay;
};

/// One generated token of one row.
struct StepEvent {
  int row = 0;
  int step = 0;
  std::int32_t token = 0;
  float logprob = 0;  // log-softmax of the raw logits
  std::vector<std::pair<std::int32_t, float>> top;  // top_logprobs (id, logprob), best first
  float margin = 0;   // top-1 minus top-2 raw logit
};

/// Called after every token; return false to stop that row (e.g. a stop string matched).
using StepCallback = std::function<bool(const StepEvent&)>;

enum class FinishReason { kLength, kEos, kStopped, kCancelled };

struct RowResult {
  std::vector<std::int32_t> tokens;   // generated ids (the EOS that ended it included)
  std::vector<StepEvent> steps;
  FinishReason finish = FinishReason::kLength;
  std::int64_t prompt_tokens = 0;
};

struct GenerateTimings {
  double vision_ms = 0, prefill_ms = 0, decode_ms = 0;
  std::int64_t prefill_tokens = 0, decode_tokens = 0;
};

}  // namespace internvl::runtime
