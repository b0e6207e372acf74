#include "core/json.h"

#include "core/file.h"

namespace internvl {

Result<Json> parse_json(std::string_view text, std::string_view what) {
  Json j = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    // Re-parse through the SAX error path to get a position without exceptions.
    struct Sax : nlohmann::json_sax<Json> {
      std::string err;
      bool null() override { return true; }
      bool boolean(bool) override { return true; }
      bool number_integer(number_integer_t) override { return true; }
      bool number_unsigned(number_unsigned_t) override { return true; }
      bool number_float(number_float_t, const string_t&) override { return true; }
      bool string(string_t&) override { return true; }
      bool binary(binary_t&) override { return true; }
      bool start_object(std::size_t) override { return true; }
      bool key(string_t&) override { return true; }
      bool end_object() override { return true; }
      bool start_array(std::size_t) override { return true; }
      bool end_array() override { return true; }
      bool parse_error(std::size_t pos, const std::string&,
                       const nlohmann::detail::exception& ex) override {
        err = "byte " + std::to_string(pos) + ": " + ex.what();
        return false;
      }
    } sax;
    Json::sax_parse(text.begin(), text.end(), &sax, nlohmann::detail::input_format_t::json, false);
    return corrupt("invalid JSON in ", what, " (", sax.err.empty() ? "parse error" : sax.err, ")");
  }
  return j;
}

Result<Json> load_json_file(const std::string& path) {
  INTERNVL_ASSIGN_OR_RETURN(std::string text, read_file(path));
  return parse_json(text, "'" + path + "'");
}

std::string dump_json(const Json& j, int indent) {
  return j.dump(indent, ' ', false, nlohmann::detail::error_handler_t::replace);
}

bool json_has(const Json& obj, std::string_view key) {
  if (!obj.is_object()) return false;
  auto it = obj.find(key);
  return it != obj.end() && !it->is_null();
}

Result<std::int64_t> json_int(const Json& obj, std::string_view key, std::int64_t def,
                              std::string_view what) {
  if (!json_has(obj, key)) return def;
  const Json& v = obj.find(key).value();
  if (v.is_number_integer()) return v.get<std::int64_t>();
  if (v.is_number_float()) {
    double d = v.get<double>();
    if (d == static_cast<double>(static_cast<std::int64_t>(d))) return static_cast<std::int64_t>(d);
  }
  return invalid_argument(what, ": '", key, "' must be an integer, got ", dump_json(v));
}

Result<double> json_number(const Json& obj, std::string_view key, double def,
                           std::string_view what) {
  if (!json_has(obj, key)) return def;
  const Json& v = obj.find(key).value();
  if (v.is_number()) return v.get<double>();
  return invalid_argument(what, ": '", key, "' must be a number, got ", dump_json(v));
}

Result<bool> json_bool(const Json& obj, std::string_view key, bool def, std::string_view what) {
  if (!json_has(obj, key)) return def;
  const Json& v = obj.find(key).value();
  if (v.is_boolean()) return v.get<bool>();
  return invalid_argument(what, ": '", key, "' must be true or false, got ", dump_json(v));
}

Result<std::string> json_string(const Json& obj, std::string_view key, std::string_view def,
                                std::string_view what) {
  if (!json_has(obj, key)) return std::string(def);
  const Json& v = obj.find(key).value();
  if (v.is_string()) return v.get<std::string>();
  return invalid_argument(what, ": '", key, "' must be a string, got ", dump_json(v));
}

}  // namespace internvl
