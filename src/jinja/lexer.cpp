#include "jinja/lexer.h"

#include <cmath>
#include <cstdlib>
#include <limits>

#include "core/str.h"
#include "jinja/pystr.h"

namespace internvl::jinja {

std::string normalize_source(std::string_view source) {
  std::string out;
  out.reserve(source.size());
  for (std::size_t i = 0; i < source.size(); ++i) {
    if (source[i] == '\r') {
      out.push_back('\n');
      if (i + 1 < source.size() && source[i + 1] == '\n') ++i;
    } else {
      out.push_back(source[i]);
    }
  }
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

std::string describe_position(std::string_view source, std::size_t offset) {
  offset = std::min(offset, source.size());
  std::size_t line = 1;
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < offset; ++i) {
    if (source[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  const std::size_t col = py::cp_count(source.substr(line_start, offset - line_start)) + 1;
  return str_cat("line ", line, ", column ", col);
}

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool is_name_start(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}
bool is_name_char(unsigned char c) { return is_name_start(c) || is_digit(static_cast<char>(c)); }

class Lexer {
 public:
  explicit Lexer(std::string_view src) : s_(src) {}

  Result<std::vector<Token>> run() {
    while (pos_ < s_.size()) {
      INTERNVL_RETURN_IF_ERROR(lex_root());
    }
    push(Tok::kEof, "", s_.size());
    return std::move(tokens_);
  }

 private:
  Status error(std::size_t offset, std::string_view msg) const {
    return invalid_argument("template syntax error at ", describe_position(s_, offset), ": ", msg);
  }

  void push(Tok type, std::string text, std::size_t offset) {
    Token t;
    t.type = type;
    t.text = std::move(text);
    t.offset = offset;
    tokens_.push_back(std::move(t));
  }

  bool at(std::size_t p, std::string_view lit) const { return s_.substr(p, lit.size()) == lit; }

  // Length of Python-whitespace starting at p.
  std::size_t space_run(std::size_t p) const {
    std::size_t q = p;
    while (q < s_.size()) {
      std::size_t j = q;
      if (!py::is_space(py::next_cp(s_, j))) break;
      q = j;
    }
    return q - p;
  }

  // Emits text before a tag opener, applying `{%-` (rstrip) or lstrip_blocks.
  void emit_text(std::string_view text, std::size_t offset, char sign, bool lstrip_allowed) {
    std::string t(text);
    if (sign == '-') {
      t = py::strip(t, std::nullopt, false, true);
    } else if (sign != '+' && lstrip_allowed) {
      const std::size_t nl = t.rfind('\n');
      const std::size_t l_pos = nl == std::string::npos ? 0 : nl + 1;
      if (l_pos > 0 || line_starting_) {
        std::string_view tail = std::string_view(t).substr(l_pos);
        if (!tail.empty() && py::strip(tail, std::nullopt, true, false).empty()) t.resize(l_pos);
      }
    }
    if (!t.empty()) push(Tok::kData, std::move(t), offset);
  }

  // Matches `{%(-|+|)\s*raw\s*(-%}\s*|%})` at p; returns the end or npos.
  std::size_t match_raw_begin(std::size_t p, char* sign) const {
    std::size_t q = p + 2;
    *sign = 0;
    if (q < s_.size() && (s_[q] == '-' || s_[q] == '+')) *sign = s_[q++];
    q += space_run(q);
    if (!at(q, "raw")) return std::string_view::npos;
    q += 3;
    q += space_run(q);
    if (at(q, "-%}")) return q + 3 + space_run(q + 3);
    if (at(q, "%}")) return q + 2;
    return std::string_view::npos;
  }

  Status lex_root() {
    std::size_t p = pos_;
    while (true) {
      p = s_.find('{', p);
      if (p == std::string_view::npos || p + 1 >= s_.size()) {
        if (pos_ < s_.size()) push(Tok::kData, std::string(s_.substr(pos_)), pos_);
        pos_ = s_.size();
        return Status();
      }
      const char k = s_[p + 1];
      if (k == '{' || k == '%' || k == '#') break;
      ++p;
    }
    const std::string_view text = s_.substr(pos_, p - pos_);
    const std::size_t text_offset = pos_;
    const char kind = s_[p + 1];
    char raw_sign = 0;
    if (kind == '%') {
      const std::size_t raw_end = match_raw_begin(p, &raw_sign);
      if (raw_end != std::string_view::npos) {
        emit_text(text, text_offset, raw_sign, true);
        line_starting_ = s_[raw_end - 1] == '\n';
        return lex_raw(p, raw_end);
      }
    }
    std::size_t q = p + 2;
    char sign = 0;
    if (q < s_.size() && (s_[q] == '-' || s_[q] == '+')) sign = s_[q++];
    emit_text(text, text_offset, sign, kind != '{');
    line_starting_ = false;
    pos_ = q;
    if (kind == '#') return lex_comment(p);
    push(kind == '{' ? Tok::kVarBegin : Tok::kBlockBegin, "", p);
    return lex_tag(kind == '{');
  }

  Status lex_comment(std::size_t open) {
    for (std::size_t x = pos_; x + 1 < s_.size(); ++x) {
      if ((s_[x] == '+' || s_[x] == '-') && at(x + 1, "#}")) {
        std::size_t end = x + 3;
        if (s_[x] == '-') end += space_run(end);
        finish_chunk(end);
        return Status();
      }
      if (at(x, "#}")) {
        std::size_t end = x + 2;
        if (end < s_.size() && s_[end] == '\n') ++end;  // trim_blocks
        finish_chunk(end);
        return Status();
      }
    }
    return error(open, "missing end of comment tag '#}'");
  }

  Status lex_raw(std::size_t open, std::size_t body) {
    for (std::size_t x = body; x + 1 < s_.size(); ++x) {
      if (!at(x, "{%")) continue;
      std::size_t q = x + 2;
      char sign = 0;
      if (q < s_.size() && (s_[q] == '-' || s_[q] == '+')) sign = s_[q++];
      q += space_run(q);
      if (!at(q, "endraw")) continue;
      q += 6;
      q += space_run(q);
      std::size_t end;
      if (at(q, "+%}")) {
        end = q + 3;
      } else if (at(q, "-%}")) {
        end = q + 3 + space_run(q + 3);
      } else if (at(q, "%}")) {
        end = q + 2;
        if (end < s_.size() && s_[end] == '\n') ++end;
      } else {
        continue;
      }
      emit_text(s_.substr(body, x - body), body, sign, true);
      finish_chunk(end);
      return Status();
    }
    return error(open, "missing end of raw directive '{% endraw %}'");
  }

  void finish_chunk(std::size_t end) {
    line_starting_ = end > 0 && s_[end - 1] == '\n';
    pos_ = end;
  }

  Status lex_tag(bool variable) {
    std::vector<char> balance;
    while (true) {
      pos_ += space_run(pos_);
      if (pos_ >= s_.size()) return Status();  // the parser reports the unclosed tag
      if (balance.empty()) {
        if (variable) {
          if (at(pos_, "-}}")) {
            push(Tok::kVarEnd, "", pos_);
            finish_chunk(pos_ + 3 + space_run(pos_ + 3));
            return Status();
          }
          if (at(pos_, "}}")) {
            push(Tok::kVarEnd, "", pos_);
            finish_chunk(pos_ + 2);
            return Status();
          }
        } else {
          if (at(pos_, "+%}")) {
            push(Tok::kBlockEnd, "", pos_);
            finish_chunk(pos_ + 3);
            return Status();
          }
          if (at(pos_, "-%}")) {
            push(Tok::kBlockEnd, "", pos_);
            finish_chunk(pos_ + 3 + space_run(pos_ + 3));
            return Status();
          }
          if (at(pos_, "%}")) {
            push(Tok::kBlockEnd, "", pos_);
            std::size_t end = pos_ + 2;
            if (end < s_.size() && s_[end] == '\n') ++end;  // trim_blocks
            finish_chunk(end);
            return Status();
          }
        }
      }
      INTERNVL_RETURN_IF_ERROR(lex_token(balance));
    }
  }

  // `(\d+_)*\d+` starting at p; returns its end (p when no digit).
  std::size_t digit_run(std::size_t p) const {
    std::size_t q = p;
    while (q < s_.size() && is_digit(s_[q])) {
      ++q;
      if (q + 1 < s_.size() && s_[q] == '_' && is_digit(s_[q + 1])) ++q;
    }
    return q;
  }

  Status lex_number(std::size_t start) {
    // float_re first: digits, then a fraction and/or an exponent.
    if (start == 0 || s_[start - 1] != '.') {
      const std::size_t int_end = digit_run(start);
      std::size_t q = int_end;
      bool frac = false;
      if (q + 1 < s_.size() && s_[q] == '.' && is_digit(s_[q + 1])) {
        q = digit_run(q + 1);
        frac = true;
      }
      bool expo = false;
      if (q < s_.size() && (s_[q] == 'e' || s_[q] == 'E')) {
        std::size_t e = q + 1;
        if (e < s_.size() && (s_[e] == '+' || s_[e] == '-')) ++e;
        if (e < s_.size() && is_digit(s_[e])) {
          q = digit_run(e);
          expo = true;
        }
      }
      if (frac || expo) {
        std::string text;
        for (std::size_t i = start; i < q; ++i) {
          if (s_[i] != '_') text.push_back(s_[i]);
        }
        Token t;
        t.type = Tok::kFloat;
        t.float_value = std::strtod(text.c_str(), nullptr);
        t.text = std::move(text);
        t.offset = start;
        tokens_.push_back(std::move(t));
        pos_ = q;
        return Status();
      }
    }
    // integer_re: 0b / 0o / 0x prefixes, [1-9](_?\d)*, 0(_?0)*.
    std::size_t q = start;
    int base = 10;
    if (s_[start] == '0' && start + 1 < s_.size()) {
      const char p = static_cast<char>(s_[start + 1] | 0x20);
      auto ok = [&](char c) {
        c = static_cast<char>(c | 0x20);
        if (p == 'b') return c == '0' || c == '1';
        if (p == 'o') return c >= '0' && c <= '7';
        return is_digit(c) || (c >= 'a' && c <= 'f');
      };
      if (p == 'b' || p == 'o' || p == 'x') {
        std::size_t r = start + 2;
        std::size_t last = start + 2;
        while (r < s_.size()) {
          std::size_t d = r;
          if (s_[d] == '_') ++d;
          if (d < s_.size() && ok(s_[d])) {
            r = d + 1;
            last = r;
          } else {
            break;
          }
        }
        if (last > start + 2) {
          base = p == 'b' ? 2 : (p == 'o' ? 8 : 16);
          q = last;
        }
      }
    }
    if (base == 10) {
      q = start + 1;
      const bool zero = s_[start] == '0';
      while (q < s_.size()) {
        std::size_t d = q;
        if (s_[d] == '_') ++d;
        if (d < s_.size() && (zero ? s_[d] == '0' : is_digit(s_[d]))) {
          q = d + 1;
        } else {
          break;
        }
      }
    }
    const std::string_view text = s_.substr(start, q - start);
    const auto v = py::parse_int(text, base == 10 ? 10 : 0);
    if (!v) return error(start, str_cat("integer literal '", text, "' is too large"));
    Token t;
    t.type = Tok::kInt;
    t.int_value = *v;
    t.text = std::string(text);
    t.offset = start;
    tokens_.push_back(std::move(t));
    pos_ = q;
    return Status();
  }

  // Python's unicode-escape decoding of a string literal body.
  Result<std::string> unescape(std::string_view body, std::size_t offset) const {
    std::string out;
    out.reserve(body.size());
    for (std::size_t i = 0; i < body.size(); ++i) {
      const char c = body[i];
      if (c != '\\' || i + 1 >= body.size()) {
        out.push_back(c);
        continue;
      }
      const char e = body[++i];
      auto hex = [&](int n) -> Result<char32_t> {
        if (i + static_cast<std::size_t>(n) >= body.size()) {
          return error(offset, "truncated \\x, \\u or \\U escape in string literal");
        }
        char32_t v = 0;
        for (int k = 1; k <= n; ++k) {
          const char h = body[i + k];
          int d;
          if (is_digit(h)) {
            d = h - '0';
          } else if ((h | 0x20) >= 'a' && (h | 0x20) <= 'f') {
            d = (h | 0x20) - 'a' + 10;
          } else {
            return error(offset, "truncated \\x, \\u or \\U escape in string literal");
          }
          v = v * 16 + static_cast<char32_t>(d);
        }
        i += n;
        return v;
      };
      switch (e) {
        case '\n':
          break;  // line continuation
        case '\\':
          out.push_back('\\');
          break;
        case '\'':
          out.push_back('\'');
          break;
        case '"':
          out.push_back('"');
          break;
        case 'a':
          out.push_back('\a');
          break;
        case 'b':
          out.push_back('\b');
          break;
        case 'f':
          out.push_back('\f');
          break;
        case 'n':
          out.push_back('\n');
          break;
        case 'r':
          out.push_back('\r');
          break;
        case 't':
          out.push_back('\t');
          break;
        case 'v':
          out.push_back('\v');
          break;
        case 'x': {
          INTERNVL_ASSIGN_OR_RETURN(char32_t v, hex(2));
          py::append_cp(out, v);
          break;
        }
        case 'u': {
          INTERNVL_ASSIGN_OR_RETURN(char32_t v, hex(4));
          py::append_cp(out, v);
          break;
        }
        case 'U': {
          INTERNVL_ASSIGN_OR_RETURN(char32_t v, hex(8));
          if (v > 0x10FFFF) return error(offset, "illegal Unicode character in string literal");
          py::append_cp(out, v);
          break;
        }
        case 'N':
          return error(offset, "unsupported \\N{...} escape in string literal");
        default:
          if (e >= '0' && e <= '7') {
            char32_t v = static_cast<char32_t>(e - '0');
            for (int k = 0;
                 k < 2 && i + 1 < body.size() && body[i + 1] >= '0' && body[i + 1] <= '7'; ++k) {
              v = v * 8 + static_cast<char32_t>(body[++i] - '0');
            }
            py::append_cp(out, v);
          } else {
            // Unknown escapes keep the backslash, as Python does.
            out.push_back('\\');
            out.push_back(e);
          }
      }
    }
    return out;
  }

  Status lex_string(std::size_t start) {
    const char quote = s_[start];
    std::size_t q = start + 1;
    while (q < s_.size() && s_[q] != quote) {
      if (s_[q] == '\\') ++q;
      ++q;
    }
    if (q >= s_.size()) return error(start, "unterminated string literal");
    INTERNVL_ASSIGN_OR_RETURN(std::string value,
                              unescape(s_.substr(start + 1, q - start - 1), start));
    push(Tok::kString, std::move(value), start);
    pos_ = q + 1;
    return Status();
  }

  Status lex_token(std::vector<char>& balance) {
    const std::size_t start = pos_;
    const auto c = static_cast<unsigned char>(s_[start]);
    if (is_digit(static_cast<char>(c))) return lex_number(start);
    if (is_name_start(c)) {
      std::size_t q = start;
      while (q < s_.size()) {
        const auto b = static_cast<unsigned char>(s_[q]);
        if (!is_name_char(b)) break;
        if (b >= 0x80) {
          std::size_t j = q;
          if (py::is_space(py::next_cp(s_, j))) break;
          q = j;
        } else {
          ++q;
        }
      }
      push(Tok::kName, std::string(s_.substr(start, q - start)), start);
      pos_ = q;
      return Status();
    }
    if (c == '\'' || c == '"') return lex_string(start);
    static constexpr std::string_view kTwo[] = {"//", "**", "==", "!=", "<=", ">="};
    for (std::string_view op : kTwo) {
      if (at(start, op)) {
        push(Tok::kOp, std::string(op), start);
        pos_ = start + 2;
        return Status();
      }
    }
    static constexpr std::string_view kOne = "+-/*%~[](){}><=.:|,;";
    if (kOne.find(static_cast<char>(c)) == std::string_view::npos) {
      std::size_t j = start;
      std::string ch;
      py::append_cp(ch, py::next_cp(s_, j));
      return error(start, str_cat("unexpected character '", ch, "'"));
    }
    const char ch = static_cast<char>(c);
    if (ch == '(' || ch == '[' || ch == '{') {
      balance.push_back(ch == '(' ? ')' : (ch == '[' ? ']' : '}'));
    } else if (ch == ')' || ch == ']' || ch == '}') {
      if (balance.empty()) return error(start, str_cat("unexpected '", ch, "'"));
      const char expected = balance.back();
      balance.pop_back();
      if (expected != ch) {
        return error(start, str_cat("unexpected '", ch, "', expected '", expected, "'"));
      }
    }
    push(Tok::kOp, std::string(1, ch), start);
    pos_ = start + 1;
    return Status();
  }

  std::string_view s_;
  std::size_t pos_ = 0;
  bool line_starting_ = true;
  std::vector<Token> tokens_;
};

}  // namespace

Result<std::vector<Token>> tokenize(std::string_view source) { return Lexer(source).run(); }

}  // namespace internvl::jinja
