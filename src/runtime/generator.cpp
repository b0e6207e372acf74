#include "runtime/generator.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "core/timer.h"
#include "core/log.h"
#include "kernels/softmax.h"
#include "runtime/batch_runner.h"

namespace internvl::runtime {

std::int64_t effective_context_limit(const model::InternVLModel& m, std::int64_t requested) {
  if (requested <= 0) return m.context_limit();
  if (requested > m.context_limit()) {
    log_warn("context limit ", requested, " is beyond the model's ", m.context_limit(),
             " positions; outputs past that are not what the model was trained for");
  }
  return requested;
}

Status validate_prompt(const model::InternVLModel& m, const std::vector<std::int32_t>& ids,
                       const GenerateParams& params) {
  if (ids.empty()) return invalid_argument("the prompt is empty");
  INTERNVL_RETURN_IF_ERROR(m.check_ids(ids.data(), static_cast<std::int64_t>(ids.size())));
  const std::int64_t limit = effective_context_limit(m, params.context_limit);
  const std::int64_t need = static_cast<std::int64_t>(ids.size()) + params.max_new_tokens;
  if (need > limit) {
    return out_of_range("the prompt has ", ids.size(), " tokens; with max_new_tokens ", params.max_new_tokens,
                        " it needs ", need, " positions, more than the context limit of ", limit);
  }
  return Status();
}

std::vector<Tensor> encode_rows(const model::InternVLModel& m, const std::vector<PromptInput>& rows) {
  std::vector<Tensor> out(rows.size());
  std::int64_t total = 0;
  Tensor any;
  for (const auto& r : rows) {
    if (r.image_features.defined() && r.image_features.numel() > 0) continue;
    if (r.pixel_values.numel() > 0) {
      total += r.pixel_values.dim(0);
      any = r.pixel_values;
    }
  }
  if (total == 0) {
    for (std::size_t i = 0; i < rows.size(); ++i) out[i] = rows[i].image_features;
    return out;
  }
  // All tiles in one vision batch: the tower runs tiles independently, so this equals per-row runs.
  std::vector<std::int64_t> shape = any.shape();
  shape[0] = total;
  Tensor all = Tensor::empty(DType::kF32, shape);
  std::int64_t off = 0;
  for (const auto& r : rows) {
    if ((r.image_features.defined() && r.image_features.numel() > 0) || r.pixel_values.numel() == 0) continue;
    std::memcpy(all.data<float>() + off, r.pixel_values.data<float>(), r.pixel_values.nbytes());
    off += r.pixel_values.numel();
  }
  Tensor feats = m.image_features(all);  // [total, tokens, H]
  std::int64_t t0 = 0;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    if (r.image_features.defined() && r.image_features.numel() > 0) {
      out[i] = r.image_features;
    } else if (r.pixel_values.numel() > 0) {
      std::int64_t n = r.pixel_values.dim(0);
      out[i] = feats.slice_rows(t0, t0 + n);
      t0 += n;
    }
  }
  return out;
}

Result<std::vector<RowResult>> generate(const model::InternVLModel& m, const std::vector<PromptInput>& inputs,
                                        const GenerateParams& params, const StepCallback& on_step,
                                        GenerateTimings* timings) {
  GenerateTimings t;
  Timer timer;
  RunnerOptions opts;
  opts.max_prefill_tokens = params.prefill_chunk;
  BatchRunner runner(m, opts);
  INTERNVL_ASSIGN_OR_RETURN(std::vector<SeqId> ids, runner.add_group(inputs, params));
  t.vision_ms = timer.elapsed_ms();
  std::vector<RowResult> out(inputs.size());
  for (std::size_t r = 0; r < inputs.size(); ++r) out[r].prompt_tokens = static_cast<std::int64_t>(inputs[r].ids.size());
  timer.reset();
  bool first = true;
  while (runner.has_work()) {
    std::vector<RunnerEvent> events = runner.step();
    if (first && !events.empty()) {
      t.prefill_ms = timer.elapsed_ms();
      timer.reset();
      first = false;
    }
    for (auto& ev : events) {
      const std::size_t r = static_cast<std::size_t>(ev.seq - ids.front());
      RowResult& row = out[r];
      row.tokens.push_back(ev.token.token);
      bool keep = !on_step || on_step(ev.token);
      row.steps.push_back(std::move(ev.token));
      if (ev.finished) {
        row.finish = ev.finish;
      } else if (!keep) {
        row.finish = FinishReason::kStopped;
        runner.finish(ev.seq, FinishReason::kStopped);
      }
    }
  }
  if (first) t.prefill_ms = timer.elapsed_ms();
  else t.decode_ms = timer.elapsed_ms();
  t.prefill_tokens = runner.stats().prefill_tokens;
  t.decode_tokens = runner.stats().decode_tokens;
  if (timings) *timings = t;
  return out;
}

}  // namespace internvl::runtime
