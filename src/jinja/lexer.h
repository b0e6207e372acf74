// Jinja2 lexer with Transformers' settings: trim_blocks, lstrip_blocks, keep_trailing_newline off,
// `{%- -%}` / `{%+ +%}` whitespace control, comments and raw blocks (jinja2/lexer.py, 3.1).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "internvl/status.h"

namespace internvl::jinja {

enum class Tok : std::uint8_t {
  kData,        // template text (already whitespace-controlled)
  kBlockBegin,  // {%
  kBlockEnd,    // %}
  kVarBegin,    // {{
  kVarEnd,      // }}
  kName,
  kString,  // text holds the unescaped value
  kInt,
  kFloat,
  kOp,  // text holds the operator: + - * / // % ** ~ ( ) [ ] { } == != < <= > >= = . : | , ;
  kEof,
};

struct Token {
  Tok type = Tok::kEof;
  std::string text;
  std::int64_t int_value = 0;
  double float_value = 0;
  std::size_t offset = 0;  // byte offset in the normalized source
};

/// What Jinja lexes: newlines unified to "\n" and one trailing newline dropped.
std::string normalize_source(std::string_view source);

/// "line 3, column 7" for a byte offset of the normalized source (column counts code points).
std::string describe_position(std::string_view source, std::size_t offset);

/// Splits normalized source into tokens (ending with kEof); errors name line and column.
Result<std::vector<Token>> tokenize(std::string_view source);

}  // namespace internvl::jinja
