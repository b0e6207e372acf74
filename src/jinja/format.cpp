#include "jinja/format.h"

#include <cmath>
#include <cstdio>

#include "core/str.h"
#include "jinja/operators.h"
#include "jinja/pystr.h"

namespace internvl::jinja {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

Status width_too_large(std::size_t max_bytes) {
  return resource_exhausted("format width exceeds the limit of ", max_bytes, " bytes");
}

// Pads text (already signed) to width with fill and alignment ('<', '>', '^', '=').
std::string pad(std::string body, std::string_view sign, std::int64_t width, std::string_view fill,
                char align) {
  const auto len = static_cast<std::int64_t>(py::cp_count(body) + py::cp_count(sign));
  if (width <= len) return std::string(sign) + body;
  const std::int64_t n = width - len;
  auto fills = [&](std::int64_t k) {
    std::string s;
    for (std::int64_t i = 0; i < k; ++i) s += fill;
    return s;
  };
  switch (align) {
    case '<':
      return std::string(sign) + body + fills(n);
    case '^':
      return fills(n / 2) + std::string(sign) + body + fills(n - n / 2);
    case '=':
      return std::string(sign) + fills(n) + body;
    default:
      return fills(n) + std::string(sign) + body;
  }
}

std::string group_digits(const std::string& digits, char sep) {
  std::string out;
  const std::size_t n = digits.size();
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(digits[i]);
    const std::size_t left = n - i - 1;
    if (left > 0 && left % 3 == 0) out.push_back(sep);
  }
  return out;
}

std::string int_digits(std::int64_t v, char type) {
  const bool neg = v < 0;
  const std::uint64_t u = neg ? 0 - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v);
  char buf[80];
  switch (type) {
    case 'x':
      std::snprintf(buf, sizeof(buf), "%llx", static_cast<unsigned long long>(u));
      break;
    case 'X':
      std::snprintf(buf, sizeof(buf), "%llX", static_cast<unsigned long long>(u));
      break;
    case 'o':
      std::snprintf(buf, sizeof(buf), "%llo", static_cast<unsigned long long>(u));
      break;
    case 'b': {
      std::string s;
      std::uint64_t x = u;
      do {
        s.insert(s.begin(), static_cast<char>('0' + (x & 1)));
        x >>= 1;
      } while (x != 0);
      return s;
    }
    default:
      std::snprintf(buf, sizeof(buf), "%llu", static_cast<unsigned long long>(u));
  }
  return buf;
}

std::string float_digits(double v, char type, int precision) {
  if (std::isinf(v)) return (type >= 'A' && type <= 'Z') ? "INF" : "inf";
  if (std::isnan(v)) return (type >= 'A' && type <= 'Z') ? "NAN" : "nan";
  char fmt[16];
  std::snprintf(fmt, sizeof(fmt), "%%.%d%c", precision, type == '%' ? 'f' : type);
  char buf[512];
  const double x = type == '%' ? std::fabs(v) * 100 : std::fabs(v);
  if (type != '%' && (type == 'f' || type == 'F') && x >= 1e300) return py::float_repr(x);
  std::snprintf(buf, sizeof(buf), fmt, x);
  std::string s = buf;
  if (type == '%') s += '%';
  return s;
}

}  // namespace

