#include "kernels/softmax.h"

#include <cmath>
#include <limits>

namespace internvl::kernels {

double logsumexp(const float* x, std::int64_t n) {
  float mx = -std::numeric_limits<float>::infinity();
  for (std::int64_t i = 0; i < n; ++i) mx = std::max(mx, x[i]);
  if (mx == -std::numeric_limits<float>::infinity()) return mx;
  double s = 0;
  for (std::int64_t i = 0; i < n; ++i) s += std::exp(static_cast<double>(x[i]) - mx);
  return mx + std::log(s);
}

void softmax(const float* x, std::int64_t n, float* out) {
  double lse = logsumexp(x, n);
  for (std::int64_t i = 0; i < n; ++i) out[i] = static_cast<float>(std::exp(x[i] - lse));
}

}  // namespace internvl::kernels
