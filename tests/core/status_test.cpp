#include "internvl/status.h"

#include <gtest/gtest.h>

namespace internvl {
namespace {

Result<int> parse_positive(int v) {
  if (v <= 0) return invalid_argument("value ", v, " must be positive");
  return v;
}

Result<int> doubled(int v) {
  INTERNVL_ASSIGN_OR_RETURN(int x, parse_positive(v));
  return 2 * x;
}

Status check_both(int a, int b) {
  INTERNVL_RETURN_IF_ERROR(parse_positive(a).status());
  INTERNVL_RETURN_IF_ERROR(parse_positive(b).status().with_context("second"));
  return Status();
}

TEST(Status, OkAndError) {
  EXPECT_TRUE(Status().ok());
  Status s = not_found("file '", "x.json", "' does not exist");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.message(), "file 'x.json' does not exist");
  EXPECT_EQ(s.with_context("loading model").message(), "loading model: file 'x.json' does not exist");
  EXPECT_EQ(s.to_string(), "not_found: file 'x.json' does not exist");
}

TEST(Result, ValueAndPropagation) {
  EXPECT_EQ(*doubled(4), 8);
  auto r = doubled(-1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "value -1 must be positive");
  EXPECT_TRUE(check_both(1, 2).ok());
  EXPECT_EQ(check_both(1, 0).message(), "second: value 0 must be positive");
}

TEST(Result, OkStatusIsNotAValue) {
  Result<int> r{Status()};
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInternal);
}

}  // namespace
}  // namespace internvl