Result<std::string> format_spec(const Value& v, std::string_view spec, std::size_t max_bytes) {
  // [[fill]align][sign][z][#][0][width][grouping][.precision][type]
  std::string fill = " ";
  char align = 0;
  std::size_t i = 0;
  {
    std::size_t j = 0;
    std::string first;
    if (!spec.empty()) {
      py::append_cp(first, py::next_cp(spec, j));
    }
    if (j < spec.size() && (spec[j] == '<' || spec[j] == '>' || spec[j] == '^' || spec[j] == '=')) {
      fill = first;
      align = spec[j];
      i = j + 1;
    } else if (!spec.empty() &&
               (spec[0] == '<' || spec[0] == '>' || spec[0] == '^' || spec[0] == '=')) {
      align = spec[0];
      i = 1;
    }
  }
  char sign = '-';
  if (i < spec.size() && (spec[i] == '+' || spec[i] == '-' || spec[i] == ' ')) sign = spec[i++];
  if (i < spec.size() && spec[i] == 'z') ++i;
  bool alternate = false;
  if (i < spec.size() && spec[i] == '#') {
    alternate = true;
    ++i;
  }
  if (i < spec.size() && spec[i] == '0') {
    if (align == 0) {
      fill = "0";
      align = '=';
    }
    ++i;
  }
  std::int64_t width = 0;
  while (i < spec.size() && is_digit(spec[i])) {
    width = width * 10 + (spec[i++] - '0');
    if (static_cast<std::uint64_t>(width) > max_bytes) return width_too_large(max_bytes);
  }
  char grouping = 0;
  if (i < spec.size() && (spec[i] == ',' || spec[i] == '_')) grouping = spec[i++];
  int precision = -1;
  if (i < spec.size() && spec[i] == '.') {
    ++i;
    precision = 0;
    if (i >= spec.size() || !is_digit(spec[i]))
      return invalid_argument("Format specifier missing precision");
    while (i < spec.size() && is_digit(spec[i])) {
      precision = precision * 10 + (spec[i++] - '0');
      if (precision > 1000) return invalid_argument("precision too big");
    }
  }
  char type = 0;
  if (i < spec.size()) type = spec[i++];
  if (i != spec.size()) return invalid_argument("Invalid format specifier '", spec, "'");

  if (!v.is_string() && !v.is_number()) {
    if (!spec.empty()) {
      return invalid_argument("unsupported format string passed to ", type_name(v), ".__format__");
    }
    return to_str(v, max_bytes);
  }
  if (v.is_string()) {
    if (type != 0 && type != 's') {
      return invalid_argument("Unknown format code '", type, "' for object of type 'str'");
    }
    std::string s = v.as_string();
    if (precision >= 0) {
      std::u32string u = py::to_u32(s);
      if (u.size() > static_cast<std::size_t>(precision)) s = py::from_u32(u.substr(0, precision));
    }
    return pad(std::move(s), "", width, fill, align ? align : '<');
  }
  if (v.is_bool() && type == 0 && spec.empty()) return std::string(v.as_bool() ? "True" : "False");
  const bool int_type = type == 0 || type == 'd' || type == 'x' || type == 'X' || type == 'o' ||
                        type == 'b' || type == 'n' || type == 'c';
  std::string body;
  bool negative;
  if (v.is_integral() && int_type) {
    const std::int64_t x = v.as_integral();
    if (type == 'c')
      return pad(py::from_u32(std::u32string(1, static_cast<char32_t>(x))), "", width, fill,
                 align ? align : '<');
    negative = x < 0;
    body = int_digits(x, type);
    if (grouping) body = group_digits(body, grouping);
    if (alternate && (type == 'x' || type == 'X' || type == 'o' || type == 'b')) {
      body = std::string("0") + (type == 'X' ? 'X' : type) + body;
    }
  } else {
    if (int_type && type != 0 && type != 'n') {
      return invalid_argument("Unknown format code '", type, "' for object of type 'float'");
    }
    const double x = v.as_double();
    negative = std::signbit(x) && !std::isnan(x);
    if (type == 0 && precision < 0) {
      body = py::float_repr(std::fabs(x));
    } else {
      const char t = type == 0 || type == 'n' ? 'g' : type;
      body = float_digits(x, t, precision < 0 ? 6 : precision);
      if (type == 0 && body.find_first_of(".eEn") == std::string::npos) body += ".0";
    }
    if (grouping) {
      const std::size_t dot = body.find_first_of(".eE%");
      body = group_digits(body.substr(0, dot), grouping) +
             (dot == std::string::npos ? "" : body.substr(dot));
    }
  }
  std::string sign_text = negative ? "-" : (sign == '+' ? "+" : (sign == ' ' ? " " : ""));
  return pad(std::move(body), sign_text, width, fill, align ? align : '>');
}

