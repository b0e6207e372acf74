// Every filter we implement, against outputs checked with jinja2 3.1 (tojson as Transformers
// overrides it: json.dumps with ensure_ascii=False).
#include <gtest/gtest.h>

#include "render_helpers.h"

namespace internvl::jinja {
namespace {

using test_helpers::render;
using test_helpers::render_error;

const Json kVars = Json::parse(R"({"xs": [1, 2, 3], "d": {"a": 1, "b": [1, 2]}, "n": null,
  "s": "hello", "e": "",
  "msgs": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}],
  "tool": {"name": "get", "args": {"city": "Zürich", "n": 2, "ok": true, "x": null, "f": 0.5}}})");

std::string r(std::string_view src) { return render(src, kVars); }

TEST(JinjaFilters, Tojson) {
  EXPECT_EQ(
      r("{{ tool|tojson }}"),
      R"({"name": "get", "args": {"city": "Zürich", "n": 2, "ok": true, "x": null, "f": 0.5}})");
  EXPECT_EQ(r("{{ [1, 2]|tojson(indent=2) }}"), "[\n  1,\n  2\n]");
  EXPECT_EQ(r("{{ {'k': [true]}|tojson(indent=1) }}"), "{\n \"k\": [\n  true\n ]\n}");
  EXPECT_EQ(
      r("{{ 'é\"<&>\\n\\t'|tojson }} {{ 'é'|tojson(ensure_ascii=true) }} {{ '😀'|tojson(true) }}"),
      R"("é\"<&>\n\t" "\u00e9" "\ud83d\ude00")");
  // True == 1, so the last key overwrites the first (Python dict semantics).
  EXPECT_EQ(r("{{ {1: 2, 'x': none, 1.5: 'f', true: 0}|tojson }} {{ {false: 1, none: 2}|tojson }}"),
            R"({"1": 0, "x": null, "1.5": "f"} {"false": 1, "null": 2})");
  EXPECT_EQ(
      r("{{ {'b': 1, 'a': 2}|tojson(sort_keys=true) }} {{ d|tojson(separators=(',', ':')) }}"),
      R"({"a": 2, "b": 1} {"a":1,"b":[1,2]})");
  EXPECT_EQ(
      r("{{ [1.0, 1e20, 1e-7, -0.0, (1, 2)]|tojson }} {{ []|tojson(indent=2) }} {{ {}|tojson }}"),
      "[1.0, 1e+20, 1e-07, -0.0, [1, 2]] [] {}");
  EXPECT_EQ(r("{{ xs|tojson(indent='\\t') }}"), "[\n\t1,\n\t2,\n\t3\n]");
  EXPECT_FALSE(render_error("{{ undefined_x|tojson }}", kVars).ok());
  EXPECT_FALSE(render_error("{{ namespace(a=1)|tojson }}", kVars).ok());
}

TEST(JinjaFilters, Text) {
  EXPECT_EQ(r("[{{ '  a b  '|trim }}|{{ 'xxaxx'|trim('x') }}|{{ n|trim }}|{{ undefined_x|trim }}]"),
            "[a b|a|None|]");
  EXPECT_EQ(r("{{ 'hELLO'|lower }} {{ s|upper }} {{ 'hELLO wORLD'|capitalize }} {{ 'hello "
              "world-foo (bar'|title }}"),
            "hello HELLO Hello world Hello World-Foo (Bar");
  EXPECT_EQ(r("{{ 'hello'|replace('l', 'L') }} {{ 'hello'|replace('l', 'L', 1) }} {{ "
              "5|replace('5', 'five') }}"),
            "heLLo heLlo five");
  EXPECT_EQ(r("{{ none|string }} {{ true|string }} {{ 1.0|string }} {{ [1, 'x']|string }} [{{ "
              "undefined_x|string }}]"),
            "None True 1.0 [1, 'x'] []");
  EXPECT_EQ(r("{{ 'Hello'|center(11) }}|{{ 'hello world foo bar'|truncate(11) }}|{{ 'hello "
              "world'|truncate(5, true) }}"),
            "   Hello   |hello...|he...");
  EXPECT_EQ(r("{{ 'a b-c d_e'|wordcount }} {{ '<b>x</b>  &amp; <!-- c --> y'|striptags }} {{ '<a "
              "href=\"x\">&'|e }}"),
            "4 x & y &lt;a href=&#34;x&#34;&gt;&amp;");
  EXPECT_EQ(r("{{ '%s=%d'|format('a', 1) }} {{ '%(k)s'|format(k='v') }}"), "a=1 v");
  EXPECT_EQ(r("{{ 5|safe ~ '!' }} {{ '<x>'|safe }}"), "5! <x>");
}

