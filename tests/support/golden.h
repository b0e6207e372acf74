// Readers and comparisons for the reference goldens (Transformers dumps).
#pragma once

#include <map>
#include <string>

#include "core/json.h"
#include "core/tensor.h"

namespace internvl::test {

/// Loads a JSON golden under tests/fixtures; fails the current test (ADD_FAILURE) if missing.
Json load_golden_json(std::string_view rel);

/// Loads an .npz golden under tests/fixtures; fails the current test if missing.
std::map<std::string, Tensor> load_golden_npz(std::string_view rel);

struct Diff {
  double max_abs = 0;      // max |a - b|
  double max_ref = 0;      // max |b| (the reference)
  double nmse = 0;         // sum (a-b)^2 / sum b^2
  std::int64_t worst = -1; // flat index of max_abs
};

/// Compares two f32 tensors of equal element count (a = ours, b = reference).
Diff compare(const float* a, const float* b, std::int64_t n);
Diff compare(const Tensor& a, const Tensor& b);

}  // namespace internvl::test
