#include "model/weights.h"

#include "core/half.h"
#include "kernels/quant.h"
#include "core/str.h"
#include "model/weight_names.h"

namespace internvl::model {

namespace {

enum class Layout { kCurrent, kLegacy };

// Resolves names written in the current layout against the archive's layout and binds them.
class Binder {
 public:
  Binder(const io::SafetensorsArchive& a, Layout layout, const WeightLoadOptions& options,
         std::vector<QuantizedTensor>* quantized)
      : a_(a), layout_(layout), quant_(options.quant), copy_(!options.mmap), quantized_(quantized) {}

  std::string resolve(const std::string& name) const {
    if (layout_ == Layout::kCurrent) return name;
    auto swap = [&](const char* from, const char* to) -> std::string {
      return starts_with(name, from) ? to + name.substr(std::string(from).size()) : std::string();
    };
    for (auto [from, to] : {std::pair{names::kVision, names::kOldVision},
                            {names::kProjector, names::kOldProjector},
                            {names::kText, names::kOldText}}) {
      std::string r = swap(from, to);
      if (!r.empty()) return r;
    }
    std::string head = std::string(names::kLmHead) + ".";
    if (starts_with(name, head)) return names::kOldLmHead + name.substr(head.size() - 1);
    return name;
  }

  bool has(const std::string& name) const { return a_.contains(resolve(name)); }

  Result<Tensor> tensor(const std::string& name, const std::vector<std::int64_t>& shape) const {
    std::string stored = resolve(name);
    INTERNVL_ASSIGN_OR_RETURN(Tensor t, a_.tensor(stored));
    if (t.shape() != shape) {
      return invalid_argument("tensor '", stored, "' has shape ", shape_str(t.shape()), ", expected ",
                              shape_str(shape), " from config.json");
    }
    return t;
  }

  Result<std::vector<float>> vec(const std::string& name, std::vector<std::int64_t> shape) const {
    INTERNVL_ASSIGN_OR_RETURN(Tensor t, tensor(name, shape));
    Tensor f = t.to_f32();
    return std::vector<float>(f.data<float>(), f.data<float>() + f.numel());
  }

  /// A weight matrix [n_out, n_in]: stored quantized, quantized now (quant_), or as stored.
  Result<kernels::WeightMatrix> matrix(const std::string& name, std::int64_t n_out, std::int64_t n_in,
                                       MatrixRole role, std::shared_ptr<const void>* owner) const {
    const std::string stored = resolve(name);
    const io::TensorEntry* e = a_.find(stored);
    if (e && e->dtype_name == "U8") return quantized_matrix(stored, *e, n_out, n_in, owner);
    INTERNVL_ASSIGN_OR_RETURN(Tensor t, tensor(name, {n_out, n_in}));
    kernels::WeightMatrix w = kernels::weight_from_tensor(t);
    const kernels::WeightFormat target = quant_target_format(quant_, role, n_in, w.format);
    if (target == w.format) return copy_out_of_map(w, *e, owner);
    kernels::WeightMatrix q = quantize_matrix(w, target, owner);
    io::SafetensorsArchive::release_pages(*e);
    quantized_->push_back({stored, q});
    return q;
  }

  Result<Linear> linear(const std::string& prefix, std::int64_t n_out, std::int64_t n_in, bool bias,
                        MatrixRole role) const {
    Linear l;
    INTERNVL_ASSIGN_OR_RETURN(l.w, matrix(prefix + ".weight", n_out, n_in, role, &l.owner));
    if (bias) {
      INTERNVL_ASSIGN_OR_RETURN(l.bias, vec(prefix + ".bias", {n_out}));
    }
    return l;
  }

