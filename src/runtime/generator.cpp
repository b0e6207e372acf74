#include "runtime/generator.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "core/timer.h"
#include "core/log.h"
#include "kernels/softmax.h"

namespace internvl::runtime {

namespace {

struct Row {
  model::KvCache cache;
  std::vector<std::int32_t> history;  // prompt + generated, for the repetition penalty
  RowResult result;
  bool done = false;
  Rng rng;
  Row(model::KvCache c, std::uint64_t seed) : cache(std::move(c)), rng(seed) {}
};

void fill_step(const float* logits, std::int64_t n_vocab, int top_n, StepEvent* ev) {
  double lse = kernels::logsumexp(logits, n_vocab);
  ev->logprob = static_cast<float>(logits[ev->token] - lse);
  int want = std::max(top_n, 2);
  std::vector<std::int32_t> best;  // partial selection of the `want` largest
  best.reserve(static_cast<std::size_t>(want) + 1);
  for (std::int64_t i = 0; i < n_vocab; ++i) {
    if (static_cast<int>(best.size()) == want && logits[i] <= logits[best.back()]) continue;
    auto pos = std::upper_bound(best.begin(), best.end(), static_cast<std::int32_t>(i),
                                [&](std::int32_t a, std::int32_t b) { return logits[a] > logits[b]; });
    best.insert(pos, static_cast<std::int32_t>(i));
    if (static_cast<int>(best.size()) > want) best.pop_back();
  }
  ev->margin = best.size() >= 2 ? logits[best[0]] - logits[best[1]] : 0.0f;
  for (int i = 0; i < top_n && i < static_cast<int>(best.size()); ++i) {
    ev->top.emplace_back(best[static_cast<std::size_t>(i)],
                         static_cast<float>(logits[best[static_cast<std::size_t>(i)]] - lse));
  }
}

}  // namespace

std::int64_t effective_context_limit(const model::InternVLModel& m, std::int64_t requested) {
  if (requested <= 0) return m.context_limit();
  if (requested > m.context_limit()) {
    log_warn("context limit ", requested, " is beyond the model's ", m.context_limit(),
             " positions; outputs past that are not what the model was trained for");
  }
  return requested;
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
  const std::int64_t n_vocab = m.config().text.vocab_size;
  const std::int64_t limit = effective_context_limit(m, params.context_limit);
  if (params.max_new_tokens < 0) return invalid_argument("max_new_tokens must be >= 0, got ", params.max_new_tokens);
  std::int64_t max_len = 0;
  for (std::size_t r = 0; r < inputs.size(); ++r) {
    const auto& ids = inputs[r].ids;
    if (ids.empty()) return invalid_argument("prompt ", r, " is empty");
    INTERNVL_RETURN_IF_ERROR(m.check_ids(ids.data(), static_cast<std::int64_t>(ids.size()))
                                 .with_context(str_cat("prompt ", r)));
    std::int64_t need = static_cast<std::int64_t>(ids.size()) + params.max_new_tokens;
    if (need > limit) {
      return out_of_range("prompt ", r, " has ", ids.size(), " tokens; with max_new_tokens ",
                          params.max_new_tokens, " it needs ", need,
                          " positions, more than the context limit of ", limit);
    }
    max_len = std::max<std::int64_t>(max_len, static_cast<std::int64_t>(ids.size()));
  }
  GenerateTimings t;
  Timer timer;
  std::vector<Tensor> feats = encode_rows(m, inputs);
  t.vision_ms = timer.elapsed_ms();

  std::vector<Row> rows;
  rows.reserve(inputs.size());
  for (std::size_t r = 0; r < inputs.size(); ++r) {
    rows.emplace_back(m.new_cache(), params.sampling.seed + r);
    rows.back().history = inputs[r].ids;
    rows.back().result.prompt_tokens = static_cast<std::int64_t>(inputs[r].ids.size());
  }
  model::RopeState rope = m.new_rope_state();
  for (std::int64_t len : params.rope_replay) rope.update(len);

  // ---- prefill: the reference updates RoPE once from the longest row ----
  timer.reset();
  rope.update(max_len);
  std::vector<Tensor> last_hidden(inputs.size());
  for (std::size_t r = 0; r < inputs.size(); ++r) {
    const auto& ids = inputs[r].ids;
    const std::int64_t n = static_cast<std::int64_t>(ids.size());
    Tensor emb = m.embed(ids.data(), n);
    INTERNVL_RETURN_IF_ERROR(m.merge_image_features(ids.data(), n, feats[r], emb).with_context(str_cat("prompt ", r)));
    for (std::int64_t c0 = 0; c0 < n; c0 += params.prefill_chunk) {
      std::int64_t c1 = std::min(n, c0 + params.prefill_chunk);
      Tensor x = emb.slice_rows(c0, c1).clone();
      m.decode({model::DecoderSeq{&rows[r].cache, &rope, c1 - c0}}, x);
      if (c1 == n) last_hidden[r] = x.slice_rows(c1 - c0 - 1, c1 - c0).clone();
    }
    t.prefill_tokens += n;
  }
  t.prefill_ms = timer.elapsed_ms();

  // ---- decode ----
  timer.reset();
  Tensor hidden = Tensor::empty(DType::kF32, {static_cast<std::int64_t>(inputs.size()), m.config().text.hidden_size});
  for (std::size_t r = 0; r < inputs.size(); ++r) {
    std::memcpy(hidden.data<float>() + r * hidden.dim(1), last_hidden[r].data<float>(), last_hidden[r].nbytes());
  }
  std::vector<std::size_t> active(inputs.size());
  for (std::size_t r = 0; r < inputs.size(); ++r) active[r] = r;
  for (int step = 0; step < params.max_new_tokens && !active.empty(); ++step) {
    Tensor logits = m.logits(hidden.data<float>(), static_cast<std::int64_t>(active.size()));
    std::vector<std::size_t> next_active;
    std::vector<std::int32_t> next_tokens;
    for (std::size_t a = 0; a < active.size(); ++a) {
      Row& row = rows[active[a]];
      float* lg = logits.data<float>() + static_cast<std::int64_t>(a) * n_vocab;
      StepEvent ev;
      ev.row = static_cast<int>(active[a]);
      ev.step = step;
      std::vector<float> work(lg, lg + n_vocab);
      if (step < params.min_new_tokens) {
        for (std::int32_t e : params.eos_ids) {
          if (e >= 0 && e < n_vocab) work[static_cast<std::size_t>(e)] = -std::numeric_limits<float>::infinity();
        }
      }
      ev.token = select_token(work.data(), n_vocab, row.history, params.sampling, row.rng);
      if (active[a] < params.forced_tokens.size() && step < static_cast<int>(params.forced_tokens[active[a]].size())) {
        ev.token = params.forced_tokens[active[a]][static_cast<std::size_t>(step)];
      }
      fill_step(lg, n_vocab, params.top_logprobs, &ev);
      row.result.tokens.push_back(ev.token);
      row.history.push_back(ev.token);
      bool keep = true;
      if (on_step && !on_step(ev)) {
        row.result.finish = FinishReason::kStopped;
        keep = false;
      }
      row.result.steps.push_back(std::move(ev));
      if (keep && std::find(params.eos_ids.begin(), params.eos_ids.end(), row.result.tokens.back()) !=
                      params.eos_ids.end()) {
        row.result.finish = FinishReason::kEos;
        keep = false;
      }
      if (keep && step + 1 < params.max_new_tokens) {
        next_active.push_back(active[a]);
        next_tokens.push_back(row.result.tokens.back());
      }
    }
    if (next_active.empty()) break;
    // Every row of the reference batch advances each step, so the longest sets the RoPE length.
    rope.update(max_len + step + 1);
    Tensor x = m.embed(next_tokens.data(), static_cast<std::int64_t>(next_tokens.size()));
    std::vector<model::DecoderSeq> seqs;
    for (std::size_t r : next_active) seqs.push_back({&rows[r].cache, &rope, 1});
    m.decode(seqs, x);
    hidden = x;
    active = std::move(next_active);
    t.decode_tokens += static_cast<std::int64_t>(active.size());
  }
  t.decode_ms = timer.elapsed_ms();
  if (timings) *timings = t;
  std::vector<RowResult> out;
  for (auto& row : rows) out.push_back(std::move(row.result));
  return out;
}

}  // namespace internvl::runtime
