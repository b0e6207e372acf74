#include "media/base64.h"

#include <array>
#include <cctype>
#include <cstdint>
#include <vector>

#include "core/str.h"

namespace internvl::media {
namespace {

constexpr std::int8_t kInvalid = -1;

// Value of each character in either alphabet; the caller checks that only one is used.
constexpr std::array<std::int8_t, 256> make_table() {
  std::array<std::int8_t, 256> t{};
  for (auto& v : t) v = kInvalid;
  for (int i = 0; i < 26; ++i) {
    t['A' + i] = static_cast<std::int8_t>(i);
    t['a' + i] = static_cast<std::int8_t>(26 + i);
  }
  for (int i = 0; i < 10; ++i) t['0' + i] = static_cast<std::int8_t>(52 + i);
  t['+'] = t['-'] = 62;
  t['/'] = t['_'] = 63;
  return t;
}
constexpr std::array<std::int8_t, 256> kTable = make_table();

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }

std::string char_for_message(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u >= 0x20 && u < 0x7F) return std::string(1, c);
  static const char* hex = "0123456789abcdef";
  return str_cat("\\x", hex[u >> 4], hex[u & 15]);
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Result<std::string> decode_base64(std::string_view text) {
  std::string out;
  out.reserve(text.size() / 4 * 3 + 3);
  std::uint32_t acc = 0;
  int bits = 0;
  std::size_t symbols = 0;  // alphabet characters seen
  std::size_t padding = 0;
  bool standard = false, url_safe = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (is_space(c)) continue;
    if (c == '=') {
      ++padding;
      continue;
    }
    const std::int8_t v = kTable[static_cast<unsigned char>(c)];
    if (v == kInvalid) {
      return invalid_argument("invalid base64 character '", char_for_message(c), "' at offset ", i);
    }
    if (padding > 0) return invalid_argument("base64 data continues after '=' padding at offset ", i);
    standard |= c == '+' || c == '/';
    url_safe |= c == '-' || c == '_';
    if (standard && url_safe) {
      return invalid_argument("base64 mixes the standard (+/) and URL-safe (-_) alphabets");
    }
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    ++symbols;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  const std::size_t tail = symbols % 4;
  if (tail == 1) return invalid_argument("base64 data has a dangling character (length ", symbols, ")");
  if (padding > 0 && (tail == 0 || padding != 4 - tail)) {
    return invalid_argument("base64 padding is wrong: ", padding, " '=' after ", symbols,
                            " characters");
  }
  return out;
}

bool is_data_uri(std::string_view text) {
  if (text.size() < 5) return false;
  for (int i = 0; i < 5; ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) != "data:"[i]) return false;
  }
  return true;
}

Result<std::string> decode_data_uri(std::string_view uri, std::string* mime_type) {
  if (!is_data_uri(uri)) {
    return invalid_argument("not a data: URI: ", quote_for_message(uri, 40));
  }
  const std::size_t comma = uri.find(',');
  if (comma == std::string_view::npos) {
    return invalid_argument("data: URI has no ',' before its data: ", quote_for_message(uri, 40));
  }
  std::string header(uri.substr(5, comma - 5));
  for (char& c : header) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const std::string_view payload = uri.substr(comma + 1);
  std::vector<std::string> params = split(header, ";");
  bool base64 = false;
  if (!params.empty() && params.back() == "base64") {
    base64 = true;
    params.pop_back();
  }
  if (mime_type != nullptr) {
    std::string mime = params.empty() ? std::string() : params.front();
    while (!mime.empty() && is_space(mime.back())) mime.pop_back();
    *mime_type = mime.empty() ? "text/plain" : mime;
  }
  if (base64) {
    // Base64 inside a URI is sometimes percent-encoded ("%2B", "%3D"); decode that first.
    if (payload.find('%') == std::string_view::npos) {
      auto r = decode_base64(payload);
      if (!r.ok()) return r.status().with_context("data: URI");
      return r;
    }
  }
  std::string raw;
  raw.reserve(payload.size());
  for (std::size_t i = 0; i < payload.size(); ++i) {
    if (payload[i] != '%') {
      raw.push_back(payload[i]);
      continue;
    }
    const int hi = i + 2 < payload.size() ? hex_value(payload[i + 1]) : -1;
    const int lo = i + 2 < payload.size() ? hex_value(payload[i + 2]) : -1;
    if (hi < 0 || lo < 0) return invalid_argument("data: URI has a bad %-escape at offset ", comma + 1 + i);
    raw.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  if (!base64) return raw;
  auto r = decode_base64(raw);
  if (!r.ok()) return r.status().with_context("data: URI");
  return r;
}

}  // namespace internvl::media
