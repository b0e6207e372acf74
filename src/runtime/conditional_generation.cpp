// InternVLForConditionalGeneration (include/internvl/model.h) over the model and runtime layers.
#include "internvl/model.h"

#include "core/str.h"
#include "io/model_config.h"
#include "model/internvl_model.h"
#include "runtime/forward.h"
#include "runtime/generator.h"

namespace internvl {

struct InternVLForConditionalGeneration::Impl {
  std::unique_ptr<model::InternVLModel> model;
  io::GenerationConfig generation;
};

InternVLForConditionalGeneration::InternVLForConditionalGeneration(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)) {}
InternVLForConditionalGeneration::~InternVLForConditionalGeneration() = default;

Result<std::unique_ptr<InternVLForConditionalGeneration>> InternVLForConditionalGeneration::from_pretrained(
    const std::string& model_dir) {
  auto impl = std::make_unique<Impl>();
  INTERNVL_ASSIGN_OR_RETURN(impl->model, model::InternVLModel::load(model_dir));
  INTERNVL_ASSIGN_OR_RETURN(impl->generation, io::load_generation_config(model_dir, impl->model->config()));
  return std::unique_ptr<InternVLForConditionalGeneration>(new InternVLForConditionalGeneration(std::move(impl)));
}

namespace {

Status check_pixels(const model::InternVLModel& m, const Tensor& px) {
  const auto& v = m.config().vision;
  if (px.dtype() != DType::kF32 || px.ndim() != 4 || px.dim(1) != v.num_channels ||
      px.dim(2) % v.patch_height != 0 || px.dim(3) % v.patch_width != 0 || px.dim(2) <= 0 || px.dim(3) <= 0) {
    return invalid_argument("pixel_values must be f32 [n, ", v.num_channels, ", H, W] with H and W multiples of ",
                            v.patch_height, ", got ", dtype_name(px.dtype()), " ", shape_str(px.shape()));
  }
  return Status();
}

runtime::ForwardInput forward_input(const CausalLMInput& in) {
  runtime::ForwardInput f;
  f.input_ids = in.input_ids;
  f.attention_mask = in.attention_mask;
  f.pixel_values = in.pixel_values;
  f.labels = in.labels;
  f.logits_to_keep = in.logits_to_keep;
  f.output_hidden_states = in.output_hidden_states;
  return f;
}

}  // namespace

Result<VisionModelOutput> InternVLForConditionalGeneration::vision_model(const Tensor& pixel_values,
                                                                         bool output_hidden_states) const {
  INTERNVL_RETURN_IF_ERROR(check_pixels(*impl_->model, pixel_values));
  VisionModelOutput out;
  out.last_hidden_state = impl_->model->vision_model(pixel_values, output_hidden_states ? &out.hidden_states : nullptr);
  return out;
}

Result<Tensor> InternVLForConditionalGeneration::get_image_features(const Tensor& pixel_values,
                                                                    std::optional<int> layer) const {
  INTERNVL_RETURN_IF_ERROR(check_pixels(*impl_->model, pixel_values));
  const auto& v = impl_->model->config().vision;
  if (pixel_values.dim(2) != v.image_height || pixel_values.dim(3) != v.image_width) {
    return invalid_argument("image features need ", v.image_height, "x", v.image_width, " tiles, got ",
                            pixel_values.dim(2), "x", pixel_values.dim(3));
  }
  const int n_states = v.num_layers + 1;
  if (layer && (*layer >= n_states || *layer < -n_states)) {
    return invalid_argument("vision_feature_layer ", *layer, " is out of range for ", v.num_layers, " layers");
  }
  return impl_->model->image_features(pixel_values, layer);
}

