// Expressions with Python semantics: literals, arithmetic, comparisons, printing, lookups,
// calls and methods. Expected texts were checked with jinja2 3.1.
#include <gtest/gtest.h>

#include <algorithm>

#include "render_helpers.h"

namespace internvl::jinja {
namespace {

using test_helpers::render;

const Json kVars = Json::parse(R"({"xs": [1, 2, 3], "d": {"a": 1, "b": [1, 2]}, "n": null,
  "s": "hello", "f": 1.5, "t": true, "e": "", "es": [],
  "msgs": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]})");

std::string r(std::string_view src) { return render(src, kVars); }

TEST(JinjaExpressions, Literals) {
  EXPECT_EQ(r("{{ 42 }} {{ -3 }} {{ 1_000 }} {{ 0x1f }} {{ 0o17 }} {{ 0b101 }}"),
            "42 -3 1000 31 15 5");
  EXPECT_EQ(r("{{ 2.5 }} {{ 1e3 }} {{ 1_0.5 }} {{ 1E-2 }}"), "2.5 1000.0 10.5 0.01");
  EXPECT_EQ(r("{{ true }} {{ True }} {{ false }} {{ none }} {{ None }}"),
            "True True False None None");
  EXPECT_EQ(r("{{ 'a' \"b\" 'c' }}"), "abc");  // adjacent literals concatenate
  EXPECT_EQ(r(R"({{ 'it\'s' }} {{ "tab\tnew\nline" }} {{ '\x41\u00e9\U0001F600' }} {{ '\q' }})"),
            "it's tab\tnew\nline Aé😀 \\q");
  EXPECT_EQ(
      r("{{ [1, 'a', none] }} {{ (1,) }} {{ () }} {{ (1, 2) }} {{ {'k': [2]} }} {{ [1, 2,] }}"),
      "[1, 'a', None] (1,) () (1, 2) {'k': [2]} [1, 2]");
}

