#include "core/json.h"

#include <gtest/gtest.h>

namespace internvl {
namespace {

TEST(Json, ParseErrorsAreStatuses) {
  auto bad = parse_json("{\"a\": 1,", "config.json");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kCorrupt);
  EXPECT_NE(bad.status().message().find("config.json"), std::string::npos);
}

TEST(Json, TypedAccess) {
  auto j = parse_json(R"({"b": 2, "z": 1, "f": 0.5, "s": "x", "n": null, "t": true})", "t");
  ASSERT_TRUE(j.ok());
  EXPECT_EQ(j->begin().key(), "b");  // insertion order kept
  EXPECT_EQ(*json_int(*j, "b", 0, "t"), 2);
  EXPECT_EQ(*json_int(*j, "missing", 7, "t"), 7);
  EXPECT_EQ(*json_int(*j, "n", 7, "t"), 7);
  EXPECT_DOUBLE_EQ(*json_number(*j, "f", 0, "t"), 0.5);
  EXPECT_EQ(*json_string(*j, "s", "", "t"), "x");
  EXPECT_TRUE(*json_bool(*j, "t", false, "t"));
  auto wrong = json_int(*j, "s", 0, "config.json");
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().message(), "config.json: 's' must be an integer, got \"x\"");
}

}  // namespace
}  // namespace internvl
