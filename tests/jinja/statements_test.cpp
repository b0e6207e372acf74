// Statements: if, for (loop variables, else, unpacking, filters, loop controls), set and
// namespaces, macros and caller, filter/with blocks, {% generation %}. Expected texts were
// checked with jinja2 3.1.
#include <gtest/gtest.h>

#include "render_helpers.h"

namespace internvl::jinja {
namespace {

using test_helpers::render;

const Json kVars = Json::parse(R"({"xs": [1, 2, 3], "d": {"a": 1, "b": [1, 2]}, "es": [],
  "msgs": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]})");

std::string r(std::string_view src) { return render(src, kVars); }

TEST(JinjaStatements, IfElifElse) {
  EXPECT_EQ(r("{% if false %}a{% elif true %}b{% else %}c{% endif %}"), "b");
  EXPECT_EQ(r("{% if es %}x{% else %}empty{% endif %}{% if d %}D{% endif %}"), "emptyD");
  EXPECT_EQ(r("{% if xs|length > 2 and 'a' in d %}yes{% endif %}"), "yes");
}

TEST(JinjaStatements, ForLoopVariables) {
  EXPECT_EQ(r("{% for x in xs %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}"
              "{{ loop.revindex0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }}|{% endfor %}"),
            "1032TrueFalse3|2121FalseFalse3|3210FalseTrue3|");
  EXPECT_EQ(r("{% for x in xs %}{{ loop.previtem }}-{{ loop.nextitem }}{{ loop.depth }}{{ "
              "loop.depth0 }};{% endfor %}"),
            "-210;1-310;2-10;");
  EXPECT_EQ(r("{% for x in xs %}{{ loop.cycle('odd', 'even') }} {% endfor %}"), "odd even odd ");
  EXPECT_EQ(r("{% for x in [1, 1, 2] %}{{ loop.changed(x) }}{% endfor %}"), "TrueFalseTrue");
  EXPECT_EQ(r("{% for i in range(2) %}{% for j in range(2) %}{{ loop.index }}{% endfor %}"
              "{{ loop.index }}.{% endfor %}"),
            "121.122.");
}

TEST(JinjaStatements, ForElseFilterAndUnpacking) {
  EXPECT_EQ(r("{% for x in es %}x{% else %}empty{% endfor %}"), "empty");
  EXPECT_EQ(
      r("{% for x in xs if x > 1 %}{{ loop.index }}/{{ loop.length }} {% else %}none{% endfor %}"),
      "1/2 2/2 ");
  EXPECT_EQ(r("{% for x in xs if x > 5 %}{{ x }}{% else %}none{% endfor %}"), "none");
  EXPECT_EQ(r("{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}"), "a=1;b=[1, 2];");
  EXPECT_EQ(r("{% for k, v in d|items %}{{ k }}{% endfor %}{% for a, b in ['xy', 'zw'] %}{{ b }}{{ "
              "a }}{% endfor %}"),
            "abyxwz");
  EXPECT_EQ(r("{% for k in d %}{{ k }}{% endfor %}{% for c in 'hé' %}[{{ c }}]{% endfor %}"),
            "ab[h][é]");
  EXPECT_EQ(r("{% for x in undefined_list %}never{% endfor %}ok"), "ok");
  EXPECT_EQ(r("{% for m in msgs[::-1] %}{{ m.role }} {% endfor %}"), "assistant user ");
}

TEST(JinjaStatements, BreakAndContinue) {
  EXPECT_EQ(r("{% for x in xs %}{% if x == 2 %}{% continue %}{% endif %}{{ x }}{% endfor %}"),
            "13");
  EXPECT_EQ(r("{% for x in xs %}{% if x == 2 %}{% break %}{% endif %}{{ x }}{% endfor %}after"),
            "1after");
  EXPECT_EQ(r("{% for x in xs %}{% for y in xs %}{% if y > 1 %}{% break %}{% endif %}{{ x }}{{ y "
              "}} {% endfor %}{% endfor %}"),
            "11 21 31 ");
}

TEST(JinjaStatements, LoopScopes) {
  // A set inside a loop body lasts one iteration; the outer variable is untouched.
  EXPECT_EQ(r("{% set y = 5 %}{% for x in xs %}{{ y }}{% set y = x %}{% endfor %}{{ y }}"), "5555");
  EXPECT_EQ(r("{% for x in xs %}[{{ y }}]{% set y = x %}{% endfor %}"), "[][][]");
  // A namespace carries state out of the loop.
  EXPECT_EQ(r("{% set ns = namespace(total=0, seen=[]) %}{% for x in xs %}{% set ns.total = "
              "ns.total + x %}"
              "{% endfor %}{{ ns.total }} {{ ns }}"),
            "6 <Namespace {'total': 6, 'seen': []}>");
  // Loop variables shadow outer ones only inside the loop.
  EXPECT_EQ(r("{% set x = 'out' %}{% for x in xs %}{% endfor %}{{ x }}"), "out");
}

