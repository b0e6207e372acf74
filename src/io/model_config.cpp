#include "io/model_config.h"

#include <cmath>
#include <limits>

#include "core/file.h"
#include "core/str.h"

namespace internvl::io {

namespace {

// Reads an int or a [h, w] pair.
Status read_pair(const Json& obj, std::string_view key, int* h, int* w, std::string_view what) {
  if (!json_has(obj, key)) return Status();
  const Json& v = obj.find(key).value();
  if (v.is_number_integer()) {
    *h = *w = v.get<int>();
    return Status();
  }
  if (v.is_array() && v.size() == 2 && v[0].is_number_integer() && v[1].is_number_integer()) {
    *h = v[0].get<int>();
    *w = v[1].get<int>();
    return Status();
  }
  return invalid_argument(what, ": '", key, "' must be an integer or [height, width], got ", dump_json(v));
}

Result<std::vector<int>> read_ids(const Json& obj, std::string_view key, std::string_view what) {
  std::vector<int> out;
  if (!json_has(obj, key)) return out;
  const Json& v = obj.find(key).value();
  if (v.is_number_integer()) {
    out.push_back(v.get<int>());
    return out;
  }
  if (v.is_array()) {
    for (const auto& x : v) {
      if (!x.is_number_integer()) break;
      out.push_back(x.get<int>());
    }
    if (out.size() == v.size()) return out;
  }
  return invalid_argument(what, ": '", key, "' must be an integer or a list of integers, got ", dump_json(v));
}

Result<std::optional<int>> read_opt_int(const Json& obj, std::string_view key, std::string_view what) {
  if (!json_has(obj, key)) return std::optional<int>();
  INTERNVL_ASSIGN_OR_RETURN(std::int64_t v, json_int(obj, key, 0, what));
  return std::optional<int>(static_cast<int>(v));
}

// Sizes are held as int; products of them are computed in int64, so each must fit 31 bits.
Status require_positive(std::string_view what, std::string_view key, std::int64_t v) {
  if (v <= 0) return invalid_argument(what, ": '", key, "' must be positive, got ", v);
  if (v > std::numeric_limits<std::int32_t>::max()) {
    return invalid_argument(what, ": '", key, "' is too large (", v, ")");
  }
  return Status();
}

Result<VisionConfig> parse_vision(const Json& v, std::string_view what) {
  VisionConfig c;
  std::string w = str_cat(what, " vision_config");
  INTERNVL_ASSIGN_OR_RETURN(std::string mt, json_string(v, "model_type", "internvl_vision", w));
  if (mt != "internvl_vision") {
    return unsupported(w, ": model_type '", mt, "' is not supported (expected 'internvl_vision')");
  }
  INTERNVL_ASSIGN_OR_RETURN(auto hidden, json_int(v, "hidden_size", c.hidden_size, w));
  INTERNVL_ASSIGN_OR_RETURN(auto layers, json_int(v, "num_hidden_layers", c.num_layers, w));
  INTERNVL_ASSIGN_OR_RETURN(auto heads, json_int(v, "num_attention_heads", c.num_heads, w));
  INTERNVL_ASSIGN_OR_RETURN(auto inter, json_int(v, "intermediate_size", c.intermediate_size, w));
  INTERNVL_ASSIGN_OR_RETURN(auto channels, json_int(v, "num_channels", c.num_channels, w));
  INTERNVL_ASSIGN_OR_RETURN(c.attention_bias, json_bool(v, "attention_bias", false, w));
  INTERNVL_ASSIGN_OR_RETURN(c.use_qk_norm, json_bool(v, "use_qk_norm", false, w));
  INTERNVL_ASSIGN_OR_RETURN(c.use_mean_pooling, json_bool(v, "use_mean_pooling", true, w));
  INTERNVL_ASSIGN_OR_RETURN(c.norm_eps, json_number(v, "layer_norm_eps", 1e-6, w));
  INTERNVL_ASSIGN_OR_RETURN(std::string norm, json_string(v, "norm_type", "layer_norm", w));
  INTERNVL_ASSIGN_OR_RETURN(std::string act, json_string(v, "hidden_act", "gelu", w));
  INTERNVL_ASSIGN_OR_RETURN(bool abs_pos, json_bool(v, "use_absolute_position_embeddings", true, w));
  INTERNVL_RETURN_IF_ERROR(read_pair(v, "image_size", &c.image_height, &c.image_width, w));
  INTERNVL_RETURN_IF_ERROR(read_pair(v, "patch_size", &c.patch_height, &c.patch_width, w));
  c.hidden_size = static_cast<int>(hidden);
  c.num_layers = static_cast<int>(layers);
  c.num_heads = static_cast<int>(heads);
  c.intermediate_size = static_cast<int>(inter);
  c.num_channels = static_cast<int>(channels);
  INTERNVL_RETURN_IF_ERROR(require_positive(w, "hidden_size", hidden));
  INTERNVL_RETURN_IF_ERROR(require_positive(w, "num_hidden_layers", layers));
  INTERNVL_RETURN_IF_ERROR(require_positive(w, "num_attention_heads", heads));
  INTERNVL_RETURN_IF_ERROR(require_positive(w, "intermediate_size", inter));
  INTERNVL_RETURN_IF_ERROR(require_positive(w, "patch_size", std::min(c.patch_height, c.patch_width)));
  INTERNVL_RETURN_IF_ERROR(require_positive(w, "image_size", std::min(c.image_height, c.image_width)));
  if (c.hidden_size % c.num_heads != 0) {
    return invalid_argument(w, ": hidden_size ", c.hidden_size, " is not divisible by num_attention_heads ", c.num_heads);
  }
  if (norm == "layer_norm") {
    c.norm_type = NormType::kLayerNorm;
  } else if (norm == "rms_norm") {
    c.norm_type = NormType::kRmsNorm;
  } else {
    return unsupported(w, ": norm_type '", norm, "' is not supported (layer_norm, rms_norm)");
  }
  if (act != "gelu") return unsupported(w, ": hidden_act '", act, "' is not supported (gelu)");
  if (!abs_pos) {
    return unsupported(w, ": use_absolute_position_embeddings false is not supported");
  }
  if (c.image_height % c.patch_height || c.image_width % c.patch_width) {
    return invalid_argument(w, ": image_size ", c.image_height, "x", c.image_width,
                            " is not a multiple of patch_size ", c.patch_height, "x", c.patch_width);
  }
  return c;
}

Result<RopeConfig> parse_rope(const Json& t, std::string_view w) {
  RopeConfig r;
  // 5.x: rope_parameters {rope_theta, rope_type, factor}; 4.5x: rope_theta + rope_scaling.
  const Json* params = nullptr;
  if (json_has(t, "rope_parameters")) {
    params = &t.find("rope_parameters").value();
  } else if (json_has(t, "rope_scaling")) {
    params = &t.find("rope_scaling").value();
  }
  if (params && !params->is_object()) {
    return invalid_argument(w, ": rope_parameters/rope_scaling must be an object, got ", dump_json(*params));
  }
  INTERNVL_ASSIGN_OR_RETURN(r.theta, json_number(t, "rope_theta", 10000.0, w));
  if (params) {
    INTERNVL_ASSIGN_OR_RETURN(r.theta, json_number(*params, "rope_theta", r.theta, w));
    INTERNVL_ASSIGN_OR_RETURN(std::string type, json_string(*params, "type", "default", w));
    INTERNVL_ASSIGN_OR_RETURN(type, json_string(*params, "rope_type", type, w));
    INTERNVL_ASSIGN_OR_RETURN(r.factor, json_number(*params, "factor", 1.0, w));
    if (type == "default") {
      r.type = RopeType::kDefault;
    } else if (type == "dynamic") {
      r.type = RopeType::kDynamic;
    } else if (type == "linear") {
      r.type = RopeType::kLinear;
    } else {
      return unsupported(w, ": rope type '", type, "' is not supported (default, dynamic, linear)");
    }
    if (json_has(*params, "original_max_position_embeddings")) {
      return unsupported(w, ": rope 'original_max_position_embeddings' is not supported");
    }
    if (r.type != RopeType::kDefault && !(r.factor >= 1.0)) {
      return invalid_argument(w, ": rope factor must be >= 1, got ", r.factor);
    }
  }
  if (!(r.theta > 0)) return invalid_argument(w, ": rope_theta must be positive, got ", r.theta);
  return r;
}

Result<TextConfig> parse_text(const Json& t, std::string_view what) {
  TextConfig c;
  std::string w = str_cat(what, " text_config");
  INTERNVL_ASSIGN_OR_RETURN(c.model_type, json_string(t, "model_type", "qwen2", w));
  if (c.model_type == "qwen2") {
    c.arch = TextArch::kQwen2;
  } else if (c.model_type == "qwen3") {
    c.arch = TextArch::kQwen3;
  } else {
    return unsupported(w, ": language model type '", c.model_type,
                       "' is not supported (supported: qwen2, qwen3)");
  }
  INTERNVL_ASSIGN_OR_RETURN(auto hidden, json_int(t, "hidden_size", 0, w));
  INTERNVL_ASSIGN_OR_RETURN(auto layers, json_int(t, "num_hidden_layers", 0, w));
  INTERNVL_ASSIGN_OR_RETURN(auto heads, json_int(t, "num_attention_heads", 0, w));
  INTERNVL_ASSIGN_OR_RETURN(auto kv, json_int(t, "num_key_value_heads", heads, w));
  INTERNVL_ASSIGN_OR_RETURN(auto inter, json_int(t, "intermediate_size", 0, w));
  INTERNVL_ASSIGN_OR_RETURN(auto vocab, json_int(t, "vocab_size", 0, w));
  INTERNVL_ASSIGN_OR_RETURN(auto maxpos, json_int(t, "max_position_embeddings", 32768, w));
  INTERNVL_ASSIGN_OR_RETURN(c.rms_norm_eps, json_number(t, "rms_norm_eps", 1e-6, w));
  INTERNVL_ASSIGN_OR_RETURN(c.tie_word_embeddings, json_bool(t, "tie_word_embeddings", false, w));
  INTERNVL_ASSIGN_OR_RETURN(std::string act, json_string(t, "hidden_act", "silu", w));
  INTERNVL_ASSIGN_OR_RETURN(bool sliding, json_bool(t, "use_sliding_window", false, w));
  INTERNVL_ASSIGN_OR_RETURN(c.rope, parse_rope(t, w));
  INTERNVL_ASSIGN_OR_RETURN(c.eos_token_ids, read_ids(t, "eos_token_id", w));
  INTERNVL_ASSIGN_OR_RETURN(c.bos_token_id, read_opt_int(t, "bos_token_id", w));
  INTERNVL_ASSIGN_OR_RETURN(c.pad_token_id, read_opt_int(t, "pad_token_id", w));
  c.hidden_size = static_cast<int>(hidden);
  c.num_layers = static_cast<int>(layers);
  c.num_heads = static_cast<int>(heads);
  c.num_kv_heads = static_cast<int>(kv);
  c.intermediate_size = static_cast<int>(inter);
  c.vocab_size = static_cast<int>(vocab);
  c.max_position_embeddings = static_cast<int>(maxpos);
  for (auto [key, val] : {std::pair<const char*, std::int64_t>{"hidden_size", hidden},
                          {"num_hidden_layers", layers}, {"num_attention_heads", heads},
                          {"num_key_value_heads", kv}, {"intermediate_size", inter},
                          {"vocab_size", vocab}, {"max_position_embeddings", maxpos}}) {
    INTERNVL_RETURN_IF_ERROR(require_positive(w, key, val));
  }
  INTERNVL_ASSIGN_OR_RETURN(auto hd, json_int(t, "head_dim", c.hidden_size / c.num_heads, w));
  c.head_dim = static_cast<int>(hd);
  INTERNVL_RETURN_IF_ERROR(require_positive(w, "head_dim", c.head_dim));
  if (c.arch == TextArch::kQwen2 && c.hidden_size % c.num_heads != 0) {
    return invalid_argument(w, ": hidden_size ", c.hidden_size, " is not divisible by num_attention_heads ", c.num_heads);
  }
  if (c.num_heads % c.num_kv_heads != 0) {
    return invalid_argument(w, ": num_attention_heads ", c.num_heads,
                            " is not a multiple of num_key_value_heads ", c.num_kv_heads);
  }
  if (c.head_dim % 2 != 0) return invalid_argument(w, ": head_dim ", c.head_dim, " must be even for RoPE");
  if (act != "silu") return unsupported(w, ": hidden_act '", act, "' is not supported (silu)");
  if (sliding) return unsupported(w, ": use_sliding_window true is not supported");
  if (json_has(t, "layer_types")) {
    for (const auto& lt : t["layer_types"]) {
      if (!lt.is_string() || lt.get<std::string>() != "full_attention") {
        return unsupported(w, ": layer type ", dump_json(lt), " is not supported (full_attention)");
      }
    }
  }
  if (c.arch == TextArch::kQwen3) {
    INTERNVL_ASSIGN_OR_RETURN(bool bias, json_bool(t, "attention_bias", false, w));
    c.qkv_bias = c.o_bias = bias;
    c.qk_norm = true;
  }
  return c;
}

}  // namespace

int ModelConfig::tokens_per_tile() const {
  double side = static_cast<double>(vision.image_height / vision.patch_height) * downsample_ratio;
  return static_cast<int>(std::lround(side * side));
}

Result<ModelConfig> parse_model_config(const Json& j, std::string_view what) {
  if (!j.is_object()) return corrupt(what, " is not a JSON object");
  ModelConfig c;
  INTERNVL_ASSIGN_OR_RETURN(std::string mt, json_string(j, "model_type", "", what));
  if (mt == "internvl_chat") {
    return unsupported(what, ": model_type 'internvl_chat' is the original OpenGVLab layout; "
                       "use the Transformers checkpoint (e.g. OpenGVLab/InternVL3-1B-hf)");
  }
  if (mt != "internvl") {
    return unsupported(what, ": model_type '", mt, "' is not supported (expected 'internvl')");
  }
  if (!json_has(j, "vision_config") || !j["vision_config"].is_object()) {
    return invalid_argument(what, ": 'vision_config' is missing");
  }
  if (!json_has(j, "text_config") || !j["text_config"].is_object()) {
    return invalid_argument(what, ": 'text_config' is missing");
  }
  INTERNVL_ASSIGN_OR_RETURN(c.vision, parse_vision(j["vision_config"], what));
  INTERNVL_ASSIGN_OR_RETURN(c.text, parse_text(j["text_config"], what));
  INTERNVL_ASSIGN_OR_RETURN(auto itid, json_int(j, "image_token_id", 151667, what));
  INTERNVL_ASSIGN_OR_RETURN(auto seq, json_int(j, "image_seq_length", 256, what));
  INTERNVL_ASSIGN_OR_RETURN(c.downsample_ratio, json_number(j, "downsample_ratio", 0.5, what));
  INTERNVL_ASSIGN_OR_RETURN(std::string pact, json_string(j, "projector_hidden_act", "gelu", what));
  INTERNVL_ASSIGN_OR_RETURN(std::string strategy, json_string(j, "vision_feature_select_strategy", "default", what));
  INTERNVL_ASSIGN_OR_RETURN(c.tie_word_embeddings, json_bool(j, "tie_word_embeddings", true, what));
  INTERNVL_ASSIGN_OR_RETURN(c.transformers_version, json_string(j, "transformers_version", "", what));
  INTERNVL_ASSIGN_OR_RETURN(c.dtype, json_string(j, "torch_dtype", "bfloat16", what));
  INTERNVL_ASSIGN_OR_RETURN(c.dtype, json_string(j, "dtype", c.dtype, what));
  c.image_token_id = static_cast<int>(itid);
  c.image_seq_length = static_cast<int>(seq);
  if (json_has(j, "vision_feature_layer")) {
    const Json& l = j["vision_feature_layer"];
    if (!l.is_number_integer()) {
      return unsupported(what, ": vision_feature_layer ", dump_json(l),
                         " is not supported: only a single integer layer works with the InternVL "
                         "projector (its input width is fixed to 4 x vision hidden size)");
    }
    c.vision_feature_layer = l.get<int>();
  }
  int n_states = c.vision.num_layers + 1;  // embeddings + every layer
  if (c.vision_feature_layer >= n_states || c.vision_feature_layer < -n_states) {
    return invalid_argument(what, ": vision_feature_layer ", c.vision_feature_layer,
                            " is out of range for ", c.vision.num_layers, " vision layers");
  }
  if (strategy != "default") {
    return unsupported(what, ": vision_feature_select_strategy '", strategy,
                       "' is not supported: 'full' keeps the CLS token and cannot form the square "
                       "patch grid the pixel shuffle needs; use 'default'");
  }
  if (pact != "gelu") return unsupported(what, ": projector_hidden_act '", pact, "' is not supported (gelu)");
  double inv = 1.0 / c.downsample_ratio;
  int grid_h = c.vision.image_height / c.vision.patch_height;
  int grid_w = c.vision.image_width / c.vision.patch_width;
  if (!(c.downsample_ratio > 0) || std::fabs(inv - std::round(inv)) > 1e-9 || grid_h != grid_w ||
      grid_h % static_cast<int>(std::lround(inv)) != 0) {
    return unsupported(what, ": downsample_ratio ", c.downsample_ratio, " with a ", grid_h, "x",
                       grid_w, " patch grid is not supported (needs a square grid divisible by 1/ratio)");
  }
  if (c.image_seq_length != c.tokens_per_tile()) {
    return invalid_argument(what, ": image_seq_length ", c.image_seq_length, " does not match ",
                            c.tokens_per_tile(), " projected tokens per tile");
  }
  if (c.image_token_id < 0 || c.image_token_id >= c.text.vocab_size) {
    return invalid_argument(what, ": image_token_id ", c.image_token_id,
                            " is outside the vocabulary of ", c.text.vocab_size);
  }
  return c;
}

Result<ModelConfig> load_model_config(const std::string& dir) {
  std::string path = path_join(dir, "config.json");
  if (!file_exists(path)) {
    if (!is_directory(dir)) return not_found("model directory '", dir, "' does not exist");
    return not_found("'", path, "' is missing (not a model directory?)");
  }
  INTERNVL_ASSIGN_OR_RETURN(Json j, load_json_file(path));
  return parse_model_config(j, "'" + path + "'");
}

Result<GenerationConfig> load_generation_config(const std::string& dir, const ModelConfig& model) {
  GenerationConfig g;
  g.eos_token_ids = model.text.eos_token_ids;
  g.bos_token_id = model.text.bos_token_id;
  g.pad_token_id = model.text.pad_token_id;
  std::string path = path_join(dir, "generation_config.json");
  if (!file_exists(path)) return g;
  INTERNVL_ASSIGN_OR_RETURN(Json j, load_json_file(path));
  std::string w = "'" + path + "'";
  if (!j.is_object()) return corrupt(w, " is not a JSON object");
  INTERNVL_ASSIGN_OR_RETURN(auto eos, read_ids(j, "eos_token_id", w));
  if (!eos.empty()) g.eos_token_ids = eos;
  INTERNVL_ASSIGN_OR_RETURN(auto bos, read_opt_int(j, "bos_token_id", w));
  if (bos) g.bos_token_id = bos;
  INTERNVL_ASSIGN_OR_RETURN(auto pad, read_opt_int(j, "pad_token_id", w));
  if (pad) g.pad_token_id = pad;
  INTERNVL_ASSIGN_OR_RETURN(g.do_sample, json_bool(j, "do_sample", false, w));
  INTERNVL_ASSIGN_OR_RETURN(g.temperature, json_number(j, "temperature", 1.0, w));
  INTERNVL_ASSIGN_OR_RETURN(auto top_k, json_int(j, "top_k", 50, w));
  g.top_k = static_cast<int>(top_k);
  INTERNVL_ASSIGN_OR_RETURN(g.top_p, json_number(j, "top_p", 1.0, w));
  INTERNVL_ASSIGN_OR_RETURN(g.repetition_penalty, json_number(j, "repetition_penalty", 1.0, w));
  INTERNVL_ASSIGN_OR_RETURN(g.max_new_tokens, read_opt_int(j, "max_new_tokens", w));
  INTERNVL_ASSIGN_OR_RETURN(g.max_length, read_opt_int(j, "max_length", w));
  return g;
}

}  // namespace internvl::io
