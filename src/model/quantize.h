// Weight quantization on load (--quant q8|q4): which matrices get which block format, and the
// conversion of one matrix into freshly allocated storage. Formats and layout: kernels/weight.h.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "internvl/status.h"
#include "kernels/weight.h"

namespace internvl::model {

/// Requested weight quantization.
enum class QuantType : std::uint8_t { kNone, kQ8, kQ4 };

/// "none", "q8", "q4".
const char* quant_name(QuantType q);
/// Parses "none" | "q8" | "q4" (the --quant flag); errors name the value.
Result<QuantType> parse_quant(std::string_view text);

/// Where a matrix sits in the model. kTextFirstLayer is decoder layer 0; kEmbedding is an
/// untied embedding table (a tied one is bound as kLmHead).
enum class MatrixRole : std::uint8_t { kVision, kProjector, kText, kTextFirstLayer, kEmbedding, kLmHead };

/// The format a [rows, cols] matrix gets under `quant`; its current format when it stays
/// (no quantization, or cols not a multiple of the 32-weight block, e.g. the 588-wide patch
/// embedding). The untied embedding table and decoder layer 0 get one step more precision
/// (q8: kept as stored, q4: Q8_0): every later layer reads what they write into the residual
/// stream, and on the 2B shape layer 0 alone carried 70% of q8's logit error
/// (docs/performance.md, "Quantization"). The embedding costs no decode bandwidth (one row per
/// token); layer 0 is one of the decoder's 24-28 layers (InternVL3-1B..8B).
kernels::WeightFormat quant_target_format(QuantType quant, MatrixRole role, std::int64_t cols,
                                          kernels::WeightFormat current);

/// Quantizes w (any float format) to `format` (Q8_0 or Q4_0) into new storage held by *owner.
/// Threads over rows.
kernels::WeightMatrix quantize_matrix(const kernels::WeightMatrix& w, kernels::WeightFormat format,
                                      std::shared_ptr<const void>* owner);

/// w's values (and scales, when quantized) copied into new memory held by *owner, 2 MiB aligned
/// so large matrices sit on huge pages. Threads over 8 MiB chunks.
kernels::WeightMatrix copy_matrix(const kernels::WeightMatrix& w, std::shared_ptr<const void>* owner);

}  // namespace internvl::model
