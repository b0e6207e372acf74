// Saving a quantized model as a directory that loads without the original weights.
//
// Format (safetensors + config.json "quantization_config"):
//   - a quantized "<name>.weight" [n_out, n_in] is stored under its own name as U8
//     [n_out, row_bytes] (Q8_0: row_bytes = n_in; Q4_0: n_in / 2) in the interleaved layout of
//     kernels/weight.h, plus "<name>.weight_scales" F16 [n_out, n_in / 32];
//   - every other tensor is copied as stored (names, dtypes, layout of the source);
//   - config.json gets {"quant_method": "internvl.cpp", "weight_format": "q8_0" | "q4_0",
//     "block_size": 32, "group_blocks": 16, "layout": "interleaved-v1"}; weight_format names the
//     bulk format: a q4 model holds some Q8_0 matrices (quant_target_format), and the loader
//     reads each matrix's format from its row_bytes.
// Loading memory-maps the quants (no conversion, low peak RSS).
#pragma once

#include <string>

#include "internvl/status.h"
#include "model/internvl_model.h"

namespace internvl::model {

/// Writes `m` (loaded from src_dir with LoadOptions::quant, or from a quantized directory) to
/// out_dir. Errors: the model has no quantized matrix, disk space, I/O.
Status save_quantized(const InternVLModel& m, const std::string& src_dir, const std::string& out_dir);

}  // namespace internvl::model