TEST(JinjaStatements, Set) {
  EXPECT_EQ(r("{% set a, b = 1, 2 %}{{ a }}{{ b }}{% set c = (3, 4) %}{{ c[0] }}{% set p, q = 'xy' "
              "%}{{ q }}"),
            "123y");
  EXPECT_EQ(r("{% set x %}inner {{ 1 + 1 }}{% endset %}[{{ x }}]"), "[inner 2]");
  EXPECT_EQ(r("{% set y | upper %}abc{% endset %}{{ y }}{% set z | trim | upper %}  q  {% endset "
              "%}[{{ z }}]"),
            "ABC[Q]");
  EXPECT_EQ(r("{% if true %}{% set v = 1 %}{% endif %}{{ v }}"), "1");  // if blocks share scope
}

TEST(JinjaStatements, Macros) {
  EXPECT_EQ(r("{% macro greet(name='world') -%}\nHello {{ name }}!\n{%- endmacro %}"
              "{{ greet() }} {{ greet('you') }} {{ greet(name='kw') }}"),
            "Hello world! Hello you! Hello kw!");
  EXPECT_EQ(r("{% macro f(a, b=a * 2) %}{{ a }},{{ b }}{% endmacro %}{{ f(3) }}"), "3,6");
  EXPECT_EQ(r("{% macro f(a) %}{{ a }}{{ varargs }}{{ kwargs }}{% endmacro %}{{ f(1, 2, k=3) }}"),
            "1(2,){'k': 3}");
  EXPECT_EQ(r("{% macro f(a) %}[{{ a }}]{% endmacro %}{{ f() }}"), "[]");  // missing -> undefined
  EXPECT_EQ(r("{% macro rec(n) %}{% if n > 0 %}{{ n }}{{ rec(n - 1) }}{% endif %}{% endmacro %}{{ "
              "rec(5) }}"),
            "54321");
  // Macros read the variables of their defining scope at call time.
  EXPECT_EQ(
      r("{% macro m() %}{{ z }}{% endmacro %}{% set z = 1 %}{{ m() }}{% set z = 2 %}{{ m() }}"),
      "12");
  EXPECT_EQ(r("{% macro outer() %}{% macro inner() %}in{% endmacro %}[{{ inner() }}]{% endmacro "
              "%}{{ outer() }}"),
            "[in]");
  EXPECT_EQ(
      r("{% macro m(x) %}{{ x }}{% endmacro %}{% set s = m('a')|upper %}{{ s }} {{ m.name }}"),
      "A m");
  // A namespace updated inside a macro (the qwen3_5 template counts images this way).
  EXPECT_EQ(r("{% set c = namespace(n=0) %}{% macro inc() %}{% set c.n = c.n + 1 %}{% endmacro %}"
              "{{ inc() }}{{ inc() }}{{ c.n }}"),
            "2");
}

TEST(JinjaStatements, CallBlocksAndCaller) {
  EXPECT_EQ(r("{% macro wrap() %}<{{ caller() }}>{% endmacro %}{% call wrap() %}body{% endcall %}"),
            "<body>");
  EXPECT_EQ(
      r("{% macro m(x) %}<{{ caller(x) }}>{% endmacro %}{% call(v) m(5) %}v={{ v }}{% endcall %}"),
      "<v=5>");
}

TEST(JinjaStatements, FilterWithPrintAndGeneration) {
  EXPECT_EQ(r("{% filter upper %}hello {{ 'x' }}{% endfilter %}"), "HELLO X");
  EXPECT_EQ(r("{% filter indent(2, true) %}a\nb{% endfilter %}"), "  a\n  b");
  // Jinja joins block output with "".join(): a filter returning a non-string fails.
  EXPECT_FALSE(test_helpers::render_error("{% filter length %}abc{% endfilter %}").ok());
  EXPECT_EQ(r("{% with a = 1, b = 2 %}{{ a + b }}{% endwith %}[{{ a }}]"), "3[]");
  EXPECT_EQ(r("{% print 'p', 1 %}"), "p1");
  EXPECT_EQ(r("{% generation %}gen {{ xs[0] }}{% endgeneration %}!"), "gen 1!");
  // The body is rendered like caller(): a set inside it does not leak.
  EXPECT_EQ(r("{% generation %}{% set g = 1 %}{% endgeneration %}[{{ g }}]"), "[]");
}

}  // namespace
}  // namespace internvl::jinja