Result<CausalLMOutput> InternVLForConditionalGeneration::forward(const CausalLMInput& input) const {
  if (input.pixel_values.numel() > 0) INTERNVL_RETURN_IF_ERROR(check_pixels(*impl_->model, input.pixel_values));
  INTERNVL_ASSIGN_OR_RETURN(runtime::ForwardOutput f, runtime::forward(*impl_->model, forward_input(input)));
  CausalLMOutput out;
  out.logits = std::move(f.logits);
  out.loss = f.loss;
  out.hidden_states = std::move(f.hidden_states);
  out.image_hidden_states = std::move(f.image_hidden_states);
  return out;
}

Result<GenerateOutput> InternVLForConditionalGeneration::generate(const CausalLMInput& input,
                                                                  const GenerateConfig& config) const {
  const auto& m = *impl_->model;
  if (input.pixel_values.numel() > 0) INTERNVL_RETURN_IF_ERROR(check_pixels(m, input.pixel_values));
  if (input.input_ids.empty()) return invalid_argument("generate: input_ids is empty");
  if (!input.attention_mask.empty() && input.attention_mask.size() != input.input_ids.size()) {
    return invalid_argument("generate: attention_mask has ", input.attention_mask.size(), " rows, input_ids ",
                            input.input_ids.size());
  }
  // Rows without their padding; each row's tiles are the next ones in order.
  std::vector<runtime::PromptInput> rows;
  const std::int64_t per_tile = m.config().tokens_per_tile();
  std::int64_t tile0 = 0;
  for (std::size_t r = 0; r < input.input_ids.size(); ++r) {
    runtime::PromptInput row;
    const auto& ids = input.input_ids[r];
    if (!input.attention_mask.empty() && input.attention_mask[r].size() != ids.size()) {
      return invalid_argument("generate: attention_mask row ", r, " has length ", input.attention_mask[r].size(),
                              ", input_ids row has ", ids.size());
    }
    std::int64_t n_img = 0;
    for (std::size_t t = 0; t < ids.size(); ++t) {
      if (!input.attention_mask.empty() && input.attention_mask[r][t] == 0) continue;
      row.ids.push_back(ids[t]);
      n_img += ids[t] == m.config().image_token_id;
    }
    if (n_img % per_tile != 0) {
      return invalid_argument("generate: row ", r, " has ", n_img, " image tokens, not a multiple of ", per_tile);
    }
    const std::int64_t tiles = n_img / per_tile;
    if (tiles > 0) {
      if (tile0 + tiles > input.pixel_values.dim(0)) {
        return invalid_argument("image features and image tokens do not match: rows need at least ", tile0 + tiles,
                                " tiles, pixel_values has ", input.pixel_values.numel() > 0 ? input.pixel_values.dim(0) : 0);
      }
      row.pixel_values = input.pixel_values.slice_rows(tile0, tile0 + tiles);
    }
    tile0 += tiles;
    rows.push_back(std::move(row));
  }
  if (input.pixel_values.numel() > 0 && tile0 != input.pixel_values.dim(0)) {
    return invalid_argument("image features and image tokens do not match: tokens need ", tile0,
                            " tiles, pixel_values has ", input.pixel_values.dim(0));
  }
  runtime::GenerateParams p;
  p.max_new_tokens = config.max_new_tokens;
  p.min_new_tokens = config.min_new_tokens;
  p.top_logprobs = config.top_logprobs;
  p.sampling = {config.do_sample, config.temperature, config.top_k, config.top_p, config.repetition_penalty, config.seed};
  if (config.eos_token_ids.empty()) {
    for (int e : impl_->generation.eos_token_ids) p.eos_ids.push_back(e);
  } else {
    p.eos_ids = config.eos_token_ids;
  }
  INTERNVL_ASSIGN_OR_RETURN(auto res, runtime::generate(m, rows, p));
  GenerateOutput out;
  for (auto& r : res) {
    out.sequences.push_back(r.tokens);
    std::vector<std::vector<std::pair<std::int32_t, float>>> tops;
    for (auto& s : r.steps) tops.push_back(s.top);
    out.top_logprobs.push_back(std::move(tops));
  }
  return out;
}

}  // namespace internvl
