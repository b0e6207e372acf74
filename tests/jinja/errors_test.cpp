// Errors and limits: syntax errors name line, column and construct; runtime errors are Statuses;
// undefined values follow jinja2's default Undefined; no input crashes or runs unbounded.
#include <gtest/gtest.h>
#include <pthread.h>

#include <string>

#include "render_helpers.h"

namespace internvl::jinja {
namespace {

using test_helpers::contains;
using test_helpers::parse_status;
using test_helpers::render;
using test_helpers::render_error;

#define EXPECT_MESSAGE_HAS(status, part) \
  EXPECT_TRUE(contains((status).message(), part)) << (status).to_string()

TEST(JinjaErrors, UnterminatedBlocksNameTheOpenTag) {
  const Status st = parse_status("line one\n{% if x %}abc");
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_MESSAGE_HAS(st, "unexpected end of template, expected 'elif' or 'else' or 'endif'");
  EXPECT_MESSAGE_HAS(st, "innermost open block: 'if' at line 2, column 4");
  EXPECT_MESSAGE_HAS(parse_status("{% for x in y %}{% if a %}{% endfor %}"),
                     "unknown tag 'endfor'");
  EXPECT_MESSAGE_HAS(parse_status("{% macro m() %}x"), "expected 'endmacro'");
  EXPECT_MESSAGE_HAS(parse_status("{{ x "), "end of print statement");
  EXPECT_MESSAGE_HAS(parse_status("{% if x "), "end of statement block");
}

TEST(JinjaErrors, LexerErrors) {
  EXPECT_MESSAGE_HAS(parse_status("a {# never closed"), "missing end of comment tag");
  EXPECT_MESSAGE_HAS(parse_status("{% raw %} never closed"), "missing end of raw directive");
  EXPECT_MESSAGE_HAS(parse_status("{{ 'abc }}"), "unterminated string literal");
  EXPECT_MESSAGE_HAS(parse_status("{{ 1 ! 2 }}"), "unexpected character '!'");
  EXPECT_MESSAGE_HAS(parse_status("{{ (1] }}"), "unexpected ']', expected ')'");
  EXPECT_MESSAGE_HAS(parse_status("{{ 1) }}"), "unexpected ')'");
  EXPECT_MESSAGE_HAS(parse_status("{{ 99999999999999999999 }}"), "too large");
  EXPECT_MESSAGE_HAS(parse_status("{{ '\\x4' }}"), "truncated");
}

TEST(JinjaErrors, SyntaxErrorsNameLineAndColumn) {
  const Status st = parse_status("a\nb\n  {{ 1 + }}");
  EXPECT_MESSAGE_HAS(st, "template syntax error at line 3, column 10");
  EXPECT_MESSAGE_HAS(st, "unexpected end of print statement");
  EXPECT_MESSAGE_HAS(parse_status("{% for in xs %}{% endfor %}"), "'in'");
  EXPECT_MESSAGE_HAS(parse_status("{% set true = 1 %}"), "cannot assign to constant 'true'");
  EXPECT_MESSAGE_HAS(parse_status("{% macro m(a=1, b) %}{% endmacro %}"),
                     "non-default argument follows default argument");
  EXPECT_MESSAGE_HAS(parse_status("{{ x is a is b }}"), "cannot chain multiple tests");
  EXPECT_MESSAGE_HAS(parse_status("{% frobnicate %}"), "unknown tag 'frobnicate'");
  EXPECT_MESSAGE_HAS(parse_status("{% do x %}"), "unknown tag 'do'");  // jinja2.ext.do is off
  EXPECT_MESSAGE_HAS(parse_status("{% break %}"), "'break' outside of a for loop");
  EXPECT_MESSAGE_HAS(
      parse_status("{% for x in y %}{% macro m() %}{% continue %}{% endmacro %}{% endfor %}"),
      "'continue' outside of a for loop");
}

TEST(JinjaErrors, UnsupportedTagsAreNamed) {
  for (const char* src :
       {"{% include 'x.j2' %}", "{% extends 'base' %}", "{% block b %}{% endblock %}",
        "{% import 'm' as m %}", "{% for x in y recursive %}{% endfor %}"}) {
    const Status st = parse_status(src);
    EXPECT_EQ(st.code(), StatusCode::kUnsupported) << src;
    EXPECT_MESSAGE_HAS(st, "unsupported");
  }
}

TEST(JinjaErrors, NestingLimits) {
  const std::string parens = "{{ " + std::string(500, '(') + "1" + std::string(500, ')') + " }}";
  EXPECT_MESSAGE_HAS(parse_status(parens), "nested deeper than");
  std::string ifs;
  for (int i = 0; i < 300; ++i) ifs += "{% if true %}";
  EXPECT_MESSAGE_HAS(parse_status(ifs), "nested deeper than");
  std::string chain = "{{ 1";
  for (int i = 0; i < 2000; ++i) chain += " + 1";
  EXPECT_MESSAGE_HAS(parse_status(chain + " }}"), "expression nested deeper than 256 levels");
  std::string nots = "{{ ";
  for (int i = 0; i < 5000; ++i) nots += "not ";
  EXPECT_FALSE(parse_status(nots + "1 }}").ok());
  // Moderate nesting is fine.
  EXPECT_EQ(render("{{ " + std::string(50, '(') + "1" + std::string(50, ')') + " }}"), "1");
}

TEST(JinjaErrors, RuntimeErrorsNameTheLocation) {
  const Status st = render_error("ok\n{{ 'a' + 1 }}");
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(st.message(),
            "template error at line 2, column 8: can only concatenate str (not \"int\") to str");
  EXPECT_MESSAGE_HAS(render_error("{{ 1 / 0 }}"), "division by zero");
  EXPECT_MESSAGE_HAS(render_error("{{ 1 // 0 }}"), "integer division or modulo by zero");
  EXPECT_MESSAGE_HAS(render_error("{{ 1 < 'a' }}"),
                     "'<' not supported between instances of 'int' and 'str'");
  EXPECT_MESSAGE_HAS(render_error("{{ none + 1 }}"),
                     "unsupported operand type(s) for +: 'NoneType' and 'int'");
  EXPECT_MESSAGE_HAS(render_error("{% for x in 5 %}{% endfor %}"), "'int' object is not iterable");
  EXPECT_MESSAGE_HAS(render_error("{% set x = 1 %}{% set x.y = 2 %}"), "non-namespace object");
  EXPECT_MESSAGE_HAS(render_error("{% set a, b = [1, 2, 3] %}"),
                     "too many values to unpack (expected 2)");
  EXPECT_MESSAGE_HAS(render_error("{% set a, b = [1] %}"),
                     "not enough values to unpack (expected 2, got 1)");
  EXPECT_MESSAGE_HAS(render_error("{% macro f(a) %}{% endmacro %}{{ f(1, 2) }}"),
                     "macro 'f' takes not more than 1 argument(s)");
  EXPECT_MESSAGE_HAS(render_error("{% macro f(a) %}{% endmacro %}{{ f(b=2) }}"),
                     "macro 'f' takes no keyword argument 'b'");
  EXPECT_MESSAGE_HAS(render_error("{{ 2 ** 100 }}"), "integer overflow");
  EXPECT_MESSAGE_HAS(render_error("{{ 'x'.split('') }}"), "empty separator");
  EXPECT_MESSAGE_HAS(render_error("{{ [1, 2][::0] }}"), "slice step cannot be zero");
  EXPECT_MESSAGE_HAS(render_error("{{ 5 | int(1, 2, 3) }}"), "takes at most 2 argument(s)");
}

TEST(JinjaErrors, RaiseExceptionKeepsItsMessageExactly) {
  const Status st =
      render_error("line\n{{ raise_exception('Bad role: ' ~ role) }}", Json{{"role", "x"}});
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(st.message(), "Bad role: x");
  EXPECT_EQ(render_error("{% macro m() %}{{ raise_exception('deep') }}{% endmacro %}{{ m()|trim }}")
                .message(),
            "deep");
}

TEST(JinjaErrors, UndefinedSemantics) {
  // Printing, testing, iterating, len() and == work; attributes, calls and arithmetic raise.
  EXPECT_EQ(render("[{{ u }}|{{ u|length }}|{{ u is defined }}|{% for x in u %}x{% endfor %}|{{ u "
                   "== u }}|{{ u|default('d') }}]"),
            "[|0|False||True|d]");
  EXPECT_EQ(render("{{ 'a' in u }} {{ u|list }} {{ u|string }}| {{ not u }}"), "False [] | True");
  EXPECT_EQ(render_error("{{ u.x }}").message(),
            "template error at line 1, column 5: 'u' is undefined");
  EXPECT_MESSAGE_HAS(render_error("{{ u() }}"), "'u' is undefined");
  EXPECT_MESSAGE_HAS(render_error("{{ u['k'] }}"), "'u' is undefined");
  EXPECT_MESSAGE_HAS(render_error("{{ u + 1 }}"), "'u' is undefined");
  EXPECT_MESSAGE_HAS(render_error("{{ d.missing.x }}", Json{{"d", Json::object()}}),
                     "'dict object' has no attribute 'missing'");
  EXPECT_MESSAGE_HAS(render_error("{{ (1 if false).x }}"),
                     "evaluated to false and no else section");
  // Attributes of None are undefined, not errors; calling them is.
  EXPECT_EQ(render("[{{ n.x }}]", Json{{"n", nullptr}}), "[]");
  EXPECT_MESSAGE_HAS(render_error("{{ n.startswith('a') }}", Json{{"n", nullptr}}),
                     "'None' has no attribute 'startswith'");
}

TEST(JinjaErrors, RenderLimits) {
  auto t = Template::parse("{% for i in range(1000) %}xxxxxxxxxx{% endfor %}");
  ASSERT_TRUE(t.ok());
  RenderLimits small;
  small.max_output_bytes = 100;
  auto out = t->render(Json::object(), small);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kResourceExhausted);