TEST(JinjaFilters, Indent) {
  EXPECT_EQ(r("{{ 'a\\nb\\n'|indent(2) }}|{{ 'a\\n\\nb'|indent(2, true) }}|{{ 'a\\n\\nb'|indent(2, "
              "blank=true) }}"),
            "a\n  b\n|  a\n\n  b|a\n  \n  b");
  EXPECT_EQ(r("{{ 'a\\nb'|indent('> ') }}|{{ 'x'|indent }}"), "a\n> b|x");
}

TEST(JinjaFilters, Numbers) {
  EXPECT_EQ(r("{{ '3'|int + 1 }} {{ '3.7'|int }} {{ 'x'|int(5) }} {{ '0x1f'|int(0, 16) }} {{ "
              "2.9|int }} {{ true|int }} {{ n|int }}"),
            "4 3 5 31 2 1 0");
  EXPECT_EQ(
      r("{{ '1.5'|float }} {{ 'x'|float }} {{ 3|float }} {{ ' 2 '|float }} {{ 'x'|float(9) }}"),
      "1.5 0.0 3.0 2.0 9");
  EXPECT_EQ(r("{{ -1|abs }} {{ -2.5|abs }} {{ 3|round }} {{ 2.5|round }} {{ 3.5|round }} {{ "
              "2.675|round(2) }}"),
            "1 2.5 3 2.0 4.0 2.67");
  EXPECT_EQ(
      r("{{ 3.14159|round(2, 'floor') }} {{ 3.14159|round(1, 'ceil') }} {{ 1234.5|round(-2) }}"),
      "3.14 3.2 1200.0");
}

TEST(JinjaFilters, Sequences) {
  EXPECT_EQ(r("{{ xs|length }} {{ s|length }} {{ d|length }} {{ 'é😀'|length }} {{ xs|count }} {{ "
              "undefined_x|length }}"),
            "3 5 2 2 3 0");
  EXPECT_EQ(r("{{ xs|first }} {{ xs|last }} {{ s|first }} {{ d|first }} [{{ []|first }}]"),
            "1 3 h a []");
  EXPECT_EQ(r("{{ 'abc'|list }} {{ d|list }} {{ (1, 2)|list }} {{ 'abc'|reverse }} {{ "
              "xs|reverse|list }}"),
            "['a', 'b', 'c'] ['a', 'b'] [1, 2] cba [3, 2, 1]");
  EXPECT_EQ(r("{{ xs|join }} {{ xs|join(', ') }} {{ msgs|join('|', attribute='role') }}"),
            "123 1, 2, 3 user|assistant");
  EXPECT_EQ(r("{{ d|items|list }} {{ undefined_x|items|list }}"), "[('a', 1), ('b', [1, 2])] []");
  EXPECT_EQ(r("{{ d|dictsort }} {{ {'b': 1, 'a': 2}|dictsort(by='value') }} {{ {'B': 1, 'a': "
              "2}|dictsort }}"),
            "[('a', 1), ('b', [1, 2])] [('b', 1), ('a', 2)] [('a', 2), ('B', 1)]");
  EXPECT_EQ(r("{{ {'B': 1, 'a': 2}|dictsort(true) }} {{ d|dictsort(reverse=true)|first }}"),
            "[('B', 1), ('a', 2)] ('b', [1, 2])");
  EXPECT_EQ(
      r("{{ xs|batch(2)|list }} {{ [1, 2, 3, 4, 5]|batch(2, 0)|list }} {{ xs|slice(2)|list }}"),
      "[[1, 2], [3]] [[1, 2], [3, 4], [5, 0]] [[1, 2], [3]]");
}

TEST(JinjaFilters, DefaultAndSafe) {
  EXPECT_EQ(r("{{ undefined_x|default('dflt') }} {{ n|default('x') }} {{ n|default('x', true) }} "
              "{{ e|d('empty', boolean=true) }}"),
            "dflt None x empty");
  EXPECT_EQ(r("[{{ undefined_x|default }}]"), "[]");
}

