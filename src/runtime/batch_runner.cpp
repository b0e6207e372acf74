#include "runtime/batch_runner.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "core/str.h"
#include "kernels/softmax.h"
#include "runtime/generator.h"

namespace internvl::runtime {

struct BatchRunner::Group {
  model::RopeState rope;
  std::int64_t max_prompt = 0;  // longest prompt of the group: the reference's padded length
  int decode_step = 0;          // tokens fed so far in lockstep decoding
  int members_prefilling = 0;
  explicit Group(model::RopeState r) : rope(std::move(r)) {}
};

struct BatchRunner::Seq {
  SeqId id;
  std::shared_ptr<Group> group;
  GenerateParams params;
  int row = 0;  // index within the group (seeds the sampler, addresses forced tokens)
  std::vector<std::int32_t> prompt;
  Tensor features;               // [n_image_tokens, H] rows, in order
  std::int64_t prefilled = 0;    // prompt tokens already in the cache
  std::int64_t image_rows_used = 0;
  std::shared_ptr<model::KvCache> cache_owner;
  model::KvCache& cache;
  std::vector<std::int32_t> history;  // prompt + generated (repetition penalty)
  int generated = 0;
  std::int32_t pending = -1;     // sampled token not yet fed
  Rng rng;
  Seq(std::shared_ptr<model::KvCache> c, std::uint64_t seed) : cache_owner(std::move(c)), cache(*cache_owner), rng(seed) {}
  bool prefilling() const { return prefilled < static_cast<std::int64_t>(prompt.size()); }
};

namespace {

void fill_logprobs(const float* logits, std::int64_t n_vocab, int top_n, StepEvent* ev) {
  double lse = kernels::logsumexp(logits, n_vocab);
  ev->logprob = static_cast<float>(logits[ev->token] - lse);
  const int want = std::max(top_n, 2);
  std::vector<std::int32_t> best;  // the `want` largest, best first
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
    std::int32_t id = best[static_cast<std::size_t>(i)];
    ev->top.emplace_back(id, static_cast<float>(logits[id] - lse));
  }
}

}  // namespace

BatchRunner::BatchRunner(const model::InternVLModel& m, RunnerOptions options) : m_(m), options_(options) {}
BatchRunner::~BatchRunner() = default;

Result<std::vector<SeqId>> BatchRunner::add_group(const std::vector<PromptInput>& rows, const GenerateParams& params) {
  if (rows.empty()) return invalid_argument("no prompts to generate for");
  if (params.max_new_tokens < 0) return invalid_argument("max_new_tokens must be >= 0, got ", params.max_new_tokens);
  const std::int64_t h = m_.config().text.hidden_size;
  const std::int32_t image_token = m_.config().image_token_id;
  const std::int64_t n_vocab = m_.config().text.vocab_size;
  for (const auto& forced : params.forced_tokens) {
    for (std::int32_t t : forced) {
      if (t < 0 || t >= n_vocab) return invalid_argument("forced token ", t, " is outside the vocabulary");
    }
  }
  std::int64_t max_len = 0;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    INTERNVL_RETURN_IF_ERROR(validate_prompt(m_, rows[r].ids, params).with_context(str_cat("prompt ", r)));
    max_len = std::max<std::int64_t>(max_len, static_cast<std::int64_t>(rows[r].ids.size()));
  }
  std::vector<Tensor> feats = encode_rows(m_, rows);
  auto group = std::make_shared<Group>(m_.new_rope_state());
  for (std::int64_t seen : params.rope_replay) group->rope.update(seen);
  group->max_prompt = max_len;
  std::vector<std::unique_ptr<Seq>> added;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const auto& ids = rows[r].ids;
    const std::int64_t cached = rows[r].cache ? rows[r].cached_tokens : 0;
    if (cached < 0 || cached >= static_cast<std::int64_t>(ids.size()) ||
        (rows[r].cache && cached > rows[r].cache->size())) {
      return invalid_argument("prompt ", r, ": cached_tokens ", cached, " is outside the prompt and its cache");
    }
    // Only image tokens after the cached prefix need features.
    std::int64_t n_img = std::count(ids.begin() + cached, ids.end(), image_token);
    std::int64_t n_feat = feats[r].numel() > 0 ? feats[r].numel() / h : 0;
    if (n_img != n_feat) {
      return invalid_argument("prompt ", r, ": image features and image tokens do not match: tokens: ", n_img,
                              ", features: ", n_feat, " (", m_.config().tokens_per_tile(), " per tile)");
    }
    auto cache = rows[r].cache ? rows[r].cache : std::make_shared<model::KvCache>(m_.new_cache());
    cache->truncate(cached);
    auto s = std::make_unique<Seq>(cache, params.sampling.seed + r);
    s->id = next_id_ + static_cast<SeqId>(r);
    s->group = group;
    s->params = params;
    s->row = static_cast<int>(r);
    s->prompt = ids;
    s->history = ids;
    s->prefilled = cached;
    if (n_feat > 0) s->features = feats[r].reshape({n_feat, h});
    s->cache.reserve(static_cast<std::int64_t>(ids.size()) + params.max_new_tokens);
    added.push_back(std::move(s));
  }
  std::vector<SeqId> out;
  for (auto& s : added) {
    out.push_back(s->id);
    seqs_.push_back(std::move(s));
  }
  group->members_prefilling = static_cast<int>(rows.size());
  groups_.push_back(group);
  next_id_ += static_cast<SeqId>(rows.size());
  return out;
}

