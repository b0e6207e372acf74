// Writing a model directory derived from another (a quantized copy): the source's config.json
// with a "quantization_config" entry, its tokenizer/processor/generation files, and new weights.
#pragma once

#include <string>
#include <vector>

#include "core/json.h"
#include "internvl/status.h"
#include "io/safetensors_writer.h"

namespace internvl::io {

/// The non-weight files copied from a source model directory when present.
const std::vector<std::string>& model_aux_files();

/// Writes out_dir (created when missing): config.json = src_dir/config.json plus
/// `"quantization_config": quantization_config`, every model_aux_files() entry of src_dir, and
/// `tensors` as safetensors (sharded above `max_shard_bytes`, 0 = one file). Checks free disk
/// space first; refuses to write into src_dir itself.
Status write_derived_model_dir(const std::string& src_dir, const std::string& out_dir,
                               const std::vector<TensorWriteSpec>& tensors,
                               const Json& quantization_config, std::uint64_t max_shard_bytes = 0);

}  // namespace internvl::io