TEST(JinjaExpressions, PythonPrinting) {
  EXPECT_EQ(r("{{ 1.0 }} {{ 0.5 }} {{ 1e-5 }} {{ 0.0001 }} {{ 1e16 }} {{ 1e15 }} {{ 0.1 + 0.2 }}"),
            "1.0 0.5 1e-05 0.0001 1e+16 1000000000000000.0 0.30000000000000004");
  EXPECT_EQ(r("{{ -0.0 }} {{ 1e300 * 1e300 }} {{ 123456789.123 }}"), "-0.0 inf 123456789.123");
  EXPECT_EQ(r(R"({{ ["it's"] }} {{ ['a"b', "a'b\"c"] }} {{ ['\n\t\x01é\u2028'] }})"),
            R"(["it's"] ['a"b', 'a\'b"c'] ['\n\t\x01é\u2028'])");
  EXPECT_EQ(r("{{ [true, none, 1.5, {'k': (1,)}] }}"), "[True, None, 1.5, {'k': (1,)}]");
  EXPECT_EQ(r("{{ 'a' ~ 1 ~ none ~ true ~ 1.5 ~ undefined_name }}"), "a1NoneTrue1.5");
  EXPECT_EQ(r("{{ msgs[0] }}"), "{'role': 'user', 'content': 'hi'}");
}

TEST(JinjaExpressions, Arithmetic) {
  EXPECT_EQ(r("{{ 7 / 2 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ -7 % 3 }} {{ 7 % -3 }}"),
            "3.5 3 -4 1 2 -2");
  EXPECT_EQ(
      r("{{ 7.5 // 2 }} {{ -7.5 % 2 }} {{ 6 / 3 }} {{ 2 ** 10 }} {{ 2 ** -1 }} {{ 2.0 ** 2 }}"),
      "3.0 0.5 2.0 1024 0.5 4.0");
  EXPECT_EQ(r("{{ 1 + 2 * 3 }} {{ (1 + 2) * 3 }} {{ 10 - 2 - 3 }} {{ 2 ** 3 ** 2 }}"),
            "7 9 5 64");  // Jinja's ** is left-associative
  // Unary minus binds tighter than filters: -3|abs is abs(-3), and -xs|length fails.
  EXPECT_EQ(r("{{ true + 1 }} {{ 1 + 1.5 }} {{ -(xs|length) }} {{ -3|abs }} {{ +3 }} {{ -(-2) }}"),
            "2 2.5 -3 3 3 2");
  EXPECT_EQ(r("{{ 'ab' * 3 }} {{ 2 * 'x' }} {{ [1] * 2 }} {{ 'a' + 'b' }} {{ [1] + [2] }} {{ (1,) "
              "+ (2,) }}"),
            "ababab xx [1, 1] ab [1, 2] (1, 2)");
  EXPECT_EQ(r("{{ '%s-%d|%5.2f|%-4s|%03d|%x|%r' % ('a', 3, 3.14159, 'b', 7, 255, 'q') }}"),
            "a-3| 3.14|b   |007|ff|'q'");
  EXPECT_EQ(r("{{ '%(x)s!' % {'x': 1} }} {{ '%s' % [1] }} {{ '100%%' % () }}"), "1! [1] 100%");
}

TEST(JinjaExpressions, ComparisonsAndLogic) {
  EXPECT_EQ(r("{{ 1 == 1.0 }} {{ true == 1 }} {{ 'a' < 'b' }} {{ [1, 2] < [1, 3] }} {{ (1, 2) == "
              "[1, 2] }}"),
            "True True True True False");
  EXPECT_EQ(r("{{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }} {{ 2 >= 2 }} {{ 1 != 2 }} {{ none == none }}"),
            "True False True True True");
  EXPECT_EQ(
      r("{{ 'a' in ['a'] }} {{ 'a' in d }} {{ 'z' not in d }} {{ 'ell' in s }} {{ 1 in (1, 2) }}"),
      "True True True True True");
  EXPECT_EQ(
      r("{{ not true }} {{ true and 'x' }} {{ false or 'y' }} {{ 0 or '' }} {{ none and 1 }}"),
      "False x y  None");
  EXPECT_EQ(r("{{ {'a': 1} == {'a': 1.0} }} {{ [1] != [1] }} {{ undefined_a == undefined_b }}"),
            "True False True");
}

TEST(JinjaExpressions, Conditional) {
  EXPECT_EQ(r("{{ 'a' if false }}|{{ 'a' if true else 'b' }}|{{ 1 if 0 else 2 if 0 else 3 }}"),
            "|a|3");
  EXPECT_EQ(r("{{ (1 if false) is defined }}"), "False");
}

TEST(JinjaExpressions, SubscriptsAndSlices) {
  EXPECT_EQ(r("{{ xs[0] }} {{ xs[-1] }} {{ xs.1 }} {{ d['a'] }} {{ d.b[1] }} {{ msgs.0.role }}"),
            "1 3 2 1 2 user");
  EXPECT_EQ(r("{{ xs[1:] }} {{ xs[:-1] }} {{ xs[::2] }} {{ xs[::-1] }} {{ (1, 2, 3)[1:] }}"),
            "[2, 3] [1, 2] [1, 3] [3, 2, 1] (2, 3)");
  EXPECT_EQ(r("{{ s[1] }} {{ s[-1] }} {{ s[1:3] }} {{ s[::-1] }} {{ 'é😀x'[1] }} {{ 'é😀x'[::-1] }}"),
            "e o el olleh 😀 x😀é");
  // Missing items and attributes are undefined (printing nothing).
  EXPECT_EQ(r("[{{ xs[10] }}|{{ d.foo }}|{{ d['foo'] }}|{{ s.foo }}|{{ n.x }}|{{ xs['a'] }}]"),
            "[|||||]");
  // Attribute access falls back to items and item access to attributes.
  EXPECT_EQ(r("{{ d.a }} {{ d['items']()|list }}"), "1 [('a', 1), ('b', [1, 2])]");
}

TEST(JinjaExpressions, StringMethods) {
  EXPECT_EQ(r("{{ s.upper() }} {{ s.title() }} {{ '  x '.strip() }} {{ 'xxyxx'.strip('x') }}"),
            "HELLO Hello x y");
  EXPECT_EQ(r("{{ s.rstrip('o') }} {{ s.lstrip('h') }} {{ 'a-b'.replace('-', '+') }} {{ "
              "'+'.join(['1', '2']) }}"),
            "hell ello a+b 1+2");
  EXPECT_EQ(r("{{ s.split('l') }} {{ 'a b  c'.split() }} {{ 'a,b,c'.split(',', 1) }} {{ 'a b "
              "c'.rsplit(' ', 1) }}"),
            "['he', '', 'o'] ['a', 'b', 'c'] ['a', 'b,c'] ['a b', 'c']");
  EXPECT_EQ(r("{{ '  a  b  '.split(None, 1) }} {{ 'a\\nb\\r\\nc'.splitlines() }} {{ ''.split() }}"),
            "['a', 'b  '] ['a', 'b', 'c'] []");
  EXPECT_EQ(r("{{ s.startswith('he') }} {{ s.startswith(('x', 'h')) }} {{ s.endswith('lo') }} {{ "
              "'abc'.endswith('b', 0, 2) }}"),
            "True True True True");
  EXPECT_EQ(r("{{ s.find('l') }} {{ s.rfind('l') }} {{ s.find('z') }} {{ s.count('l') }} {{ "
              "'é😀x'.find('x') }}"),
            "2 3 -1 2 2");
  EXPECT_EQ(r("{{ 'x'.center(5, '*') }} {{ '42'.zfill(5) }} {{ 'a.b.c'.partition('.') }} {{ "
              "'a.b.c'.rpartition('.') }}"),
            "**x** 00042 ('a', '.', 'b.c') ('a.b', '.', 'c')");
  EXPECT_EQ(r("{{ 'hello'.removeprefix('he') }} {{ 'Hi There'.swapcase() }} {{ 'abc'.isalpha() }} "
              "{{ '12'.isdigit() }} {{ 'Ab Cd'.istitle() }}"),
            "llo hI tHERE True True True");
  EXPECT_EQ(r("{{ '{0}-{1}-{0}'.format('a', 'b') }} {{ '{x}/{y}'.format(x=1, y=2) }} {{ "
              "'{:>5}|{:05.1f}|{:,}|{!r}'.format('a', 3.14159, 1234567, 'q') }}"),
            "a-b-a 1/2     a|003.1|1,234,567|'q'");
  EXPECT_EQ(r("{{ 'ß'.upper() }} {{ 'ÀÉÎ'.lower() }} {{ 'привет мир'.title() }}"),
            "SS àéî Привет Мир");
}

TEST(JinjaExpressions, DictAndListMethods) {
  EXPECT_EQ(r("{{ d.get('a') }} {{ d.get('z') }} {{ d.get('z', 5) }} {{ d.keys()|list }} {{ "
              "d.values()|list }}"),
            "1 None 5 ['a', 'b'] [1, [1, 2]]");
  EXPECT_EQ(r("{{ d.items()|list }} {{ xs.index(2) }} {{ xs.count(1) }} {{ (1, 2, 1).count(1) }}"),
            "[('a', 1), ('b', [1, 2])] 1 1 2");
  // Mutating methods are refused by the sandbox: they are undefined values.
  EXPECT_EQ(r("{{ xs.append is defined }}|{{ d.update is defined }}|{{ xs.append }}"),
            "False|False|");
}

TEST(JinjaExpressions, CallsWithKeywordsAndUnpacking) {
  EXPECT_EQ(r("{% macro m(a, b=2, c=3) %}{{ a }}{{ b }}{{ c }}{% endmacro %}{{ m(1, c=9) }} {{ "
              "m(*[4, 5]) }} {{ m(**{'a': 7}) }}"),
            "129 453 723");
  EXPECT_EQ(r("{{ dict(a=1, b=2) }} {{ dict([('x', 1)]) }} {{ namespace(a=1).a }}"),
            "{'a': 1, 'b': 2} {'x': 1} 1");
  EXPECT_EQ(r("{{ range(3)|list }} {{ range(1, 10, 3)|list }} {{ range(5, 0, -2)|list }}"),
            "[0, 1, 2] [1, 4, 7] [5, 3, 1]");
}

TEST(JinjaExpressions, TransformersGlobals) {
  const std::string year = r("{{ strftime_now('%Y') }}");
  ASSERT_EQ(year.size(), 4u) << year;
  EXPECT_TRUE(std::all_of(year.begin(), year.end(), [](char c) { return c >= '0' && c <= '9'; }));
  EXPECT_EQ(r("[{{ strftime_now('') }}]"), "[]");
  EXPECT_EQ(test_helpers::render_error("{{ raise_exception('stop here') }}").message(),
            "stop here");
}

TEST(JinjaExpressions, ConcatAndPrintOfNonStrings) {
  EXPECT_EQ(r("{{ xs ~ d ~ n }}"), "[1, 2, 3]{'a': 1, 'b': [1, 2]}None");
  EXPECT_EQ(r("{{ xs, 'a' }}"), "([1, 2, 3], 'a')");
  EXPECT_EQ(r("{{ msgs|selectattr('role') }}"), "<generator object>");
}

}  // namespace
}  // namespace internvl::jinja
