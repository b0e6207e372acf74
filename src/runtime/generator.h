// Text generation over the model: HF generate() semantics for a batch of prompts (rows share one
// RoPE state, as rows of one reference batch do), greedy or sampled, with streaming callbacks.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "model/internvl_model.h"
#include "runtime/generate_types.h"
#include "runtime/sampler.h"

namespace internvl::runtime {

/// Generates for every row. Errors: out-of-vocabulary ids, image token/feature count mismatch,
/// prompt + max_new_tokens beyond the context limit, empty prompt.
Result<std::vector<RowResult>> generate(const model::InternVLModel& m, const std::vector<PromptInput>& rows,
                                        const GenerateParams& params, const StepCallback& on_step = {},
                                        GenerateTimings* timings = nullptr);

/// Checks one prompt against the model: ids in the embedding table, not empty, and prompt +
/// max_new_tokens within the context limit. Errors name the value.
Status validate_prompt(const model::InternVLModel& m, const std::vector<std::int32_t>& ids,
                       const GenerateParams& params);

/// The limit in force for a requested one (0 = the model's); see GenerateParams::context_limit.
std::int64_t effective_context_limit(const model::InternVLModel& m, std::int64_t requested);

/// Image features of every row's tiles, vision-encoded together (rows without media skipped).
std::vector<Tensor> encode_rows(const model::InternVLModel& m, const std::vector<PromptInput>& rows);

}  // namespace internvl::runtime
