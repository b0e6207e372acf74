// Lexer behaviour under Transformers' settings: trim_blocks, lstrip_blocks, no trailing newline,
// `-`/`+` whitespace control, comments and raw blocks. Expected texts were checked with jinja2.
#include <gtest/gtest.h>

#include "render_helpers.h"

namespace internvl::jinja {
namespace {

using test_helpers::render;

TEST(JinjaWhitespace, TrimBlocksDropsTheNewlineAfterATag) {
  EXPECT_EQ(render("{% if true %}\nyes\n{% endif %}\nend"), "yes\nend");
  EXPECT_EQ(render("{% set x = 1 %}\n{{ x }}"), "1");
  // Only one newline goes, and never after {{ }}.
  EXPECT_EQ(render("{% if true %}\n\nx{% endif %}"), "\nx");
  EXPECT_EQ(render("{{ 'x' }}\n{{ 'y' }}"), "x\ny");
}

TEST(JinjaWhitespace, LstripBlocksRemovesIndentBeforeTags) {
  EXPECT_EQ(render("  {% if true %}\n  yes\n  {% endif %}\n  end"), "  yes\n  end");
  EXPECT_EQ(render("\t{% if true %}tab{% endif %}"), "tab");
  EXPECT_EQ(render("{% for x in [1, 2] %}\n    {{ x }}\n{% endfor %}"), "    1\n    2\n");
  // Not when text precedes the tag on its line, and never before {{ }}.
  EXPECT_EQ(render("a  {% if true %}b{% endif %}"), "a  b");
  EXPECT_EQ(render("{{ 1 }}  {% if true %}b{% endif %}"), "1  b");
  EXPECT_EQ(render("  {{ 'v' }}"), "  v");
}

TEST(JinjaWhitespace, MinusStripsAllWhitespaceOnThatSide) {
  EXPECT_EQ(render("a   {%- if true -%}   b   {%- endif -%}   c"), "abc");
  EXPECT_EQ(render("text   {{- 1 }}   {{ 2 -}}   more"), "text1   2more");
  EXPECT_EQ(render("{%- for x in [1, 2, 3] -%}\n  {{ x }}\n{%- endfor %}\ntail"), "123tail");
  EXPECT_EQ(render("x\n\n   {{- 'y' }}"), "xy");
  // `{{-1}}` reads as a strip marker followed by 1.
  EXPECT_EQ(render("a {{-1}}"), "a1");
}

TEST(JinjaWhitespace, PlusKeepsWhitespace) {
  EXPECT_EQ(render("  {%+ if true %}x{% endif %}"), "  x");
  EXPECT_EQ(render("{% if true +%}\nx{% endif %}"), "\nx");
}

TEST(JinjaWhitespace, Comments) {
  EXPECT_EQ(render("line1\n    {# a comment #}\nline2"), "line1\nline2");
  EXPECT_EQ(render("a {#- trimmed -#} b"), "ab");
  EXPECT_EQ(render("{# c1 #}\n{# c2 #}x"), "x");
  EXPECT_EQ(render("a{# {{ not rendered }} {% if %} #}b"), "ab");
}

TEST(JinjaWhitespace, RawBlocks) {
  EXPECT_EQ(render("{% raw %}{{ not rendered }}{% endraw %}"), "{{ not rendered }}");
  EXPECT_EQ(render("{% raw -%}\n   keep {{ this }}\n{%- endraw %}\nafter"), "keep {{ this }}after");
  EXPECT_EQ(render("  {% raw %}  r  {% endraw %}"), "  r  ");
}

TEST(JinjaWhitespace, TrailingNewlineAndLineEndings) {
  EXPECT_EQ(render("x\n"), "x");  // keep_trailing_newline=False drops one
  EXPECT_EQ(render("x\n\n"), "x\n");
  EXPECT_EQ(render("a\r\nb\rc"), "a\nb\nc");
  EXPECT_EQ(render("{% if true %}\r\nx{% endif %}"), "x");
}

TEST(JinjaWhitespace, BracesInsideTagsDoNotCloseThem) {
  EXPECT_EQ(render("{{ {'a': {'b': 1}} }}"), "{'a': {'b': 1}}");
  EXPECT_EQ(render("{{ {'a': {'b': 1}}['a'] }}"), "{'b': 1}");
  EXPECT_EQ(render("{% set d = {'k': {'v': 2}} %}{{ d.k.v }}"), "2");
}

TEST(JinjaWhitespace, QwenStyleTemplateLayout) {
  const char* src =
      "{%- for m in messages %}\n"
      "    {%- if m.role == 'user' %}\n"
      "        {{- '<u>' + m.content + '\\n' }}\n"
      "    {%- else %}\n"
      "        {{- '<a>' + m.content }}\n"
      "    {%- endif %}\n"
      "{%- endfor %}\n";
  const Json vars = {{"messages", Json::array({{{"role", "user"}, {"content", "hi"}},
                                               {{"role", "assistant"}, {"content", "yo"}}})}};
  EXPECT_EQ(render(src, vars), "<u>hi\n<a>yo");
}

}  // namespace
}  // namespace internvl::jinja