TEST(JinjaFilters, SortUniqueMinMaxSum) {
  EXPECT_EQ(r("{{ [3, 1, 2]|sort }} {{ [3, 1, 2]|sort(reverse=true) }} {{ ['b', 'A', 'a']|sort }} "
              "{{ ['b', 'C', 'a']|sort(case_sensitive=true) }}"),
            "[1, 2, 3] [3, 2, 1] ['A', 'a', 'b'] ['C', 'a', 'b']");
  EXPECT_EQ(r("{{ [{'a': 2}, {'a': 1}]|sort(attribute='a') }} {{ [(2, 'a'), (1, 'b')]|sort }}"),
            "[{'a': 1}, {'a': 2}] [(1, 'b'), (2, 'a')]");
  EXPECT_EQ(r("{{ ['b', 'A', 'a']|unique|list }} {{ ['b', 'A', 'a']|unique(true)|list }} {{ "
              "msgs|unique(attribute='role')|list|length }}"),
            "['b', 'A'] ['b', 'A', 'a'] 2");
  EXPECT_EQ(r("{{ [3, 1, 2]|min }} {{ [3, 1, 2]|max }} {{ ['B', 'a']|max }} {{ [{'a': 2}, {'a': "
              "1}]|min(attribute='a') }} [{{ []|max }}]"),
            "1 3 B {'a': 1} []");
  EXPECT_EQ(r("{{ xs|sum }} {{ [1, 2]|sum(start=10) }} {{ [0.5, 1]|sum }} {{ "
              "msgs|map(attribute='content')|join }}"),
            "6 13 1.5 hiyo");
  EXPECT_FALSE(render_error("{{ [1, 'a']|sort }}", kVars).ok());
}

TEST(JinjaFilters, SelectRejectMap) {
  EXPECT_EQ(r("{{ xs|select('odd')|list }} {{ xs|reject('odd')|list }} {{ xs|select('>', 1)|list "
              "}} {{ [0, 1, '']|select|list }}"),
            "[1, 3] [2] [2, 3] [1]");
  EXPECT_EQ(r("{{ [{'a': 1}, {'a': 0}]|selectattr('a')|list }} {{ [{'a': 1}, {'a': "
              "0}]|rejectattr('a')|list }}"),
            "[{'a': 1}] [{'a': 0}]");
  EXPECT_EQ(r("{{ msgs|selectattr('role', 'equalto', 'user')|map(attribute='content')|first }}"),
            "hi");
  EXPECT_EQ(r("{{ xs|map('string')|join(',') }} {{ ['a', 'b']|map('upper')|list }} {{ [' a "
              "']|map('trim')|first }}"),
            "1,2,3 ['A', 'B'] a");
  EXPECT_EQ(r("{{ [{'a': {'b': 5}}]|map(attribute='a.b')|list }} {{ [{}]|map(attribute='x', "
              "default='-')|list }}"),
            "[5] ['-']");
  // Like Python generators, these are truthy even when empty and have no len().
  EXPECT_EQ(r("{% if xs|select('>', 9) %}truthy{% endif %}"), "truthy");
  EXPECT_FALSE(render_error("{{ xs|select('odd')|length }}", kVars).ok());
}

TEST(JinjaFilters, Attr) {
  EXPECT_EQ(r("{{ msgs|map(attribute='role')|list }} [{{ d|attr('a') }}] {{ "
              "(d|attr('items'))()|list|length }}"),
            "['user', 'assistant'] [] 2");
}

TEST(JinjaFilters, UnknownFilterFailsOnlyWhenUsed) {
  EXPECT_EQ(r("{% if false %}{{ s|no_such_filter }}{% endif %}ok"), "ok");
  const Status st = render_error("{{ s|no_such_filter }}", kVars);
  EXPECT_EQ(st.code(), StatusCode::kUnsupported);
  EXPECT_TRUE(test_helpers::contains(st.message(), "unsupported filter 'no_such_filter'"))
      << st.message();
  EXPECT_TRUE(test_helpers::contains(st.message(), "line 1, column 6")) << st.message();
}

}  // namespace
}  // namespace internvl::jinja
