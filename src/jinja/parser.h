// Jinja2 parser: tokens -> syntax tree, following jinja2/parser.py (3.1) for precedence, tuples,
// filters/tests, and the statements chat templates use.
#pragma once

#include <string_view>
#include <vector>

#include "internvl/status.h"
#include "jinja/ast.h"
#include "jinja/lexer.h"

namespace internvl::jinja {

/// Deepest expression tree / block nesting the parser accepts (keeps evaluation stack bounded).
inline constexpr int kMaxExprDepth = 256;
inline constexpr int kMaxNesting = 250;  // each parenthesis level counts about twice

/// Parses the tokens of `source` (the normalized text, for messages) into the template body.
Result<Body> parse_template(std::string_view source, std::vector<Token> tokens);

}  // namespace internvl::jinja