bool BatchRunner::has_work() const { return !seqs_.empty(); }
std::size_t BatchRunner::active() const { return seqs_.size(); }

void BatchRunner::finish(SeqId id, FinishReason) {
  for (auto it = seqs_.begin(); it != seqs_.end(); ++it) {
    if ((*it)->id != id) continue;
    if ((*it)->prefilling()) (*it)->group->members_prefilling--;
    seqs_.erase(it);
    return;
  }
}

std::vector<RunnerEvent> BatchRunner::step() {
  std::vector<RunnerEvent> events;
  if (seqs_.empty()) return events;
  const std::int64_t h = m_.config().text.hidden_size, n_vocab = m_.config().text.vocab_size;

  // ---- plan: decode tokens first, then prefill chunks within the budget ----
  struct Part {
    Seq* seq;
    std::int64_t begin, end;  // prompt range for prefill; begin == -1 for a decode token
  };
  std::vector<Part> parts;
  std::vector<Group*> decoding_groups;
  for (auto& s : seqs_) {
    if (s->prefilling() || s->group->members_prefilling > 0) continue;  // lockstep within a group
    parts.push_back({s.get(), -1, -1});
    if (std::find(decoding_groups.begin(), decoding_groups.end(), s->group.get()) == decoding_groups.end()) {
      decoding_groups.push_back(s->group.get());
    }
  }
  const int n_decode = static_cast<int>(parts.size());
  std::int64_t budget = options_.max_prefill_tokens;
  for (auto& s : seqs_) {
    if (!s->prefilling() || budget <= 0) continue;
    std::int64_t n = std::min<std::int64_t>(budget, static_cast<std::int64_t>(s->prompt.size()) - s->prefilled);
    parts.push_back({s.get(), s->prefilled, s->prefilled + n});
    budget -= n;
  }
  if (parts.empty()) return events;

  // ---- RoPE: one update per group per logical reference call ----
  for (Group* g : decoding_groups) {
    g->decode_step++;
    g->rope.update(g->max_prompt + g->decode_step);
  }
  for (auto& p : parts) {
    if (p.begin >= 0) p.seq->group->rope.update(p.seq->group->max_prompt);
  }

  // ---- embeddings of every new token, image features merged ----
  std::int64_t n_rows = 0;
  for (const auto& p : parts) n_rows += p.begin < 0 ? 1 : p.end - p.begin;
  Tensor x = Tensor::empty(DType::kF32, {n_rows, h});
  std::vector<model::DecoderSeq> dseqs;
  std::vector<std::int64_t> last_row;  // row whose logits each part needs (-1: none yet)
  std::int64_t row = 0;
  for (auto& p : parts) {
    Seq& s = *p.seq;
    std::int64_t n = p.begin < 0 ? 1 : p.end - p.begin;
    const std::int32_t* ids = p.begin < 0 ? &s.pending : s.prompt.data() + p.begin;
    Tensor e = m_.embed(ids, n);
    if (p.begin >= 0 && s.features.numel() > 0) {
      std::int64_t k = 0;
      for (std::int64_t i = 0; i < n; ++i) k += ids[i] == m_.config().image_token_id;
      if (k > 0) {
        Tensor part = s.features.slice_rows(s.image_rows_used, s.image_rows_used + k);
        Status st = m_.merge_image_features(ids, n, part, e);
        INTERNVL_CHECK(st.ok(), st.message());  // counts were validated in add_group
        s.image_rows_used += k;
      }
    }
    std::memcpy(x.data<float>() + row * h, e.data<float>(), e.nbytes());
    dseqs.push_back({&s.cache, &s.group->rope, n});
    bool wants_logits = p.begin < 0 || p.end == static_cast<std::int64_t>(s.prompt.size());
    last_row.push_back(wants_logits ? row + n - 1 : -1);
    row += n;
  }
  m_.decode(dseqs, x);
  stats_.steps++;
  stats_.decode_tokens += n_decode;
  stats_.prefill_tokens += n_rows - n_decode;
  stats_.last_decode_batch = n_decode;
  stats_.last_prefill_seqs = static_cast<int>(parts.size()) - n_decode;

  // ---- logits for the rows that end a prompt or decode a token ----
  std::vector<std::int64_t> need;
  for (std::int64_t r : last_row) {
    if (r >= 0) need.push_back(r);
  }
  Tensor hidden = Tensor::empty(DType::kF32, {static_cast<std::int64_t>(need.size()), h});
  for (std::size_t i = 0; i < need.size(); ++i) {
    std::memcpy(hidden.data<float>() + static_cast<std::int64_t>(i) * h, x.data<float>() + need[i] * h, sizeof(float) * h);
  }
  Tensor logits = need.empty() ? Tensor() : m_.logits(hidden.data<float>(), static_cast<std::int64_t>(need.size()));
  std::vector<float> work(static_cast<std::size_t>(n_vocab));
  std::size_t li = 0;
  std::vector<SeqId> done;
  for (std::size_t pi = 0; pi < parts.size(); ++pi) {
    Part& p = parts[pi];
    Seq& s = *p.seq;
    if (p.begin >= 0) {
      s.prefilled = p.end;
      if (!s.prefilling()) s.group->members_prefilling--;
    }
    if (last_row[pi] < 0 || s.params.max_new_tokens == 0) continue;
    const float* lg = logits.data<float>() + static_cast<std::int64_t>(li++) * n_vocab;
    RunnerEvent ev;
    ev.seq = s.id;
    ev.token.row = s.row;
    ev.token.step = s.generated;
    std::copy(lg, lg + n_vocab, work.begin());
    if (s.generated < s.params.min_new_tokens) {
      for (std::int32_t e : s.params.eos_ids) {
        if (e >= 0 && e < n_vocab) work[static_cast<std::size_t>(e)] = -std::numeric_limits<float>::infinity();
      }
    }
    ev.token.token = select_token(work.data(), n_vocab, s.history, s.params.sampling, s.rng);
    const auto& forced = s.params.forced_tokens;
    if (static_cast<std::size_t>(s.row) < forced.size() &&
        s.generated < static_cast<int>(forced[static_cast<std::size_t>(s.row)].size())) {
      ev.token.token = forced[static_cast<std::size_t>(s.row)][static_cast<std::size_t>(s.generated)];
    }
    fill_logprobs(lg, n_vocab, s.params.top_logprobs, &ev.token);
    s.generated++;
    s.history.push_back(ev.token.token);
    s.pending = ev.token.token;
    const auto& eos = s.params.eos_ids;
    if (std::find(eos.begin(), eos.end(), ev.token.token) != eos.end()) {
      ev.finished = true;
      ev.finish = FinishReason::kEos;
    } else if (s.generated >= s.params.max_new_tokens) {
      ev.finished = true;
      ev.finish = FinishReason::kLength;
    }
    if (ev.finished) done.push_back(s.id);
    events.push_back(std::move(ev));
  }
  // Prompts that asked for no tokens end when their prefill does.
  for (auto& s : seqs_) {
    if (!s->prefilling() && s->params.max_new_tokens == 0) done.push_back(s->id);
  }
  for (SeqId id : done) finish(id, FinishReason::kLength);
  groups_.erase(std::remove_if(groups_.begin(), groups_.end(), [](const auto& g) { return g.use_count() == 1; }),
                groups_.end());
  return events;
}

}  // namespace internvl::runtime
