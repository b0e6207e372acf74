// BatchRunner: step-wise generation over many sequences at once. Each step is one decoder call
// over a ragged batch: one token for every decoding sequence plus prefill chunks within a token
// budget, so a long prompt does not stall the others. generate() and the server both drive it.
//
// Sequences added together form a group: the reference runs them as one padded batch, so they
// share one RoPE state (rope_state.h) and decode in lockstep. A group of one is a single run.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "model/internvl_model.h"
#include "runtime/generate_types.h"

namespace internvl::runtime {

using SeqId = std::int64_t;

struct RunnerEvent {
  SeqId seq = -1;
  StepEvent token;  // the token this step produced for seq
  bool finished = false;
  FinishReason finish = FinishReason::kLength;
};

struct RunnerOptions {
  std::int64_t max_prefill_tokens = 2048;  // prefill tokens per step, across sequences
};

struct RunnerStats {
  std::int64_t steps = 0;
  std::int64_t prefill_tokens = 0;
  std::int64_t decode_tokens = 0;
  int last_decode_batch = 0;   // decoding sequences in the last step
  int last_prefill_seqs = 0;   // sequences that prefilled in the last step
};

class BatchRunner {
 public:
  explicit BatchRunner(const model::InternVLModel& m, RunnerOptions options = {});
  ~BatchRunner();
  BatchRunner(const BatchRunner&) = delete;
  BatchRunner& operator=(const BatchRunner&) = delete;

  /// Adds prompts that share RoPE state and decode in lockstep (rows of one reference batch).
  /// Validates ids, lengths and media; computes image features for rows that carry pixels.
  Result<std::vector<SeqId>> add_group(const std::vector<PromptInput>& rows, const GenerateParams& params);

  /// Runs one decoder call and returns the tokens it produced (none while only prefilling).
  std::vector<RunnerEvent> step();

  /// Ends a sequence now with `reason`, freeing its cache; no event is emitted.
  void finish(SeqId id, FinishReason reason);

  /// True while any sequence is unfinished.
  bool has_work() const;
  /// Unfinished sequences.
  std::size_t active() const;
  const RunnerStats& stats() const { return stats_; }

 private:
  struct Group;
  struct Seq;
  const model::InternVLModel& m_;
  RunnerOptions options_;
  RunnerStats stats_;
  SeqId next_id_ = 0;
  std::vector<std::unique_ptr<Seq>> seqs_;  // unfinished, in arrival order
  std::vector<std::shared_ptr<Group>> groups_;
};

}  // namespace internvl::runtime
