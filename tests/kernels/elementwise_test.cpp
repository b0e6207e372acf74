// Conversions, norms and activations: every ISA path against its scalar reference.
#include <gtest/gtest.h>

#include <limits>

#include "kernel_test_util.h"
#include "kernels/activation.h"
#include "kernels/buffer.h"
#include "kernels/convert.h"
#include "kernels/norm.h"

namespace internvl::test {
namespace {

TEST(Convert, ExactOnEveryPath) {
  auto f = randn(1000, 41, 3.0f);
  f[0] = std::numeric_limits<float>::infinity();
  f[1] = -std::numeric_limits<float>::infinity();
  f[2] = std::numeric_limits<float>::quiet_NaN();
  f[3] = 1e-40f;  // denormal
  f[4] = -0.0f;
  f[5] = 3.3895314e38f;  // rounds to inf in bf16
  auto h = to_f16(f);
  std::vector<std::uint16_t> ref_b(f.size()), got_b(f.size());
  std::vector<float> ref_f(f.size()), got_f(f.size());
  kernels::ref::f32_to_bf16_row(f.data(), ref_b.data(), static_cast<std::int64_t>(f.size()));
  for (auto level : isa_levels()) {
    kernels::ScopedIsaLimit limit(level);
    for (std::int64_t n : {1000, 999, 13, 7}) {
      kernels::f32_to_bf16_row(f.data(), got_b.data(), n);
      for (std::int64_t i = 0; i < n; ++i) ASSERT_EQ(got_b[i], ref_b[i]) << kernels::isa_name(level) << " at " << i;
      kernels::bf16_to_f32_row(ref_b.data(), got_f.data(), n);
      kernels::ref::bf16_to_f32_row(ref_b.data(), ref_f.data(), n);
      ASSERT_EQ(0, std::memcmp(got_f.data(), ref_f.data(), sizeof(float) * n)) << kernels::isa_name(level);
      kernels::f16_to_f32_row(h.data(), got_f.data(), n);
      kernels::ref::f16_to_f32_row(h.data(), ref_f.data(), n);
      ASSERT_EQ(0, std::memcmp(got_f.data(), ref_f.data(), sizeof(float) * n)) << kernels::isa_name(level);
    }
  }
}

// Norm outputs are w * (x - mean) * inv: with double statistics the only error is the final
// f32 products, a few ulp of |w x inv|.
TEST(Norm, MatchesReference) {
  for (std::int64_t d : {16, 48, 896, 1000, 3584}) {
    auto x = randn(static_cast<std::size_t>(5 * d), 51 + d, 2.0f);
    for (auto& v : x) v += 0.5f;
    auto w = randn(static_cast<std::size_t>(d), 52);
    auto b = randn(static_cast<std::size_t>(d), 53);
    std::vector<float> ref(x.size()), got(x.size());
    for (auto level : isa_levels()) {
      kernels::ScopedIsaLimit limit(level);
      kernels::ref::rms_norm(x.data(), w.data(), 1e-6f, 5, d, ref.data());
      kernels::rms_norm(x.data(), w.data(), 1e-6f, 5, d, got.data());
      for (std::size_t i = 0; i < x.size(); ++i) {
        ASSERT_NEAR(got[i], ref[i], 8 * kU32 * (std::fabs(ref[i]) + 1e-30)) << "rms " << kernels::isa_name(level);
      }
      kernels::ref::layer_norm(x.data(), w.data(), b.data(), 1e-6f, 5, d, ref.data());
      kernels::layer_norm(x.data(), w.data(), b.data(), 1e-6f, 5, d, got.data());
      for (std::size_t i = 0; i < x.size(); ++i) {
        // x - mean is formed in f32 from a rounded mean: its error scales with |x| + |mean|.
        const std::size_t r = i / static_cast<std::size_t>(d);
        double mean = 0, var = 0;
        for (std::int64_t t = 0; t < d; ++t) mean += x[r * d + t];
        mean /= static_cast<double>(d);
        for (std::int64_t t = 0; t < d; ++t) var += (x[r * d + t] - mean) * (x[r * d + t] - mean);
        const double inv = 1.0 / std::sqrt(var / static_cast<double>(d) + 1e-6);
        double scale = std::fabs(w[i % d]) * (std::fabs(x[i]) + std::fabs(mean)) * inv + std::fabs(b[i % d]);
        ASSERT_NEAR(got[i], ref[i], 8 * kU32 * (scale + 1e-30)) << "layer " << kernels::isa_name(level);
      }
    }
  }
}

// GELU: the rational erf is within 4e-7 of erf, so |gelu err| <= 2e-7 |x| + a few ulp.
TEST(Activation, GeluAndSiluMatchReference) {
  auto x = randn(4099, 61, 3.0f);
  x[0] = 40.0f;
  x[1] = -40.0f;
  std::vector<float> ref = x;
  kernels::ref::gelu_erf(ref.data(), static_cast<std::int64_t>(ref.size()));
  auto up = randn(x.size(), 62);
  std::vector<float> silu_ref(x.size());
  kernels::ref::silu_mul(x.data(), up.data(), 1, static_cast<std::int64_t>(x.size()), 0, silu_ref.data());
  for (auto level : isa_levels()) {
    kernels::ScopedIsaLimit limit(level);
    std::vector<float> got = x;
    kernels::gelu_erf(got.data(), static_cast<std::int64_t>(got.size()));
    for (std::size_t i = 0; i < x.size(); ++i) {
      ASSERT_NEAR(got[i], ref[i], 2.5e-7 * std::fabs(x[i]) + 4 * kU32 * std::fabs(ref[i]))
          << kernels::isa_name(level) << " x " << x[i];
    }
    std::vector<float> s(x.size());
    kernels::silu_mul(x.data(), up.data(), 1, static_cast<std::int64_t>(x.size()), 0, s.data());
    for (std::size_t i = 0; i < x.size(); ++i) {
      ASSERT_NEAR(s[i], silu_ref[i], 8 * kU32 * std::fabs(silu_ref[i]) + 1e-30) << kernels::isa_name(level);
    }
  }
}

TEST(Arena, ReusesMemoryAfterReset) {
  kernels::Arena a;
  std::size_t mark = a.mark();
  float* p1 = a.alloc<float>(1000);
  float* p2 = a.alloc<float>(3 << 20);  // forces a second block
  ASSERT_EQ(reinterpret_cast<std::uintptr_t>(p1) % 64, 0u);
  ASSERT_EQ(reinterpret_cast<std::uintptr_t>(p2) % 64, 0u);
  p2[(3 << 20) - 1] = 1.0f;
  a.rewind(mark);
  float* p3 = a.alloc<float>(1000);
  EXPECT_EQ(p1, p3);
  a.reset();  // merges into one block: the same sizes now fit without growing
  std::size_t cap = a.capacity();
  a.alloc<float>(1000);
  a.alloc<float>(3 << 20);
  EXPECT_EQ(a.capacity(), cap);
  {
    kernels::ArenaScope scope;
    scope.arena().alloc<float>(10);
  }
  EXPECT_EQ(kernels::thread_arena().mark(), 0u);
}

}  // namespace
}  // namespace internvl::test
