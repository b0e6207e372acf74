// Embedding lookup: rows of a stored table widened to f32.
#pragma once

#include <cstdint>

#include "kernels/weight.h"

namespace internvl::kernels {

/// out[t] = table[ids[t]] as f32; ids must be in [0, table.rows) (checked by the caller).
void embedding(const WeightMatrix& table, const std::int32_t* ids, std::int64_t n, float* out);

}  // namespace internvl::kernels
