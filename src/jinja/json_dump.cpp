#include "jinja/json_dump.h"

#include <algorithm>
#include <cmath>

#include "jinja/pystr.h"

namespace internvl::jinja {
namespace {

void append_hex4(std::string& out, unsigned v) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += "\\u";
  for (int k = 3; k >= 0; --k) out.push_back(kHex[(v >> (4 * k)) & 0xF]);
}

// json.encoder's ESCAPE / ESCAPE_ASCII.
void append_json_string(std::string& out, std::string_view s, bool ensure_ascii) {
  out.push_back('"');
  for (std::size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    if (b < 0x80) {
      ++i;
      switch (b) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
          break;
        default:
          if (b < 0x20) {
            append_hex4(out, b);
          } else {
            out.push_back(static_cast<char>(b));
          }
      }
      continue;
    }
    const std::size_t start = i;
    const char32_t cp = py::next_cp(s, i);
    if (!ensure_ascii) {
      out.append(s.substr(start, i - start));
    } else if (cp < 0x10000) {
      append_hex4(out, cp);
    } else {
      const char32_t v = cp - 0x10000;
      append_hex4(out, 0xD800 + (v >> 10));
      append_hex4(out, 0xDC00 + (v & 0x3FF));
    }
  }
  out.push_back('"');
}

std::string float_json(double x) {
  if (std::isnan(x)) return "NaN";
  if (std::isinf(x)) return x > 0 ? "Infinity" : "-Infinity";
  return py::float_repr(x);
}

class Dumper {
 public:
  Dumper(const JsonDumpOptions& o, std::size_t max_bytes) : o_(o), max_(max_bytes) {}

  Status dump(const Value& v, int level) {
    if (out_.size() > max_) {
      return resource_exhausted("tojson output exceeds ", max_, " bytes");
    }
    switch (v.kind()) {
      case ValueKind::kNone:
        out_ += "null";
        return Status();
      case ValueKind::kBool:
        out_ += v.as_bool() ? "true" : "false";
        return Status();
      case ValueKind::kInt:
        out_ += std::to_string(v.as_int());
        return Status();
      case ValueKind::kFloat:
        out_ += float_json(v.as_float());
        return Status();
      case ValueKind::kString:
        append_json_string(out_, v.as_string(), o_.ensure_ascii);
        return Status();
      case ValueKind::kList:
        if (v.is_iterator()) break;
        return dump_list(v.as_list(), level);
      case ValueKind::kDict:
        return dump_dict(v.as_dict(), level);
      default:
        break;
    }
    return invalid_argument("Object of type ", type_name(v), " is not JSON serializable");
  }

  std::string take() { return std::move(out_); }

 private:
  void newline(int level) {
    if (!o_.indent) return;
    out_ += '\n';
    for (int i = 0; i < level; ++i) out_ += *o_.indent;
  }

  Status dump_list(const ListData& l, int level) {
    if (l.items.empty()) {
      out_ += "[]";
      return Status();
    }
    out_ += '[';
    for (std::size_t i = 0; i < l.items.size(); ++i) {
      if (i > 0) out_ += o_.item_separator;
      newline(level + 1);
      INTERNVL_RETURN_IF_ERROR(dump(l.items[i], level + 1));
    }
    newline(level);
    out_ += ']';
    return Status();
  }

  static Result<std::string> key_text(const Value& k) {
    switch (k.kind()) {
      case ValueKind::kString:
        return k.as_string();
      case ValueKind::kInt:
        return std::to_string(k.as_int());
      case ValueKind::kFloat:
        return float_json(k.as_float());
      case ValueKind::kBool:
        return std::string(k.as_bool() ? "true" : "false");
      case ValueKind::kNone:
        return std::string("null");
      default:
        return invalid_argument("keys must be str, int, float, bool or None, not ", type_name(k));
    }
  }

  Status dump_dict(const DictData& d, int level) {
    if (d.items.empty()) {
      out_ += "{}";
      return Status();
    }
    std::vector<const std::pair<Value, Value>*> items;
    items.reserve(d.items.size());
    for (const auto& kv : d.items) items.push_back(&kv);
    if (o_.sort_keys) {
      for (const auto* kv : items) {
        if (kv->first.kind() != items[0]->first.kind() &&
            !(kv->first.is_number() && items[0]->first.is_number())) {
          return invalid_argument("'<' not supported between instances of '", type_name(kv->first),
                                  "' and '", type_name(items[0]->first), "'");
        }
      }
      std::stable_sort(items.begin(), items.end(), [](const auto* a, const auto* b) {
        if (a->first.is_string()) return a->first.as_string() < b->first.as_string();
        if (a->first.is_number()) return a->first.as_double() < b->first.as_double();
        return false;
      });
    }
    out_ += '{';
    bool first = true;
    for (const auto* kv : items) {
      if (!first) out_ += o_.item_separator;
      first = false;
      newline(level + 1);
      INTERNVL_ASSIGN_OR_RETURN(std::string key, key_text(kv->first));
      append_json_string(out_, key, o_.ensure_ascii);
      out_ += o_.key_separator;
      INTERNVL_RETURN_IF_ERROR(dump(kv->second, level + 1));
    }
    newline(level);
    out_ += '}';
    return Status();
  }

  const JsonDumpOptions& o_;
  std::size_t max_;
  std::string out_;
};

}  // namespace

Result<std::string> json_dumps(const Value& v, const JsonDumpOptions& options,
                               std::size_t max_bytes) {
  Dumper d(options, max_bytes);
  INTERNVL_RETURN_IF_ERROR(d.dump(v, 0));
  std::string out = d.take();
  if (out.size() > max_bytes)
    return resource_exhausted("tojson output exceeds ", max_bytes, " bytes");
  return out;
}

}  // namespace internvl::jinja
