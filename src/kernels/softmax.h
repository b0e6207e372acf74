// Row reductions over logits.
#pragma once

#include <cstdint>

namespace internvl::kernels {

/// log(sum(exp(x))) of one row, computed stably in double.
double logsumexp(const float* x, std::int64_t n);

/// out = softmax(x) for one row (double accumulation); out may alias x.
void softmax(const float* x, std::int64_t n, float* out);

}  // namespace internvl::kernels
