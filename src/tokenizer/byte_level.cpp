#include "tokenizer/byte_level.h"

#include <array>

#include "tokenizer/utf8.h"

namespace internvl::tokenizer {
namespace {

struct Tables {
  std::array<std::uint32_t, 256> byte_to_cp{};
  std::array<std::int16_t, 324> cp_to_byte{};  // the alphabet's largest code point is 323

  Tables() {
    cp_to_byte.fill(-1);
    // Printable Latin-1 bytes stand for themselves; the 68 others are shifted past 0xFF in order.
    auto printable = [](int b) {
      return (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    };
    std::uint32_t next = 256;
    for (int b = 0; b < 256; ++b) {
      const std::uint32_t cp = printable(b) ? static_cast<std::uint32_t>(b) : next++;
      byte_to_cp[b] = cp;
      cp_to_byte[cp] = static_cast<std::int16_t>(b);
    }
  }
};

const Tables& tables() {
  static const Tables t;
  return t;
}

}  // namespace

std::uint32_t byte_level_code_point(std::uint8_t b) { return tables().byte_to_cp[b]; }

int byte_level_byte(std::uint32_t cp) {
  return cp < tables().cp_to_byte.size() ? tables().cp_to_byte[cp] : -1;
}

std::string bytes_to_byte_level(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) append_code_point(byte_level_code_point(static_cast<std::uint8_t>(c)), &out);
  return out;
}

std::optional<std::string> byte_level_to_bytes(std::string_view token) {
  std::string out;
  out.reserve(token.size());
  std::size_t i = 0;
  while (i < token.size()) {
    const int b = byte_level_byte(next_code_point(token, i));
    if (b < 0) return std::nullopt;
    out.push_back(static_cast<char>(b));
  }
  return out;
}

std::string byte_level_decode_token(std::string_view token) {
  auto bytes = byte_level_to_bytes(token);
  return bytes ? std::move(*bytes) : std::string(token);
}

}  // namespace internvl::tokenizer
