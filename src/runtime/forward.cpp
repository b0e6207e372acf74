#include "runtime/forward.h"

#include <algorithm>
#include <cstring>

#include "kernels/softmax.h"
#include "runtime/generator.h"

namespace internvl::runtime {

namespace {

constexpr std::int64_t kLossChunk = 64;  // rows of logits materialized at a time for the loss

Status validate(const model::InternVLModel& m, const ForwardInput& in) {
  if (in.input_ids.empty()) return invalid_argument("forward: input_ids is empty");
  const std::size_t len = in.input_ids[0].size();
  auto same_shape = [&](const std::vector<std::vector<std::int32_t>>& t, const char* name) -> Status {
    if (t.empty()) return Status();
    if (t.size() != in.input_ids.size()) return invalid_argument("forward: ", name, " has ", t.size(), " rows, input_ids has ", in.input_ids.size());
    for (std::size_t r = 0; r < t.size(); ++r) {
      if (t[r].size() != len) return invalid_argument("forward: ", name, " row ", r, " has length ", t[r].size(), ", expected ", len);
    }
    return Status();
  };
  INTERNVL_RETURN_IF_ERROR(same_shape(in.input_ids, "input_ids"));
  INTERNVL_RETURN_IF_ERROR(same_shape(in.attention_mask, "attention_mask"));
  INTERNVL_RETURN_IF_ERROR(same_shape(in.labels, "labels"));
  if (len == 0) return invalid_argument("forward: sequences are empty");
  const std::int64_t limit = effective_context_limit(m, in.context_limit);
  if (static_cast<std::int64_t>(len) > limit) {
    return out_of_range("forward: sequence length ", len, " exceeds the context limit of ", limit);
  }
  for (std::size_t r = 0; r < in.input_ids.size(); ++r) {
    INTERNVL_RETURN_IF_ERROR(m.check_ids(in.input_ids[r].data(), static_cast<std::int64_t>(len)).with_context(str_cat("forward: row ", r)));
  }
  if (in.logits_to_keep < 0) return invalid_argument("forward: logits_to_keep must be >= 0");
  return Status();
}

}  // namespace

Result<ForwardOutput> forward(const model::InternVLModel& m, const ForwardInput& in) {
  INTERNVL_RETURN_IF_ERROR(validate(m, in));
  const std::int64_t len = static_cast<std::int64_t>(in.input_ids[0].size());
  const std::int64_t h = m.config().text.hidden_size, n_vocab = m.config().text.vocab_size;
  const std::int64_t n_rows = static_cast<std::int64_t>(in.input_ids.size());
  ForwardOutput out;

  // Image features for all rows, scattered over image tokens in row-major order.
  Tensor feats;
  if (in.pixel_values.numel() > 0) {
    feats = m.image_features(in.pixel_values);
    out.image_hidden_states = feats;
  }
  std::int64_t feat_row = 0;  // next feature row to hand out
  const std::int64_t feat_rows = feats.numel() > 0 ? feats.numel() / h : 0;

  model::RopeState rope = m.new_rope_state();
  for (std::int64_t seen : in.rope_replay) rope.update(seen);
  std::vector<std::vector<std::int32_t>> kept_ids(static_cast<std::size_t>(n_rows));
  std::vector<std::vector<std::int64_t>> kept_pos(static_cast<std::size_t>(n_rows));  // original index
  std::int64_t max_real = 0;
  for (std::int64_t r = 0; r < n_rows; ++r) {
    for (std::int64_t t = 0; t < len; ++t) {
      bool on = in.attention_mask.empty() || in.attention_mask[static_cast<std::size_t>(r)][static_cast<std::size_t>(t)] != 0;
      if (!on) continue;
      kept_ids[static_cast<std::size_t>(r)].push_back(in.input_ids[static_cast<std::size_t>(r)][static_cast<std::size_t>(t)]);
      kept_pos[static_cast<std::size_t>(r)].push_back(t);
    }
    max_real = std::max<std::int64_t>(max_real, static_cast<std::int64_t>(kept_ids[static_cast<std::size_t>(r)].size()));
  }
  rope.update(max_real);

  const std::int64_t keep_from = in.logits_to_keep > 0 ? std::max<std::int64_t>(0, len - in.logits_to_keep) : 0;
  double loss_sum = 0;
  std::int64_t loss_count = 0;
  const std::int32_t image_token = m.config().image_token_id;

  for (std::int64_t r = 0; r < n_rows; ++r) {
    const auto& ids = kept_ids[static_cast<std::size_t>(r)];
    const auto& pos = kept_pos[static_cast<std::size_t>(r)];
    const std::int64_t n = static_cast<std::int64_t>(ids.size());
    Tensor logits_row = Tensor::zeros(DType::kF32, {len - keep_from, n_vocab});
    std::vector<Tensor> hs;
    if (n > 0) {
      Tensor emb = m.embed(ids.data(), n);
      std::int64_t n_img = std::count(ids.begin(), ids.end(), image_token);
      if (n_img > 0 || feat_rows > 0) {
        if (feat_row + n_img > feat_rows) {
          return invalid_argument("image features and image tokens do not match: tokens: at least ",
                                  feat_row + n_img, ", features: ", feat_rows);
        }
        Tensor part = feats.numel() > 0 ? feats.reshape({feat_rows, h}).slice_rows(feat_row, feat_row + n_img) : Tensor();
        INTERNVL_RETURN_IF_ERROR(m.merge_image_features(ids.data(), n, part, emb));
        feat_row += n_img;
      }
      model::KvCache cache = m.new_cache();
      m.decode({model::DecoderSeq{&cache, &rope, n}}, emb, in.output_hidden_states ? &hs : nullptr);
      // emb now holds the final-normed hidden states [n, H].
      // Logits are only needed for kept positions, and for all positions when there are labels.
      std::int64_t first = 0;
      if (in.labels.empty()) {
        while (first < n && pos[static_cast<std::size_t>(first)] < keep_from) ++first;
      }
      for (std::int64_t c0 = first; c0 < n; c0 += kLossChunk) {
        std::int64_t c1 = std::min(n, c0 + kLossChunk);
        Tensor lg = m.logits(emb.data<float>() + c0 * h, c1 - c0);
        for (std::int64_t i = c0; i < c1; ++i) {
          std::int64_t t = pos[static_cast<std::size_t>(i)];
          const float* row_logits = lg.data<float>() + (i - c0) * n_vocab;
          if (t >= keep_from) {
            std::memcpy(logits_row.data<float>() + (t - keep_from) * n_vocab, row_logits, sizeof(float) * n_vocab);
          }
          if (!in.labels.empty() && t + 1 < len) {
            std::int32_t label = in.labels[static_cast<std::size_t>(r)][static_cast<std::size_t>(t + 1)];
            if (label == -100) continue;
            if (label < 0 || label >= n_vocab) {
              return invalid_argument("forward: label ", label, " at row ", r, " position ", t + 1, " is outside the vocabulary");
            }
            loss_sum += kernels::logsumexp(row_logits, n_vocab) - row_logits[label];
            ++loss_count;
          }
        }
      }
    }
    out.logits.push_back(std::move(logits_row));
    if (in.output_hidden_states) {
      std::vector<Tensor> full;
      for (const Tensor& s : hs) {
        Tensor f = Tensor::zeros(DType::kF32, {len, h});
        for (std::int64_t i = 0; i < n; ++i) {
          std::memcpy(f.data<float>() + pos[static_cast<std::size_t>(i)] * h, s.data<float>() + i * h, sizeof(float) * h);
        }
        full.push_back(std::move(f));
      }
      out.hidden_states.push_back(std::move(full));
    }
  }
  if (feat_row != feat_rows) {
    return invalid_argument("image features and image tokens do not match: tokens: ", feat_row,
                            ", features: ", feat_rows);
  }
  if (!in.labels.empty()) {
    // The reference divides by the count of valid labels (NaN when there are none).
    out.loss = loss_count > 0 ? loss_sum / static_cast<double>(loss_count) : std::nan("");
  }
  return out;
}

}  // namespace internvl::runtime
