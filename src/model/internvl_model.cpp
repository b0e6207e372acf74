#include "model/internvl_model.h"

#include <cstring>

#include "kernels/attention.h"
#include "kernels/embedding.h"
#include "model/linear.h"
#include "model/projector.h"
#include "model/vision_encoder.h"

namespace internvl::model {

Result<std::unique_ptr<InternVLModel>> InternVLModel::load(const std::string& model_dir,
                                                           const LoadOptions& options) {
  auto m = std::unique_ptr<InternVLModel>(new InternVLModel());
  INTERNVL_ASSIGN_OR_RETURN(m->config_, io::load_model_config(model_dir));
  INTERNVL_ASSIGN_OR_RETURN(m->weights_, load_weights(model_dir, m->config_, options));
  m->compute_ = options.compute;
  return m;
}

QuantType InternVLModel::quant() const {
  QuantType q = QuantType::kNone;
  for (const auto& t : weights_->quantized) {
    if (t.w.format == kernels::WeightFormat::kQ4_0) return QuantType::kQ4;
    q = QuantType::kQ8;
  }
  return q;
}

Tensor InternVLModel::vision_model(const Tensor& pixels, std::vector<Tensor>* hidden_states) const {
  VisionRunOptions opts;
  opts.hidden_states = hidden_states;
  opts.compute = compute_;
  return vision_forward(config_.vision, weights_->vision, pixels, opts);
}

Tensor InternVLModel::image_features(const Tensor& pixels, std::optional<int> feature_layer,
                                     int tile_batch) const {
  const int n_states = config_.vision.num_layers + 1;
  int layer = feature_layer.value_or(config_.vision_feature_layer);
  if (layer < 0) layer += n_states;  // hidden_states index: 0 = embeddings
  INTERNVL_CHECK(layer >= 0 && layer < n_states, "feature layer out of range");
  const std::int64_t n_tiles = pixels.dim(0);
  const std::int64_t tokens = config_.tokens_per_tile(), h = config_.text.hidden_size;
  Tensor out = Tensor::empty(DType::kF32, {n_tiles, tokens, h});
  for (std::int64_t t0 = 0; t0 < n_tiles; t0 += tile_batch) {
    std::int64_t nb = std::min<std::int64_t>(tile_batch, n_tiles - t0);
    Tensor chunk = pixels.slice_rows(t0, t0 + nb);
    VisionRunOptions opts;
    opts.n_layers = layer;
    // last_hidden_state (after the optional final norm) only for the last layer, as the reference.
    opts.final_norm = layer == config_.vision.num_layers;
    opts.compute = compute_;
    Tensor feats = vision_forward(config_.vision, weights_->vision, chunk, opts);
    Tensor shuffled = pixel_shuffle(feats, config_.downsample_ratio);
    Tensor proj = project(weights_->projector, shuffled, compute_);  // [nb, tokens, H]
    std::memcpy(out.data<float>() + t0 * tokens * h, proj.data<float>(), proj.nbytes());
  }
  return out;
}

Tensor InternVLModel::embed(const std::int32_t* ids, std::int64_t n) const {
  Tensor out = Tensor::empty(DType::kF32, {n, config_.text.hidden_size});
  kernels::embedding(weights_->text.embed, ids, n, out.data<float>());
  return out;
}

Status InternVLModel::check_ids(const std::int32_t* ids, std::int64_t n) const {
  const std::int64_t rows = weights_->text.embed.rows;
  for (std::int64_t i = 0; i < n; ++i) {
    if (ids[i] < 0 || ids[i] >= rows) {
      return invalid_argument("token id ", ids[i], " at position ", i,
                              " is outside the embedding table of ", rows, " rows");
    }
  }
  return Status();
}

Status InternVLModel::merge_image_features(const std::int32_t* ids, std::int64_t n,
                                           const Tensor& features, Tensor& emb) const {
  const std::int64_t h = config_.text.hidden_size;
  const std::int64_t n_feat = features.defined() && features.ndim() > 0 ? features.numel() / h : 0;
  std::int64_t n_tok = 0;
  for (std::int64_t i = 0; i < n; ++i) n_tok += ids[i] == config_.image_token_id;
  if (n_tok != n_feat) {
    return invalid_argument("image features and image tokens do not match: tokens: ", n_tok,
                            ", features: ", n_feat, " (", n_feat / std::max(1, config_.tokens_per_tile()),
                            " tiles x ", config_.tokens_per_tile(), ")");
  }
  std::int64_t k = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    if (ids[i] != config_.image_token_id) continue;
    std::memcpy(emb.data<float>() + i * h, features.data<float>() + k * h, sizeof(float) * h);
    ++k;
  }
  return Status();
}

void InternVLModel::decode(const std::vector<DecoderSeq>& seqs, Tensor& x,
                           std::vector<Tensor>* hidden_states) const {
  decoder_forward(config_.text, weights_->text, seqs, x, hidden_states, compute_);
}

Tensor InternVLModel::logits(const float* hidden, std::int64_t rows) const {
  return linear(weights_->text.lm_head, hidden, rows, compute_);
}

KvCache InternVLModel::new_cache() const {
  // bf16 where attention rounds keys and values to bf16 itself: half the memory and the bytes
  // per decode step, the same results. f32 everywhere else.
  const bool bf16 = kernels::attention_rounds_kv_to_bf16(config_.text.head_dim, compute_);
  return KvCache(config_.text.num_layers, config_.text.num_kv_heads, config_.text.head_dim,
                 bf16 ? KvFormat::kBF16 : KvFormat::kF32);
}

std::int64_t InternVLModel::context_limit() const {
  const auto& t = config_.text;
  double factor = t.rope.type == io::RopeType::kDynamic ? t.rope.factor : 1.0;
  return static_cast<std::int64_t>(t.max_position_embeddings * factor);
}

}  // namespace internvl::model
