#include "model/random_checkpoint.h"

#include <cmath>
#include <cstring>
#include <filesystem>

#include "core/file.h"
#include "core/half.h"
#include "core/json.h"
#include "core/str.h"
#include "io/safetensors_writer.h"
#include "model/weight_names.h"

#ifndef INTERNVL_DEFAULT_TOKENIZER_DIR
#define INTERNVL_DEFAULT_TOKENIZER_DIR ""
#endif

namespace internvl::model {

namespace {

constexpr float kInitStd = 0.02f;
constexpr float kLayerScale = 0.1f;
constexpr const char* kTokenizerFiles[] = {"tokenizer.json", "tokenizer_config.json",
                                           "chat_template.jinja"};

// ---- deterministic normal values, addressable by element index ----

std::uint64_t mix64(std::uint64_t x) {  // splitmix64 finalizer
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// Inverse of the standard normal CDF (Acklam's rational approximation, |rel err| < 1.2e-9).
double inv_normal_cdf(double p) {
  static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                             1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00};
  static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                             6.680131188771972e+01, -1.328068155288572e+01};
  static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                             -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00};
  static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                             3.754408661907416e+00};
  const double lo = 0.02425;
  if (p < lo) {
    double q = std::sqrt(-2 * std::log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
           ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - lo) return -inv_normal_cdf(1 - p);
  double q = p - 0.5, r = q * q;
  return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
         (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

// 2^16 quantiles of N(0, 1): a 16-bit random index gives a (discretized) normal sample.
const std::vector<float>& normal_table() {
  static const std::vector<float> table = [] {
    std::vector<float> t(1 << 16);
    for (std::size_t k = 0; k < t.size(); ++k) {
      t[k] = static_cast<float>(inv_normal_cdf((static_cast<double>(k) + 0.5) / 65536.0));
    }
    return t;
  }();
  return table;
}

float init_value(TensorInit init, std::uint64_t key, std::uint64_t i, const float* table) {
  switch (init) {
    case TensorInit::kOnes: return 1.0f;
    case TensorInit::kZeros: return 0.0f;
    case TensorInit::kLayerScale: return kLayerScale;
    case TensorInit::kNormal: break;
  }
  std::uint64_t r = mix64(key ^ (i >> 2) * 0xd1342543de82ef95ull);
  return table[(r >> (16 * (i & 3))) & 0xffff] * kInitStd;
}

// Fills bytes [offset, offset + n) of a tensor with values of element type `dtype`.
void fill_bytes(const std::string& dtype, TensorInit init, std::uint64_t key, std::uint64_t offset,
                std::uint8_t* out, std::size_t n) {
  const float* table = normal_table().data();
  const int kind = dtype == "F32" ? 0 : dtype == "BF16" ? 1 : 2;
  const std::size_t elem = kind == 0 ? 4 : 2;
  const std::uint64_t first = offset / elem;
  const std::int64_t count = static_cast<std::int64_t>(n / elem);
#pragma omp parallel for schedule(static) if (count > 65536)
  for (std::int64_t j = 0; j < count; ++j) {
    float v = init_value(init, key, first + static_cast<std::uint64_t>(j), table);
    if (kind == 0) {
      std::memcpy(out + j * 4, &v, 4);
    } else {
      std::uint16_t h = kind == 1 ? f32_to_bf16(v) : f32_to_f16(v);
      std::memcpy(out + j * 2, &h, 2);
    }
  }
}

Json processor_config(const io::ModelConfig& c) {
  const Json mean = {0.48500001430511475, 0.4560000002384186, 0.4059999883174896};
  const Json std_ = {0.2290000021457672, 0.2240000069141388, 0.22499999403953552};
  const Json size = {{"height", c.vision.image_height}, {"width", c.vision.image_width}};
  Json image = {{"crop_to_patches", true}, {"do_convert_rgb", true}, {"do_normalize", true},
                {"do_rescale", true}, {"do_resize", true}, {"image_mean", mean},
                {"image_processor_type", "GotOcr2ImageProcessor"}, {"image_std", std_},
                {"max_patches", 12}, {"min_patches", 1}, {"resample", 3},
                {"rescale_factor", 0.00392156862745098}, {"size", size}};
  Json video = {{"do_convert_rgb", true}, {"do_normalize", true}, {"do_rescale", true},
                {"do_resize", true}, {"do_sample_frames", false}, {"image_mean", mean},
                {"image_std", std_}, {"initial_shift", true}, {"resample", 3},
                {"rescale_factor", 0.00392156862745098}, {"return_metadata", false},
                {"size", size}, {"video_processor_type", "InternVLVideoProcessor"}};
  return {{"image_processor", image}, {"image_seq_length", c.image_seq_length},
          {"processor_class", "InternVLProcessor"}, {"video_processor", video}};
}

Json generation_config(const io::ModelConfig& c) {
  Json g = Json::object();
  if (c.text.bos_token_id) g["bos_token_id"] = *c.text.bos_token_id;
  if (c.text.eos_token_ids.size() == 1) g["eos_token_id"] = c.text.eos_token_ids[0];
  if (c.text.eos_token_ids.size() > 1) g["eos_token_id"] = c.text.eos_token_ids;
  return g;
}

}  // namespace

std::vector<CheckpointTensor> checkpoint_tensors(const io::ModelConfig& mc) {
  using TI = TensorInit;
  std::vector<CheckpointTensor> out;
  auto add = [&](std::string name, std::vector<std::int64_t> shape, TI init = TI::kNormal) {
    out.push_back({std::move(name), std::move(shape), init});
  };
  // ---- vision ----
  const io::VisionConfig& v = mc.vision;
  const std::int64_t d = v.hidden_size, inter = v.intermediate_size;
  const std::string vp = names::kVision;
  const bool ln = v.norm_type == io::NormType::kLayerNorm;
  add(vp + names::kClsToken, {1, 1, d});
  add(vp + names::kPosEmbed, {1, 1 + v.num_patches(), d});
  add(vp + names::kPatchWeight, {d, v.num_channels, v.patch_height, v.patch_width});
  add(vp + names::kPatchBias, {d});
  for (int i = 0; i < v.num_layers; ++i) {
    auto n = [&](const char* leaf, const char* suffix = "") { return vp + names::vision_layer(i, leaf) + suffix; };
    add(n(names::kVNorm1, ".weight"), {d}, TI::kOnes);
    add(n(names::kVNorm2, ".weight"), {d}, TI::kOnes);
    if (ln) {
      add(n(names::kVNorm1, ".bias"), {d}, TI::kZeros);
      add(n(names::kVNorm2, ".bias"), {d}, TI::kZeros);
    }
    for (const char* proj : {names::kVQ, names::kVK, names::kVV}) {
      add(n(proj, ".weight"), {d, d});
      if (v.attention_bias) add(n(proj, ".bias"), {d});
    }
    add(n(names::kVO, ".weight"), {d, d});
    add(n(names::kVO, ".bias"), {d});
    if (v.use_qk_norm) {
      add(n(names::kVQNorm), {d}, TI::kOnes);
      add(n(names::kVKNorm), {d}, TI::kOnes);
    }
    add(n(names::kVFc1, ".weight"), {inter, d});
    add(n(names::kVFc1, ".bias"), {inter});
    add(n(names::kVFc2, ".weight"), {d, inter});
    add(n(names::kVFc2, ".bias"), {d});
    add(n(names::kVLambda1), {d}, TI::kLayerScale);
    add(n(names::kVLambda2), {d}, TI::kLayerScale);
  }
  if (!v.use_mean_pooling) {
    add(vp + names::kVisionFinalNormWeight, {d}, TI::kOnes);
    if (ln) add(vp + names::kVisionFinalNormBias, {d}, TI::kZeros);
  }
  // ---- projector ----
  const double s = 1.0 / mc.downsample_ratio;
  const std::int64_t pin = static_cast<std::int64_t>(v.hidden_size * s * s + 0.5);
  const io::TextConfig& t = mc.text;
  const std::int64_t h = t.hidden_size;
  const std::string pp = names::kProjector;
  add(pp + names::kProjNorm + ".weight", {pin}, TI::kOnes);
  add(pp + names::kProjNorm + ".bias", {pin}, TI::kZeros);
  add(pp + names::kProjFc1 + ".weight", {h, pin});
  add(pp + names::kProjFc1 + ".bias", {h});
  add(pp + names::kProjFc2 + ".weight", {h, h});
  add(pp + names::kProjFc2 + ".bias", {h});
  // ---- language model ----
  const std::string tp = names::kText;
  const std::int64_t q_out = static_cast<std::int64_t>(t.num_heads) * t.head_dim;
  const std::int64_t kv_out = static_cast<std::int64_t>(t.num_kv_heads) * t.head_dim;
  add(tp + names::kEmbed, {t.vocab_size, h});
  for (int i = 0; i < t.num_layers; ++i) {
    auto n = [&](const char* leaf, const char* suffix = "") { return tp + names::text_layer(i, leaf) + suffix; };
    add(n(names::kTNorm1), {h}, TI::kOnes);
    add(n(names::kTNorm2), {h}, TI::kOnes);
    add(n(names::kTQ, ".weight"), {q_out, h});
    if (t.qkv_bias) add(n(names::kTQ, ".bias"), {q_out});
    add(n(names::kTK, ".weight"), {kv_out, h});
    if (t.qkv_bias) add(n(names::kTK, ".bias"), {kv_out});
    add(n(names::kTV, ".weight"), {kv_out, h});
    if (t.qkv_bias) add(n(names::kTV, ".bias"), {kv_out});
    add(n(names::kTO, ".weight"), {h, q_out});
    if (t.o_bias) add(n(names::kTO, ".bias"), {h});
    if (t.qk_norm) {
      add(n(names::kTQNorm), {t.head_dim}, TI::kOnes);
      add(n(names::kTKNorm), {t.head_dim}, TI::kOnes);
    }
    add(n(names::kTGate, ".weight"), {t.intermediate_size, h});
    add(n(names::kTUp, ".weight"), {t.intermediate_size, h});
    add(n(names::kTDown, ".weight"), {h, t.intermediate_size});
  }
  add(tp + names::kFinalNorm, {h}, TI::kOnes);
  if (!(mc.tie_word_embeddings && t.tie_word_embeddings)) {
    add(std::string(names::kLmHead) + ".weight", {t.vocab_size, h});
  }
  return out;
}

Status make_random_checkpoint(const std::string& config_path, const std::string& out_dir,
                              const RandomCheckpointOptions& options) {
  std::string st_dtype;
  if (options.dtype == "bf16") st_dtype = "BF16";
  if (options.dtype == "f16") st_dtype = "F16";
  if (options.dtype == "f32") st_dtype = "F32";
  if (st_dtype.empty()) {
    return invalid_argument("[make_random_checkpoint] dtype '", options.dtype,
                            "' is not one of bf16, f16, f32");
  }
  INTERNVL_ASSIGN_OR_RETURN(std::string config_text, read_file(config_path));
  INTERNVL_ASSIGN_OR_RETURN(Json config_json, parse_json(config_text, config_path));
  INTERNVL_ASSIGN_OR_RETURN(io::ModelConfig config, io::parse_model_config(config_json, config_path));
  const std::string tok_dir = options.tokenizer_dir.empty() ? INTERNVL_DEFAULT_TOKENIZER_DIR : options.tokenizer_dir;
  std::uint64_t extra = 1 << 20;
  for (const char* f : kTokenizerFiles) {
    std::string p = path_join(tok_dir, f);
    std::error_code ec;
    auto n = std::filesystem::file_size(p, ec);
    if (ec) return not_found("[make_random_checkpoint] tokenizer file '", p, "' is missing (set tokenizer_dir)");
    extra += n;
  }

  std::vector<CheckpointTensor> tensors = checkpoint_tensors(config);
  std::vector<io::TensorWriteSpec> specs;
  specs.reserve(tensors.size());
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    io::TensorWriteSpec spec;
    spec.name = tensors[i].name;
    spec.dtype = st_dtype;
    spec.shape = tensors[i].shape;
    const TensorInit init = tensors[i].init;
    const std::uint64_t key = mix64(options.seed * 0x100000001b3ull + i + 1);
    spec.fill = [st_dtype, init, key](std::uint64_t off, std::uint8_t* out, std::size_t n) {
      fill_bytes(st_dtype, init, key, off, out, n);
    };
    specs.push_back(std::move(spec));
  }

  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec || !is_directory(out_dir)) {
    return io_error("[make_random_checkpoint] cannot create '", out_dir, "': ", ec.message());
  }
  INTERNVL_RETURN_IF_ERROR(io::check_free_disk(out_dir, io::safetensors_bytes(specs) + extra,
                                               "[make_random_checkpoint] the checkpoint"));
  INTERNVL_RETURN_IF_ERROR(write_file(path_join(out_dir, "config.json"), config_text));
  INTERNVL_RETURN_IF_ERROR(write_file(path_join(out_dir, "processor_config.json"),
                                      dump_json(processor_config(config), 2) + "\n"));
  INTERNVL_RETURN_IF_ERROR(write_file(path_join(out_dir, "generation_config.json"),
                                      dump_json(generation_config(config), 2) + "\n"));
  for (const char* f : kTokenizerFiles) {
    INTERNVL_ASSIGN_OR_RETURN(std::string bytes, read_file(path_join(tok_dir, f)));
    INTERNVL_RETURN_IF_ERROR(write_file(path_join(out_dir, f), bytes));
  }
  io::SafetensorsWriteOptions wo;
  wo.max_shard_bytes = options.max_shard_bytes;
  wo.metadata["format"] = "pt";
  return io::write_safetensors(out_dir, specs, wo).with_context("[make_random_checkpoint]");
}

}  // namespace internvl::model
