#include "support/golden.h"

#include <gtest/gtest.h>

#include <cmath>

#include "io/npy.h"
#include "support/fixtures.h"

namespace internvl::test {

Json load_golden_json(std::string_view rel) {
  auto j = load_json_file(fixture_path(rel));
  if (!j.ok()) {
    ADD_FAILURE() << "golden missing or unreadable: " << j.status().to_string();
    return Json();
  }
  return std::move(j).value();
}

std::map<std::string, Tensor> load_golden_npz(std::string_view rel) {
  auto m = io::load_npz(fixture_path(rel));
  if (!m.ok()) {
    ADD_FAILURE() << "golden missing or unreadable: " << m.status().to_string();
    return {};
  }
  return std::move(m).value();
}

Diff compare(const float* a, const float* b, std::int64_t n) {
  Diff d;
  double se = 0, sr = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    double diff = std::fabs(static_cast<double>(a[i]) - b[i]);
    if (!(diff <= d.max_abs)) {  // also catches NaN
      d.max_abs = std::isnan(diff) ? INFINITY : diff;
      d.worst = i;
    }
    d.max_ref = std::max(d.max_ref, std::fabs(static_cast<double>(b[i])));
    se += diff * diff;
    sr += static_cast<double>(b[i]) * b[i];
  }
  d.nmse = sr > 0 ? se / sr : se;
  return d;
}

Diff compare(const Tensor& a, const Tensor& b) {
  EXPECT_EQ(a.numel(), b.numel()) << "element counts differ";
  if (a.numel() != b.numel()) return Diff{INFINITY, 0, INFINITY, -1};
  Tensor af = a.dtype() == DType::kF32 ? a : a.to_f32();
  Tensor bf = b.dtype() == DType::kF32 ? b : b.to_f32();
  return compare(af.data<float>(), bf.data<float>(), a.numel());
}

}  // namespace internvl::test
