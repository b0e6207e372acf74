#include "kernels/embedding.h"

namespace internvl::kernels {

void embedding(const WeightMatrix& table, const std::int32_t* ids, std::int64_t n, float* out) {
#pragma omp parallel for schedule(static) if (n > 256)
  for (std::int64_t t = 0; t < n; ++t) table.row_to_f32(ids[t], out + t * table.cols);
}

}  // namespace internvl::kernels