// ---- str.format ----

Result<std::string> brace_format(std::string_view fmt, const CallArgs& args,
                                 std::size_t max_bytes) {
  std::string out;
  std::size_t auto_index = 0;
  bool used_auto = false;
  bool used_manual = false;
  for (std::size_t i = 0; i < fmt.size(); ++i) {
    const char c = fmt[i];
    if (c == '}') {
      if (i + 1 < fmt.size() && fmt[i + 1] == '}') {
        out.push_back('}');
        ++i;
        continue;
      }
      return invalid_argument("Single '}' encountered in format string");
    }
    if (c != '{') {
      out.push_back(c);
      continue;
    }
    if (i + 1 < fmt.size() && fmt[i + 1] == '{') {
      out.push_back('{');
      ++i;
      continue;
    }
    const std::size_t close = fmt.find('}', i + 1);
    if (close == std::string_view::npos)
      return invalid_argument("expected '}' before end of string");
    std::string_view field = fmt.substr(i + 1, close - i - 1);
    if (field.find('{') != std::string_view::npos) {
      return unsupported("nested replacement fields in str.format are not supported");
    }
    i = close;
    std::string_view spec;
    char conversion = 0;
    if (const std::size_t colon = field.find(':'); colon != std::string_view::npos) {
      spec = field.substr(colon + 1);
      field = field.substr(0, colon);
    }
    if (const std::size_t bang = field.find('!'); bang != std::string_view::npos) {
      if (bang + 2 != field.size())
        return invalid_argument("expected ':' after conversion specifier");
      conversion = field[bang + 1];
      field = field.substr(0, bang);
    }
    std::size_t end = field.find_first_of(".[");
    std::string_view head = field.substr(0, end);
    Value v;
    if (head.empty()) {
      if (used_manual) {
        return invalid_argument(
            "cannot switch from manual field specification to automatic field numbering");
      }
      used_auto = true;
      if (auto_index >= args.args.size()) {
        return invalid_argument("Replacement index ", auto_index,
                                " out of range for positional args tuple");
      }
      v = args.args[auto_index++];
    } else if (is_digit(head[0])) {
      if (used_auto) {
        return invalid_argument(
            "cannot switch from automatic field numbering to manual field specification");
      }
      used_manual = true;
      auto idx = py::parse_int(head, 10);
      if (!idx || *idx < 0 || static_cast<std::size_t>(*idx) >= args.args.size()) {
        return invalid_argument("Replacement index ", head,
                                " out of range for positional args tuple");
      }
      v = args.args[static_cast<std::size_t>(*idx)];
    } else {
      bool found = false;
      for (const auto& [k, val] : args.kwargs) {
        if (k == head) {
          v = val;
          found = true;
        }
      }
      if (!found) return invalid_argument("KeyError: '", head, "'");
    }
    // .attr and [key] accessors.
    while (end != std::string_view::npos && end < field.size()) {
      if (field[end] == '.') {
        const std::size_t next = field.find_first_of(".[", end + 1);
        std::string_view attr = field.substr(
            end + 1, next == std::string_view::npos ? std::string_view::npos : next - end - 1);
        if (!attr.empty() && attr[0] == '_')
          return invalid_argument("access to attribute '", attr, "' is unsafe");
        INTERNVL_ASSIGN_OR_RETURN(v, get_attr(v, attr));
        end = next;
      } else {
        const std::size_t rb = field.find(']', end);
        if (rb == std::string_view::npos) return invalid_argument("Missing ']' in format string");
        std::string_view key = field.substr(end + 1, rb - end - 1);
        const auto idx = py::parse_int(key, 10);
        Value k = (idx && !key.empty() && is_digit(key[0])) ? Value::integer(*idx)
                                                            : Value::string(std::string(key));
        INTERNVL_ASSIGN_OR_RETURN(v, get_item(v, k));
        end = rb + 1 < field.size() ? rb + 1 : std::string_view::npos;
      }
    }
    if (v.is_undefined()) return undefined_error(v);
    if (conversion == 'r' || conversion == 'a') {
      v = Value::string(to_repr(v, max_bytes));
    } else if (conversion == 's') {
      v = Value::string(to_str(v, max_bytes));
    } else if (conversion != 0) {
      return invalid_argument("Unknown conversion specifier ", conversion);
    }
    INTERNVL_ASSIGN_OR_RETURN(std::string piece, format_spec(v, spec, max_bytes));
    out += piece;
    if (out.size() > max_bytes) return width_too_large(max_bytes);
  }
  return out;
}

