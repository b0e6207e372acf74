// Jinja tests (`x is ...`), as jinja2/tests.py defines them: Python's notion of number (bool
// included), sequence and iterable (Undefined included).
#include <gtest/gtest.h>

#include "render_helpers.h"

namespace internvl::jinja {
namespace {

using test_helpers::render;
using test_helpers::render_error;

const Json kVars = Json::parse(R"({"xs": [1, 2, 3], "d": {"a": 1}, "n": null, "s": "hello",
  "f": 1.5, "t": true})");

std::string r(std::string_view src) { return render(src, kVars); }

TEST(JinjaPredicates, DefinedUndefinedNone) {
  EXPECT_EQ(r("{{ x is defined }} {{ xs is defined }} {{ n is defined }} {{ u is undefined }} {{ n "
              "is none }} {{ u is none }}"),
            "False True True True True False");
  EXPECT_EQ(r("{{ d.zz is defined }} {{ d.a is not defined }} {{ n.x is defined }}"),
            "False False False");
}

TEST(JinjaPredicates, Types) {
  EXPECT_EQ(r("{{ s is string }} {{ 1 is string }} {{ d is mapping }} {{ xs is mapping }}"),
            "True False True False");
  EXPECT_EQ(r("{{ 1 is number }} {{ t is number }} {{ f is number }} {{ s is number }}"),
            "True True True False");
  EXPECT_EQ(r("{{ 1 is integer }} {{ t is integer }} {{ 1.0 is integer }} {{ f is float }} {{ 1 is "
              "float }}"),
            "True False False True False");
  EXPECT_EQ(r("{{ t is boolean }} {{ 1 is boolean }} {{ t is true }} {{ t is false }} {{ false is "
              "false }} {{ 0 is false }}"),
            "True False True False True False");
  EXPECT_EQ(r("{{ xs is sequence }} {{ s is sequence }} {{ d is sequence }} {{ 1 is sequence }} {{ "
              "u is sequence }}"),
            "True True True False True");
  EXPECT_EQ(r("{{ xs is iterable }} {{ s is iterable }} {{ d is iterable }} {{ 1 is iterable }} {{ "
              "u is iterable }} {{ xs|select is iterable }}"),
            "True True True False True True");
  EXPECT_EQ(r("{{ range is callable }} {{ s.upper is callable }} {{ s is callable }} {{ namespace "
              "is callable }}"),
            "True True False True");
  EXPECT_EQ(r("{% macro m() %}{% endmacro %}{{ m is callable }} {{ xs|select is sequence }}"),
            "True False");
}

TEST(JinjaPredicates, Numbers) {
  EXPECT_EQ(r("{{ 2 is even }} {{ 3 is odd }} {{ 3 is even }} {{ 9 is divisibleby 3 }} {{ 9 is "
              "divisibleby(2) }} {{ 4.0 is even }}"),
            "True True False True False True");
  EXPECT_FALSE(render_error("{{ u is odd }}", kVars).ok());
}

TEST(JinjaPredicates, CaseAndComparison) {
  EXPECT_EQ(r("{{ 'abc' is lower }} {{ 'aBc' is lower }} {{ 'ABC' is upper }} {{ '1' is upper }}"),
            "True False True False");
  EXPECT_EQ(r("{{ 1 is eq 1 }} {{ 1 is equalto 1.0 }} {{ 1 is ne 2 }} {{ 1 is ne 1 }}"),
            "True True True False");
  EXPECT_EQ(r("{{ 1 is lt 2 }} {{ 1 is lessthan 0 }} {{ 2 is le 2 }} {{ 3 is gt 2 }} {{ 3 is "
              "greaterthan 4 }} {{ 2 is ge 3 }}"),
            "True False True True False False");
  // The operator-named tests are reachable through select/reject.
  EXPECT_EQ(
      r("{{ xs|select('==', 2)|list }} {{ xs|select('<', 3)|list }} {{ xs|reject('!=', 1)|list }}"),
      "[2] [1, 2] [1]");
  EXPECT_FALSE(test_helpers::parse_status("{{ 1 is == 1 }}").ok());
  EXPECT_EQ(r("{{ 'a' is in 'abc' }} {{ 2 is in xs }} {{ 'a' is in d }} {{ n is sameas none }} {{ "
              "t is sameas true }} {{ 1 is sameas true }}"),
            "True True True True True False");
}

TEST(JinjaPredicates, FilterAndTestNames) {
  EXPECT_EQ(r("{{ 'upper' is filter }} {{ 'nope' is filter }} {{ 'odd' is test }} {{ 'nope' is "
              "test }} {{ s is escaped }}"),
            "True False True False False");
}

TEST(JinjaPredicates, NegationAndPrecedence) {
  EXPECT_EQ(r("{{ s is not string }} {{ not s is string }} {{ n is none and s is string }}"),
            "False False True");
  const Status st = render_error("{{ s is no_such_test }}", kVars);
  EXPECT_EQ(st.code(), StatusCode::kUnsupported);
  EXPECT_TRUE(test_helpers::contains(st.message(), "unsupported test 'no_such_test'"))
      << st.message();
}

}  // namespace
}  // namespace internvl::jinja