 private:
  // A matrix saved by save_quantized: U8 quants [n_out, row_bytes] + f16 scales [n_out, n_in/32].
  Result<kernels::WeightMatrix> quantized_matrix(const std::string& stored, const io::TensorEntry& e,
                                                 std::int64_t n_out, std::int64_t n_in,
                                                 std::shared_ptr<const void>* owner) const {
    const std::string scales_name = stored + names::kQuantScalesSuffix;
    kernels::WeightMatrix w;
    w.rows = n_out;
    w.cols = n_in;
    const std::int64_t row_bytes = e.shape.size() == 2 ? e.shape[1] : -1;
    if (n_in % kernels::kQuantBlock == 0 && row_bytes == n_in) w.format = kernels::WeightFormat::kQ8_0;
    else if (n_in % kernels::kQuantBlock == 0 && row_bytes == n_in / 2) w.format = kernels::WeightFormat::kQ4_0;
    if (e.shape.size() != 2 || e.shape[0] != n_out || !w.quantized()) {
      return invalid_argument("quantized tensor '", stored, "' has shape ", shape_str(e.shape), ", expected [",
                              n_out, ", ", n_in, "] (q8_0) or [", n_out, ", ", n_in / 2,
                              "] (q4_0) for a [", n_out, ", ", n_in, "] matrix from config.json");
    }
    INTERNVL_ASSIGN_OR_RETURN(Tensor scales, a_.tensor(scales_name));
    if (scales.dtype() != DType::kF16 || scales.shape() != std::vector<std::int64_t>{n_out, n_in / kernels::kQuantBlock}) {
      return invalid_argument("quantization scales '", scales_name, "' must be F16 [", n_out, ", ",
                              n_in / kernels::kQuantBlock, "], got ", dtype_name(scales.dtype()), " ",
                              shape_str(scales.shape()));
    }
    w.data = e.data;
    w.scales = scales.raw();
    if (copy_ && e.mapped) {
      w = copy_matrix(w, owner);
      io::SafetensorsArchive::release_pages(e);
      io::SafetensorsArchive::release_pages(*a_.find(scales_name));
    }
    quantized_->push_back({stored, w});
    return w;
  }

  // With mmap off, a mapped matrix kept in its stored format moves into anonymous memory on
  // 2 MiB pages: on machines whose page cache reads slowly (this VM: 4-37 GB/s over a 15 GB
  // mapping, 44-50 GB/s from a copy) decode then streams at memory speed.
  kernels::WeightMatrix copy_out_of_map(const kernels::WeightMatrix& w, const io::TensorEntry& e,
                                        std::shared_ptr<const void>* owner) const {
    if (!copy_ || !e.mapped) return w;
    kernels::WeightMatrix c = copy_matrix(w, owner);
    io::SafetensorsArchive::release_pages(e);
    return c;
  }