  RenderLimits few_steps;
  few_steps.max_steps = 1000;
  auto loop = Template::parse("{% for i in range(100000) %}{% endfor %}");
  ASSERT_TRUE(loop.ok());
  auto looped = loop->render(Json::object(), few_steps);
  ASSERT_FALSE(looped.ok());
  EXPECT_MESSAGE_HAS(looped.status(), "work budget");

  const Status rec = render_error("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}");
  EXPECT_EQ(rec.code(), StatusCode::kResourceExhausted);
  EXPECT_MESSAGE_HAS(rec, "recursion too deep");

  auto doubling = Template::parse(
      "{% set ns = namespace(s='x') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% "
      "endfor %}");
  ASSERT_TRUE(doubling.ok());
  auto blowup = doubling->render(Json::object(), small);
  ASSERT_FALSE(blowup.ok());
  EXPECT_EQ(blowup.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(doubling->render(Json::object()).status().code(), StatusCode::kResourceExhausted);
  EXPECT_MESSAGE_HAS(render_error("{{ 'x' * 1000000000 }}"), "larger than the render limit");
  EXPECT_MESSAGE_HAS(render_error("{{ range(1000000)|length }}"),
                     "Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).");
  EXPECT_MESSAGE_HAS(render_error("{{ '{:>999999999999}'.format(1) }}"), "exceeds the limit");
}

TEST(JinjaErrors, StackBudgetProtectsSmallThreadStacks) {
  // Endless recursion in a thread with a 1 MiB stack: the stack budget stops it, whatever the
  // frame sizes of this build (release, debug, sanitizers).
  struct Job {
    Result<std::string> out = Status(StatusCode::kInternal, "not run");
  } job;
  auto run = [](void* p) -> void* {
    auto t = Template::parse("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}");
    RenderLimits limits;
    limits.max_depth = 1000000;
    limits.max_stack_bytes = 256 << 10;
    static_cast<Job*>(p)->out = t->render(Json::object(), limits);
    return nullptr;
  };
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 1 << 20);
  pthread_t thread;
  ASSERT_EQ(pthread_create(&thread, &attr, run, &job), 0);
  pthread_join(thread, nullptr);
  pthread_attr_destroy(&attr);
  ASSERT_FALSE(job.out.ok());
  EXPECT_EQ(job.out.status().code(), StatusCode::kResourceExhausted);
  EXPECT_MESSAGE_HAS(job.out.status(), "recursion too deep");
}

TEST(JinjaErrors, ValuesStayBounded) {
  EXPECT_MESSAGE_HAS(render_error("{% set ns = namespace(v=[]) %}{% for i in range(300) %}{% set "
                                  "ns.v = [ns.v] %}{% endfor %}"),
                     "nested too deeply");
  // A namespace holding itself prints without recursing forever.
  const std::string self = render("{% set ns = namespace() %}{% set ns.me = ns %}{{ ns }}");
  EXPECT_TRUE(contains(self, "<Namespace {'me': <Namespace {'me': ")) << self.substr(0, 200);
  Json deep = Json::array();
  for (int i = 0; i < 1000; ++i) deep = Json::array({deep});
  EXPECT_MESSAGE_HAS(render_error("{{ v }}", Json{{"v", deep}}), "nested deeper than");
  EXPECT_FALSE(Template::parse("x")->render(Json::array()).ok());  // variables must be an object
}

}  // namespace
}  // namespace internvl::jinja
