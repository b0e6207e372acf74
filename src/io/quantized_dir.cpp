#include "io/quantized_dir.h"

#include <filesystem>

#include "core/file.h"
#include "core/str.h"

namespace internvl::io {

const std::vector<std::string>& model_aux_files() {
  static const std::vector<std::string> files = {
      "tokenizer.json",          "tokenizer_config.json",   "chat_template.jinja",
      "chat_template.json",      "special_tokens_map.json", "added_tokens.json",
      "vocab.json",              "merges.txt",              "generation_config.json",
      "processor_config.json",   "preprocessor_config.json", "video_preprocessor_config.json"};
  return files;
}

Status write_derived_model_dir(const std::string& src_dir, const std::string& out_dir,
                               const std::vector<TensorWriteSpec>& tensors,
                               const Json& quantization_config, std::uint64_t max_shard_bytes) {
  std::error_code ec;
  if (std::filesystem::exists(out_dir, ec) &&
      std::filesystem::equivalent(src_dir, out_dir, ec)) {
    return invalid_argument("output directory '", out_dir, "' is the source model directory");
  }
  INTERNVL_ASSIGN_OR_RETURN(Json config, load_json_file(path_join(src_dir, "config.json")));
  if (!config.is_object()) return corrupt("'", path_join(src_dir, "config.json"), "' is not a JSON object");
  config["quantization_config"] = quantization_config;
  std::uint64_t aux = 1 << 20;
  std::vector<std::string> present;
  for (const auto& f : model_aux_files()) {
    std::string p = path_join(src_dir, f);
    if (!file_exists(p)) continue;
    present.push_back(f);
    aux += std::filesystem::file_size(p, ec);
  }
  std::filesystem::create_directories(out_dir, ec);
  if (!is_directory(out_dir)) return io_error("cannot create '", out_dir, "': ", ec.message());
  INTERNVL_RETURN_IF_ERROR(check_free_disk(out_dir, safetensors_bytes(tensors) + aux, "the model directory"));
  INTERNVL_RETURN_IF_ERROR(write_file(path_join(out_dir, "config.json"), dump_json(config, 2) + "\n"));
  for (const auto& f : present) {
    INTERNVL_ASSIGN_OR_RETURN(std::string bytes, read_file(path_join(src_dir, f)));
    INTERNVL_RETURN_IF_ERROR(write_file(path_join(out_dir, f), bytes));
  }
  SafetensorsWriteOptions wo;
  wo.max_shard_bytes = max_shard_bytes;
  wo.metadata["format"] = "pt";
  wo.metadata["quantization"] = dump_json(quantization_config);
  return write_safetensors(out_dir, tensors, wo);
}

}  // namespace internvl::io