  const io::SafetensorsArchive& a_;
  Layout layout_;
  QuantType quant_;
  bool copy_;
  std::vector<QuantizedTensor>* quantized_;
};

Status bind_vision(const Binder& b, const io::VisionConfig& c, VisionWeights* w) {
  const std::int64_t d = c.hidden_size, inter = c.intermediate_size;
  const std::string p = names::kVision;
  INTERNVL_ASSIGN_OR_RETURN(w->cls, b.vec(p + names::kClsToken, {1, 1, d}));
  INTERNVL_ASSIGN_OR_RETURN(w->pos, b.vec(p + names::kPosEmbed, {1, 1 + c.num_patches(), d}));
  INTERNVL_ASSIGN_OR_RETURN(Tensor pw, b.tensor(p + names::kPatchWeight,
                                                {d, c.num_channels, c.patch_height, c.patch_width}));
  w->patch.w = kernels::weight_from_tensor(pw.reshape({d, static_cast<std::int64_t>(c.num_channels) * c.patch_height * c.patch_width}));
  INTERNVL_ASSIGN_OR_RETURN(w->patch.bias, b.vec(p + names::kPatchBias, {d}));
  const bool ln = c.norm_type == io::NormType::kLayerNorm;
  for (int i = 0; i < c.num_layers; ++i) {
    VisionLayerWeights l;
    auto name = [&](const char* leaf) { return p + names::vision_layer(i, leaf); };
    auto name2 = [&](const char* leaf, const char* suffix) { return name(leaf) + suffix; };
    INTERNVL_ASSIGN_OR_RETURN(l.norm1_w, b.vec(name2(names::kVNorm1, ".weight"), {d}));
    INTERNVL_ASSIGN_OR_RETURN(l.norm2_w, b.vec(name2(names::kVNorm2, ".weight"), {d}));
    if (ln) {
      INTERNVL_ASSIGN_OR_RETURN(l.norm1_b, b.vec(name2(names::kVNorm1, ".bias"), {d}));
      INTERNVL_ASSIGN_OR_RETURN(l.norm2_b, b.vec(name2(names::kVNorm2, ".bias"), {d}));
    }
    INTERNVL_ASSIGN_OR_RETURN(l.q, b.linear(name(names::kVQ), d, d, c.attention_bias, MatrixRole::kVision));
    INTERNVL_ASSIGN_OR_RETURN(l.k, b.linear(name(names::kVK), d, d, c.attention_bias, MatrixRole::kVision));
    INTERNVL_ASSIGN_OR_RETURN(l.v, b.linear(name(names::kVV), d, d, c.attention_bias, MatrixRole::kVision));
    INTERNVL_ASSIGN_OR_RETURN(l.o, b.linear(name(names::kVO), d, d, true, MatrixRole::kVision));
    if (c.use_qk_norm) {
      INTERNVL_ASSIGN_OR_RETURN(l.q_norm, b.vec(name(names::kVQNorm), {d}));
      INTERNVL_ASSIGN_OR_RETURN(l.k_norm, b.vec(name(names::kVKNorm), {d}));
    }
    INTERNVL_ASSIGN_OR_RETURN(l.fc1, b.linear(name(names::kVFc1), inter, d, true, MatrixRole::kVision));
    INTERNVL_ASSIGN_OR_RETURN(l.fc2, b.linear(name(names::kVFc2), d, inter, true, MatrixRole::kVision));
    INTERNVL_ASSIGN_OR_RETURN(l.lambda1, b.vec(name(names::kVLambda1), {d}));
    INTERNVL_ASSIGN_OR_RETURN(l.lambda2, b.vec(name(names::kVLambda2), {d}));
    w->layers.push_back(std::move(l));
  }
  if (!c.use_mean_pooling) {
    INTERNVL_ASSIGN_OR_RETURN(w->final_norm_w, b.vec(p + names::kVisionFinalNormWeight, {d}));
    if (ln) {
      INTERNVL_ASSIGN_OR_RETURN(w->final_norm_b, b.vec(p + names::kVisionFinalNormBias, {d}));
    }
  }
  return Status();
}

Status bind_projector(const Binder& b, const io::ModelConfig& c, ProjectorWeights* w) {
  const double s = 1.0 / c.downsample_ratio;
  const std::int64_t in = static_cast<std::int64_t>(c.vision.hidden_size * s * s + 0.5);
  const std::int64_t h = c.text.hidden_size;
  const std::string p = names::kProjector;
  INTERNVL_ASSIGN_OR_RETURN(w->norm_w, b.vec(p + names::kProjNorm + ".weight", {in}));
  INTERNVL_ASSIGN_OR_RETURN(w->norm_b, b.vec(p + names::kProjNorm + ".bias", {in}));
  INTERNVL_ASSIGN_OR_RETURN(w->fc1, b.linear(p + names::kProjFc1, h, in, true, MatrixRole::kProjector));
  INTERNVL_ASSIGN_OR_RETURN(w->fc2, b.linear(p + names::kProjFc2, h, h, true, MatrixRole::kProjector));
  return Status();
}

Status bind_text(const Binder& b, const io::ModelConfig& mc, TextWeights* w) {
  const io::TextConfig& c = mc.text;
  const std::int64_t h = c.hidden_size, v = c.vocab_size, f = c.intermediate_size;
  const std::int64_t q_out = static_cast<std::int64_t>(c.num_heads) * c.head_dim;
  const std::int64_t kv_out = static_cast<std::int64_t>(c.num_kv_heads) * c.head_dim;
  const std::string p = names::kText;
  // The stored lm_head wins; without one the head is tied to the embeddings (spec 2.5). A tied
  // table is read in full every decode step, so it is quantized like a head.
  const bool tied = !b.has(std::string(names::kLmHead) + ".weight");
  INTERNVL_ASSIGN_OR_RETURN(w->embed, b.matrix(p + names::kEmbed, v, h, tied ? MatrixRole::kLmHead : MatrixRole::kEmbedding,
                                               &w->embed_owner));
  for (int i = 0; i < c.num_layers; ++i) {
    TextLayerWeights l;
    auto name = [&](const char* leaf) { return p + names::text_layer(i, leaf); };
    const MatrixRole role = i == 0 ? MatrixRole::kTextFirstLayer : MatrixRole::kText;
    INTERNVL_ASSIGN_OR_RETURN(l.norm1, b.vec(name(names::kTNorm1), {h}));
    INTERNVL_ASSIGN_OR_RETURN(l.norm2, b.vec(name(names::kTNorm2), {h}));
    INTERNVL_ASSIGN_OR_RETURN(l.q, b.linear(name(names::kTQ), q_out, h, c.qkv_bias, role));
    INTERNVL_ASSIGN_OR_RETURN(l.k, b.linear(name(names::kTK), kv_out, h, c.qkv_bias, role));
    INTERNVL_ASSIGN_OR_RETURN(l.v, b.linear(name(names::kTV), kv_out, h, c.qkv_bias, role));
    INTERNVL_ASSIGN_OR_RETURN(l.o, b.linear(name(names::kTO), h, q_out, c.o_bias, role));
    if (c.qk_norm) {
      INTERNVL_ASSIGN_OR_RETURN(l.q_norm, b.vec(name(names::kTQNorm), {c.head_dim}));
      INTERNVL_ASSIGN_OR_RETURN(l.k_norm, b.vec(name(names::kTKNorm), {c.head_dim}));
    }
    INTERNVL_ASSIGN_OR_RETURN(l.gate, b.linear(name(names::kTGate), f, h, false, role));
    INTERNVL_ASSIGN_OR_RETURN(l.up, b.linear(name(names::kTUp), f, h, false, role));
    INTERNVL_ASSIGN_OR_RETURN(l.down, b.linear(name(names::kTDown), h, f, false, role));
    w->layers.push_back(std::move(l));
  }
  INTERNVL_ASSIGN_OR_RETURN(w->final_norm, b.vec(p + names::kFinalNorm, {h}));
  if (!tied) {
    INTERNVL_ASSIGN_OR_RETURN(w->lm_head, b.linear(names::kLmHead, v, h, false, MatrixRole::kLmHead));
  } else {
    w->lm_head.w = w->embed;
    w->lm_head.owner = w->embed_owner;
    w->lm_head_tied = true;
  }
  return Status();
}

Result<Layout> detect_layout(const io::SafetensorsArchive& a, const std::string& dir) {
  bool current = false, legacy = false, original = false;
  for (const auto& n : a.names()) {
    current = current || starts_with(n, "model.");
    legacy = legacy || starts_with(n, names::kOldText) || starts_with(n, names::kOldVision);
    original = original || starts_with(n, names::kOriginalVision) || starts_with(n, names::kOriginalProjector);
  }
  if (original && !current && !legacy) {
    return unsupported("checkpoint in '", dir, "' uses the original OpenGVLab tensor names "
                       "(vision_model.*, mlp1.*); use the Transformers '-hf' checkpoint");
  }
  if (current && legacy) {
    return corrupt("checkpoint in '", dir, "' mixes 'model.' and legacy tensor names");
  }
  return current ? Layout::kCurrent : Layout::kLegacy;
}

}  // namespace

Result<std::unique_ptr<ModelWeights>> load_weights(const std::string& model_dir,
                                                   const io::ModelConfig& config,
                                                   const WeightLoadOptions& options) {
  auto w = std::make_unique<ModelWeights>();
  INTERNVL_ASSIGN_OR_RETURN(w->archive, io::SafetensorsArchive::open_dir(model_dir));
  INTERNVL_ASSIGN_OR_RETURN(Layout layout, detect_layout(w->archive, model_dir));
  Binder b(w->archive, layout, options, &w->quantized);
  INTERNVL_RETURN_IF_ERROR(bind_vision(b, config.vision, &w->vision).with_context("vision tower"));
  INTERNVL_RETURN_IF_ERROR(bind_projector(b, config, &w->projector).with_context("projector"));
  INTERNVL_RETURN_IF_ERROR(bind_text(b, config, &w->text).with_context("language model"));
  return w;
}

}  // namespace internvl::model
