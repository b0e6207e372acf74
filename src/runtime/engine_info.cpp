#include "kernels/weight.h"
#include "runtime/engine_impl.h"

namespace internvl {

namespace {

struct Counter {
  std::int64_t params = 0, bytes = 0;
  void matrix(const kernels::WeightMatrix& w) {
    params += w.rows * w.cols;
    bytes += w.nbytes();
  }
  void linear(const model::Linear& l) {
    matrix(l.w);
    vec(l.bias);
  }
  void vec(const std::vector<float>& v) {
    params += static_cast<std::int64_t>(v.size());
    bytes += static_cast<std::int64_t>(v.size() * sizeof(float));
  }
};

}  // namespace

ModelInfo Engine::info() const {
  const auto& m = *impl_->model;
  const auto& cfg = m.config();
  const auto& w = m.weights();
  ModelInfo info;
  info.model_dir = impl_->options.model_dir;
  info.text_model_type = cfg.text.model_type;
  info.vision_norm = cfg.vision.norm_type == io::NormType::kLayerNorm ? "layer_norm" : "rms_norm";
  Counter vision, proj, text;
  vision.vec(w.vision.cls);
  vision.vec(w.vision.pos);
  vision.linear(w.vision.patch);
  for (const auto& l : w.vision.layers) {
    for (const auto* v : {&l.norm1_w, &l.norm1_b, &l.norm2_w, &l.norm2_b, &l.q_norm, &l.k_norm, &l.lambda1, &l.lambda2}) vision.vec(*v);
    for (const auto* lin : {&l.q, &l.k, &l.v, &l.o, &l.fc1, &l.fc2}) vision.linear(*lin);
  }
  vision.vec(w.vision.final_norm_w);
  vision.vec(w.vision.final_norm_b);
  proj.vec(w.projector.norm_w);
  proj.vec(w.projector.norm_b);
  proj.linear(w.projector.fc1);
  proj.linear(w.projector.fc2);
  text.matrix(w.text.embed);
  for (const auto& l : w.text.layers) {
    for (const auto* v : {&l.norm1, &l.norm2, &l.q_norm, &l.k_norm}) text.vec(*v);
    for (const auto* lin : {&l.q, &l.k, &l.v, &l.o, &l.gate, &l.up, &l.down}) text.linear(*lin);
  }
  text.vec(w.text.final_norm);
  if (!w.text.lm_head_tied) text.linear(w.text.lm_head);
  info.vision_params = vision.params;
  info.projector_params = proj.params;
  info.text_params = text.params;
  info.weight_bytes = vision.bytes + proj.bytes + text.bytes;
  info.weight_dtype = kernels::weight_format_name(w.text.layers.empty() ? w.text.embed.format : w.text.layers.back().q.w.format);
  info.context_limit = m.context_limit();
  info.kv_bytes_per_token = m.new_cache().bytes_per_token();  // bf16 or f32, as generation uses
  info.image_token_id = cfg.image_token_id;
  info.tokens_per_tile = cfg.tokens_per_tile();
  info.vocab_size = cfg.text.vocab_size;
  return info;
}

}  // namespace internvl
