#include "preprocess/processor_config.h"

#include <cmath>
#include <limits>

#include "core/file.h"
#include "core/str.h"
#include "preprocess/tiling.h"

namespace internvl::preprocess {
namespace {

constexpr const char* kProcessorFile = "processor_config.json";
constexpr const char* kImageFile = "preprocessor_config.json";
constexpr const char* kVideoFile = "video_preprocessor_config.json";

Status bad_value(std::string_view what, std::string_view key, const Json& v,
                 std::string_view need) {
  return invalid_argument(what, ": '", key, "' ", need, ", got ", dump_json(v));
}

// An int field that must lie in [lo, hi].
Result<int> int_in_range(const Json& obj, std::string_view key, int def, int lo, int hi,
                         std::string_view what) {
  INTERNVL_ASSIGN_OR_RETURN(std::int64_t v, json_int(obj, key, def, what));
  if (v < lo || v > hi) {
    return bad_value(what, key, obj.find(key).value(), str_cat("must be in [", lo, ", ", hi, "]"));
  }
  return static_cast<int>(v);
}

// `size`: {"height": h, "width": w} or one integer (square), as get_size_dict accepts.
Status parse_size(const Json& obj, std::string_view what, PixelConfig& px) {
  if (!json_has(obj, "size")) return Status::ok_status();
  const Json& size = obj.find("size").value();
  constexpr int kMaxSide = 1 << 14;
  if (size.is_number_integer()) {
    INTERNVL_ASSIGN_OR_RETURN(int side, int_in_range(obj, "size", 0, 1, kMaxSide, what));
    px.height = px.width = side;
    return Status::ok_status();
  }
  if (!size.is_object() || !json_has(size, "height") || !json_has(size, "width")) {
    return unsupported(what,
                       ": 'size' must be {\"height\": h, \"width\": w} (GotOcr2 resizes to "
                       "a fixed size), got ",
                       dump_json(size));
  }
  std::string sub = str_cat(what, " size");
  INTERNVL_ASSIGN_OR_RETURN(px.height, int_in_range(size, "height", 0, 1, kMaxSide, sub));
  INTERNVL_ASSIGN_OR_RETURN(px.width, int_in_range(size, "width", 0, 1, kMaxSide, sub));
  return Status::ok_status();
}

// `image_mean` / `image_std`: three numbers, or one number used for every channel.
Status parse_triplet(const Json& obj, std::string_view key, std::string_view what, bool nonzero,
                     std::array<double, 3>& out) {
  if (!json_has(obj, key)) return Status::ok_status();
  const Json& v = obj.find(key).value();
  std::array<double, 3> vals{};
  if (v.is_number()) {
    vals.fill(v.get<double>());
  } else if (v.is_array() && (v.size() == 3 || v.size() == 1)) {
    for (std::size_t c = 0; c < 3; ++c) {
      const Json& e = v[v.size() == 1 ? 0 : c];
      if (!e.is_number()) return bad_value(what, key, v, "must hold numbers");
      vals[c] = e.get<double>();
    }
  } else {
    return bad_value(what, key, v, "must be a number or a list of 3 numbers");
  }
  for (double d : vals) {
    if (!std::isfinite(d) || (nonzero && static_cast<float>(d) == 0.0f)) {
      return bad_value(what, key, v, nonzero ? "must be finite and non-zero" : "must be finite");
    }
  }
  out = vals;
  return Status::ok_status();
}

Status parse_pixels(const Json& obj, std::string_view what, PixelConfig& px) {
  INTERNVL_RETURN_IF_ERROR(parse_size(obj, what, px));
  INTERNVL_ASSIGN_OR_RETURN(px.do_resize, json_bool(obj, "do_resize", px.do_resize, what));
  INTERNVL_ASSIGN_OR_RETURN(px.resample, int_in_range(obj, "resample", px.resample, 0, 5, what));
  if (px.resample != kResampleBicubic) {
    return unsupported(what, ": 'resample' ", px.resample,
                       " is not implemented (only 3 = bicubic, which every InternVL checkpoint "
                       "uses)");
  }
  INTERNVL_ASSIGN_OR_RETURN(px.do_rescale, json_bool(obj, "do_rescale", px.do_rescale, what));
  INTERNVL_ASSIGN_OR_RETURN(px.rescale_factor,
                            json_number(obj, "rescale_factor", px.rescale_factor, what));
  if (!std::isfinite(px.rescale_factor) || px.rescale_factor <= 0 ||
      !std::isfinite(1.0 / px.rescale_factor)) {
    return bad_value(what, "rescale_factor", obj.find("rescale_factor").value(),
                     "must be a positive number");
  }
  INTERNVL_ASSIGN_OR_RETURN(px.do_normalize, json_bool(obj, "do_normalize", px.do_normalize, what));
  INTERNVL_RETURN_IF_ERROR(parse_triplet(obj, "image_mean", what, false, px.image_mean));
  INTERNVL_RETURN_IF_ERROR(parse_triplet(obj, "image_std", what, true, px.image_std));
  INTERNVL_ASSIGN_OR_RETURN(px.do_convert_rgb,
                            json_bool(obj, "do_convert_rgb", px.do_convert_rgb, what));
  return Status::ok_status();
}

Status require_object(const Json& obj, std::string_view what) {
  if (!obj.is_object()) {
    return invalid_argument(what, ": expected a JSON object, got ", dump_json(obj));
  }
  return Status::ok_status();
}

Result<Json> load_object(const std::string& path) {
  INTERNVL_ASSIGN_OR_RETURN(Json j, load_json_file(path));
  INTERNVL_RETURN_IF_ERROR(require_object(j, str_cat("'", path, "'")));
  return j;
}

}  // namespace

Result<ImageProcessorConfig> parse_image_processor_config(const Json& obj, std::string_view what) {
  INTERNVL_RETURN_IF_ERROR(require_object(obj, what));
  ImageProcessorConfig cfg;
  INTERNVL_RETURN_IF_ERROR(parse_pixels(obj, what, cfg.pixels));
  INTERNVL_ASSIGN_OR_RETURN(cfg.crop_to_patches,
                            json_bool(obj, "crop_to_patches", cfg.crop_to_patches, what));
  INTERNVL_ASSIGN_OR_RETURN(
      cfg.min_patches, int_in_range(obj, "min_patches", cfg.min_patches, 1, kMaxTilesLimit, what));
  INTERNVL_ASSIGN_OR_RETURN(
      cfg.max_patches, int_in_range(obj, "max_patches", cfg.max_patches, 1, kMaxTilesLimit, what));
  if (cfg.max_patches < cfg.min_patches) {
    return invalid_argument(what, ": 'max_patches' (", cfg.max_patches,
                            ") is smaller than 'min_patches' (", cfg.min_patches, ")");
  }
  return cfg;
}

Result<VideoProcessorConfig> parse_video_processor_config(const Json& obj, std::string_view what) {
  INTERNVL_RETURN_IF_ERROR(require_object(obj, what));
  VideoProcessorConfig cfg;
  INTERNVL_RETURN_IF_ERROR(parse_pixels(obj, what, cfg.pixels));
  INTERNVL_ASSIGN_OR_RETURN(cfg.do_sample_frames,
                            json_bool(obj, "do_sample_frames", cfg.do_sample_frames, what));
  if (json_has(obj, "initial_shift")) {
    const Json& v = obj.find("initial_shift").value();
    if (v.is_boolean()) {
      // Python: `initial_shift is True` -> half a step; False is used as the number 0.
      cfg.initial_shift = v.get<bool>() ? InitialShift{} : InitialShift{false, 0.0};
    } else if (v.is_number() && std::isfinite(v.get<double>())) {
      cfg.initial_shift = InitialShift{false, v.get<double>()};
    } else {
      return bad_value(what, "initial_shift", v, "must be true/false or a number");
    }
  }
  if (json_has(obj, "num_frames")) {
    INTERNVL_ASSIGN_OR_RETURN(cfg.num_frames, int_in_range(obj, "num_frames", 1, 1,
                                                           std::numeric_limits<int>::max(), what));
  }
  if (json_has(obj, "fps")) {
    INTERNVL_ASSIGN_OR_RETURN(double fps, json_number(obj, "fps", 0, what));
    if (!(fps > 0) || !std::isfinite(fps)) {
      return bad_value(what, "fps", obj.find("fps").value(), "must be a positive number");
    }
    cfg.fps = fps;
  }
  return cfg;
}

Result<ProcessorConfig> load_processor_config(const std::string& model_dir) {
  ProcessorConfig cfg;
  const std::string processor_path = path_join(model_dir, kProcessorFile);
  const std::string image_path = path_join(model_dir, kImageFile);
  const std::string video_path = path_join(model_dir, kVideoFile);

  Json processor;  // stays null when the file is absent
  if (file_exists(processor_path)) {
    INTERNVL_ASSIGN_OR_RETURN(processor, load_object(processor_path));
    const std::string what = str_cat("'", processor_path, "'");
    INTERNVL_ASSIGN_OR_RETURN(
        cfg.image_seq_length,
        int_in_range(processor, "image_seq_length", cfg.image_seq_length, 1, 1 << 20, what));
  }

  // Image processor: the nested Transformers 5 key wins, else preprocessor_config.json.
  Json image_json;
  std::string image_what;
  if (json_has(processor, "image_processor")) {
    image_json = processor.find("image_processor").value();
    image_what = str_cat("'", processor_path, "' image_processor");
  } else if (file_exists(image_path)) {
    INTERNVL_ASSIGN_OR_RETURN(image_json, load_object(image_path));
    image_what = str_cat("'", image_path, "'");
  } else {
    return not_found("[load_processor_config] no image processor settings in '", model_dir,
                     "': expected '", kProcessorFile, "' with an 'image_processor' key or '",
                     kImageFile, "'");
  }
  INTERNVL_ASSIGN_OR_RETURN(cfg.image, parse_image_processor_config(image_json, image_what));

  // Video processor: nested key, else its own file, else the image settings (HF's fallback).
  if (json_has(processor, "video_processor")) {
    INTERNVL_ASSIGN_OR_RETURN(
        cfg.video, parse_video_processor_config(processor.find("video_processor").value(),
                                                str_cat("'", processor_path, "' video_processor")));
  } else if (file_exists(video_path)) {
    INTERNVL_ASSIGN_OR_RETURN(Json video_json, load_object(video_path));
    INTERNVL_ASSIGN_OR_RETURN(
        cfg.video, parse_video_processor_config(video_json, str_cat("'", video_path, "'")));
  } else {
    INTERNVL_ASSIGN_OR_RETURN(cfg.video, parse_video_processor_config(image_json, image_what));
  }
  return cfg;
}

}  // namespace internvl::preprocess