// ---- % formatting ----

Result<Value> percent_format(std::string_view fmt, const Value& args, std::size_t max_bytes) {
  std::vector<Value> positional;
  const DictData* mapping = nullptr;
  if (args.is_tuple()) {
    positional = args.as_list().items;
  } else {
    if (args.is_dict()) mapping = &args.as_dict();
    positional.push_back(args);
  }
  std::size_t next = 0;
  auto take = [&]() -> Result<Value> {
    if (next >= positional.size())
      return invalid_argument("not enough arguments for format string");
    return positional[next++];
  };
  std::string out;
  bool used_mapping = false;
  for (std::size_t i = 0; i < fmt.size(); ++i) {
    if (fmt[i] != '%') {
      out.push_back(fmt[i]);
      continue;
    }
    const std::size_t start = i;
    if (++i >= fmt.size()) return invalid_argument("incomplete format");
    Value v;
    bool have_value = false;
    if (fmt[i] == '(') {
      const std::size_t close = fmt.find(')', i);
      if (close == std::string_view::npos) return invalid_argument("incomplete format key");
      if (mapping == nullptr) return invalid_argument("format requires a mapping");
      const Value* found = mapping->find(fmt.substr(i + 1, close - i - 1));
      if (found == nullptr)
        return invalid_argument("KeyError: '", fmt.substr(i + 1, close - i - 1), "'");
      v = *found;
      have_value = true;
      used_mapping = true;
      i = close + 1;
    }
    std::string flags;
    while (i < fmt.size() && std::string_view("-+ #0").find(fmt[i]) != std::string_view::npos) {
      flags.push_back(fmt[i++]);
    }
    std::int64_t width = 0;
    if (i < fmt.size() && fmt[i] == '*') {
      INTERNVL_ASSIGN_OR_RETURN(Value w, take());
      if (!w.is_integral()) return invalid_argument("* wants int");
      width = w.as_integral();
      ++i;
    } else {
      while (i < fmt.size() && is_digit(fmt[i])) {
        width = width * 10 + (fmt[i++] - '0');
        if (static_cast<std::uint64_t>(width) > max_bytes) return width_too_large(max_bytes);
      }
    }
    if (width < 0) {
      flags.push_back('-');
      width = -width;
    }
    if (static_cast<std::uint64_t>(width) > max_bytes) return width_too_large(max_bytes);
    int precision = -1;
    if (i < fmt.size() && fmt[i] == '.') {
      ++i;
      precision = 0;
      if (i < fmt.size() && fmt[i] == '*') {
        INTERNVL_ASSIGN_OR_RETURN(Value p, take());
        if (!p.is_integral()) return invalid_argument("* wants int");
        precision = static_cast<int>(std::clamp<std::int64_t>(p.as_integral(), 0, 1000));
        ++i;
      } else {
        while (i < fmt.size() && is_digit(fmt[i])) {
          precision = std::min(precision * 10 + (fmt[i++] - '0'), 1000);
        }
      }
    }
    while (i < fmt.size() && (fmt[i] == 'h' || fmt[i] == 'l' || fmt[i] == 'L')) ++i;
    if (i >= fmt.size()) return invalid_argument("incomplete format");
    const char conv = fmt[i];
    if (conv == '%') {
      out.push_back('%');
      continue;
    }
    if (!have_value) {
      INTERNVL_ASSIGN_OR_RETURN(v, take());
    }
    const bool left = flags.find('-') != std::string::npos;
    const bool zero = flags.find('0') != std::string::npos && !left;
    std::string spec;
    spec += left ? "<" : (zero ? "=" : ">");
    if (flags.find('+') != std::string::npos) {
      spec += '+';
    } else if (flags.find(' ') != std::string::npos) {
      spec += ' ';
    }
    if (flags.find('#') != std::string::npos) spec += '#';
    std::string piece;
    switch (conv) {
      case 's':
      case 'r':
      case 'a': {
        Value text = Value::string(conv == 's' ? to_str(v, max_bytes) : to_repr(v, max_bytes));
        std::string s = spec.substr(0, 1) + std::to_string(width);
        if (precision >= 0) s += "." + std::to_string(precision);
        INTERNVL_ASSIGN_OR_RETURN(piece, format_spec(text, s, max_bytes));
        break;
      }
      case 'd':
      case 'i':
      case 'u':
      case 'x':
      case 'X':
      case 'o': {
        if (!v.is_number()) {
          return invalid_argument("%", conv, " format: a real number is required, not ",
                                  type_name(v));
        }
        if (v.is_float() && conv != 'd' && conv != 'i' && conv != 'u') {
          return invalid_argument("%", conv, " format: an integer is required, not float");
        }
        if (v.is_float() && !std::isfinite(v.as_float())) {
          return invalid_argument("cannot convert float ", py::float_repr(v.as_float()),
                                  " to integer");
        }
        const Value iv = v.is_float() ? Value::integer(static_cast<std::int64_t>(v.as_float())) : v;
        const char t = (conv == 'i' || conv == 'u') ? 'd' : conv;
        std::string s =
            (zero ? std::string("0") : std::string()) + spec + std::to_string(width) + t;
        INTERNVL_ASSIGN_OR_RETURN(piece, format_spec(iv, s, max_bytes));
        break;
      }
      case 'e':
      case 'E':
      case 'f':
      case 'F':
      case 'g':
      case 'G': {
        if (!v.is_number()) {
          return invalid_argument("must be real number, not ", type_name(v));
        }
        std::string s = (zero ? std::string("0") : std::string()) + spec + std::to_string(width) +
                        "." + std::to_string(precision < 0 ? 6 : precision) + conv;
        INTERNVL_ASSIGN_OR_RETURN(piece, format_spec(Value::number(v.as_double()), s, max_bytes));
        break;
      }
      case 'c': {
        std::string ch;
        if (v.is_integral() && v.as_integral() >= 0 && v.as_integral() <= 0x10FFFF) {
          py::append_cp(ch, static_cast<char32_t>(v.as_integral()));
        } else if (v.is_string() && py::cp_count(v.as_string()) == 1) {
          ch = v.as_string();
        } else {
          return invalid_argument("%c requires int or char");
        }
        INTERNVL_ASSIGN_OR_RETURN(
            piece,
            format_spec(Value::string(ch), spec.substr(0, 1) + std::to_string(width), max_bytes));
        break;
      }
      default:
        return invalid_argument("unsupported format character '", conv, "' at index ", start + 1);
    }
    out += piece;
    if (out.size() > max_bytes) return width_too_large(max_bytes);
  }
  // Python skips this check when args supports __getitem__ (a dict or a list).
  const bool mapping_like = !args.is_tuple() && (args.is_dict() || args.is_sequence());
  if (!used_mapping && !mapping_like && next < positional.size()) {
    return invalid_argument("not all arguments converted during string formatting");
  }
  return Value::string(std::move(out));
}

}  // namespace internvl::jinja
