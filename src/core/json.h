// JSON: nlohmann::ordered_json (keeps key order, as Python dicts do), wrapped so that parsing
// and typed access report a Status instead of throwing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "internvl/status.h"

namespace internvl {

using Json = nlohmann::ordered_json;

/// Parses text; `what` names the source in errors ("config.json", "request body").
Result<Json> parse_json(std::string_view text, std::string_view what);

/// Reads and parses a JSON file.
Result<Json> load_json_file(const std::string& path);

/// Serializes without throwing (invalid UTF-8 is replaced).
std::string dump_json(const Json& j, int indent = -1);

// Typed field access. A missing key (or null) yields the default / nullopt; a present key of the
// wrong type is an error naming `what` and the key.
Result<std::int64_t> json_int(const Json& obj, std::string_view key, std::int64_t def,
                              std::string_view what);
Result<double> json_number(const Json& obj, std::string_view key, double def,
                           std::string_view what);
Result<bool> json_bool(const Json& obj, std::string_view key, bool def, std::string_view what);
Result<std::string> json_string(const Json& obj, std::string_view key, std::string_view def,
                                std::string_view what);
/// Present and non-null?
bool json_has(const Json& obj, std::string_view key);

}  // namespace internvl
