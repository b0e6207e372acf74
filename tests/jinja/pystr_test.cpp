// Python-semantics helpers: float repr, string repr, strip/split, number parsing, json.dumps,
// and JSON <-> Value conversion.
#include "jinja/pystr.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "jinja/json_dump.h"
#include "jinja/value.h"

namespace internvl::jinja {
namespace {

TEST(JinjaPyStr, FloatRepr) {
  EXPECT_EQ(py::float_repr(1.0), "1.0");
  EXPECT_EQ(py::float_repr(0.5), "0.5");
  EXPECT_EQ(py::float_repr(1e-05), "1e-05");
  EXPECT_EQ(py::float_repr(0.0001), "0.0001");
  EXPECT_EQ(py::float_repr(1e16), "1e+16");
  EXPECT_EQ(py::float_repr(1e15), "1000000000000000.0");
  EXPECT_EQ(py::float_repr(123456789012345678.0), "1.2345678901234568e+17");
  EXPECT_EQ(py::float_repr(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(py::float_repr(-0.0), "-0.0");
  EXPECT_EQ(py::float_repr(5e-324), "5e-324");
  EXPECT_EQ(py::float_repr(1e100), "1e+100");
  EXPECT_EQ(py::float_repr(std::numeric_limits<double>::infinity()), "inf");
  EXPECT_EQ(py::float_repr(std::nan("")), "nan");
}

TEST(JinjaPyStr, Repr) {
  EXPECT_EQ(py::repr("abc"), "'abc'");
  EXPECT_EQ(py::repr("it's"), "\"it's\"");
  EXPECT_EQ(py::repr("a'b\"c"), "'a\\'b\"c'");
  EXPECT_EQ(py::repr("\n\t\r\\\x01\x7f"), "'\\n\\t\\r\\\\\\x01\\x7f'");
  EXPECT_EQ(py::repr("é日😀\u00a0\u2028"), "'é日😀\\xa0\\u2028'");
}

TEST(JinjaPyStr, StripSplitCase) {
  EXPECT_EQ(py::strip(" \t\n x \u3000", std::nullopt, true, true), "x");
  EXPECT_EQ(py::strip("xxaxx", std::string_view("x"), true, false), "axx");
  EXPECT_EQ(py::strip("éaé", std::string_view("é"), true, true), "a");
  EXPECT_EQ(py::split("a  b ", std::nullopt, -1), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(py::split("a,b,,c", std::string_view(","), 2),
            (std::vector<std::string>{"a", "b", ",c"}));
  EXPECT_EQ(py::rsplit("a,b,c", std::string_view(","), 1), (std::vector<std::string>{"a,b", "c"}));
  EXPECT_EQ(py::splitlines("a\nb\r\nc\rd\x0b", false),
            (std::vector<std::string>{"a", "b", "c", "d"}));
  EXPECT_EQ(py::splitlines("a\nb", true), (std::vector<std::string>{"a\n", "b"}));
  EXPECT_EQ(py::upper("straße"), "STRASSE");
  EXPECT_EQ(py::lower("ÀÉÎ ПРИВЕТ"), "àéî привет");
  EXPECT_EQ(py::title("they're bill's"), "They'Re Bill'S");
  EXPECT_EQ(py::capitalize("hELLO"), "Hello");
  EXPECT_EQ(py::replace("aaa", "a", "bb", 2), "bbbba");
  EXPECT_EQ(py::replace("ab", "", "-", -1), "-a-b-");
  EXPECT_EQ(py::cp_count("é😀x"), 3u);
}

TEST(JinjaPyStr, ParseNumbers) {
  EXPECT_EQ(py::parse_int(" 42 ", 10), 42);
  EXPECT_EQ(py::parse_int("-1_000", 10), -1000);
  EXPECT_EQ(py::parse_int("0x1F", 16), 31);
  EXPECT_EQ(py::parse_int("0x1F", 0), 31);
  EXPECT_FALSE(py::parse_int("1.5", 10).has_value());
  EXPECT_FALSE(py::parse_int("99999999999999999999", 10).has_value());
  EXPECT_EQ(py::parse_float(" 1.5 "), 1.5);
  EXPECT_EQ(py::parse_float("1e3"), 1000.0);
  EXPECT_TRUE(std::isinf(*py::parse_float("-inf")));
  EXPECT_FALSE(py::parse_float("abc").has_value());
  EXPECT_FALSE(py::parse_float("0x10").has_value());
}

TEST(JinjaPyStr, JsonDumps) {
  auto v = from_json(Json::parse(R"({"b": [1, 2.5, true, null], "a": "é\u0001\"", "c": {}})"));
  ASSERT_TRUE(v.ok());
  auto compact = json_dumps(*v, JsonDumpOptions{}, 1 << 20);
  ASSERT_TRUE(compact.ok());
  EXPECT_EQ(*compact, R"({"b": [1, 2.5, true, null], "a": "é\u0001\"", "c": {}})");
  JsonDumpOptions o;
  o.ensure_ascii = true;
  o.indent = "  ";
  o.item_separator = ",";
  o.sort_keys = true;
  auto pretty = json_dumps(*v, o, 1 << 20);
  ASSERT_TRUE(pretty.ok());
  EXPECT_EQ(*pretty,
            "{\n  \"a\": \"\\u00e9\\u0001\\\"\",\n  \"b\": [\n    1,\n    2.5,\n    true,\n"
            "    null\n  ],\n  \"c\": {}\n}");
  EXPECT_FALSE(json_dumps(*v, JsonDumpOptions{}, 10).ok());  // size limit
  EXPECT_FALSE(json_dumps(Value(), JsonDumpOptions{}, 100).ok());
}

TEST(JinjaValue, JsonRoundTripKeepsOrderAndNumberKinds) {
  const Json j =
      Json::parse(R"({"z": 1, "a": 0.5, "m": [3, "x", null, false], "big": 18446744073709551615})");
  auto v = from_json(j);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->as_dict().find("z")->is_int());
  EXPECT_TRUE(v->as_dict().find("a")->is_float());
  EXPECT_TRUE(v->as_dict().find("big")->is_float());
  auto back = to_json(*v);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->begin().key(), "z");
  EXPECT_EQ((*back)["m"], j["m"]);
  EXPECT_EQ(to_str(*v),
            "{'z': 1, 'a': 0.5, 'm': [3, 'x', None, False], 'big': 1.8446744073709552e+19}");
  EXPECT_FALSE(to_json(Value()).ok());
}

TEST(JinjaValue, TruthinessAndEquality) {
  EXPECT_FALSE(truthy(Value()));
  EXPECT_FALSE(truthy(Value::none()));
  EXPECT_FALSE(truthy(Value::string("")));
  EXPECT_FALSE(truthy(Value::number(0.0)));
  EXPECT_TRUE(truthy(Value::list({Value::none()})));
  EXPECT_TRUE(truthy(Value::iterator({})));
  EXPECT_TRUE(equals(Value::integer(1), Value::number(1.0)));
  EXPECT_TRUE(equals(Value::boolean(true), Value::integer(1)));
  EXPECT_FALSE(equals(Value::list({}), Value::tuple({})));
  EXPECT_FALSE(equals(Value::none(), Value()));
}

}  // namespace
}  // namespace internvl::jinja
