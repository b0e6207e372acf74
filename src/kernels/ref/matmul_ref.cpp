#include <vector>

#include "kernels/matmul.h"

namespace internvl::kernels::ref {

void matmul(const float* x, std::int64_t m, const WeightMatrix& w, const float* bias, float* y) {
  std::vector<float> row(static_cast<std::size_t>(w.cols));
  for (std::int64_t j = 0; j < w.rows; ++j) {
    w.row_to_f32(j, row.data());
    for (std::int64_t i = 0; i < m; ++i) {
      double acc = bias ? bias[j] : 0.0;
      const float* xi = x + i * w.cols;
      for (std::int64_t c = 0; c < w.cols; ++c) acc += static_cast<double>(xi[c]) * row[c];
      y[i * w.rows + j] = static_cast<float>(acc);
    }
  }
}

}  // namespace internvl::kernels::ref
