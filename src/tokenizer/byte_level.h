// GPT-2 "byte-level" alphabet: each of the 256 byte values is shown as one printable code point,
// so that BPE vocabularies can be stored as text. ref: openai/gpt-2 encoder.py bytes_to_unicode.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace internvl::tokenizer {

/// The code point that stands for byte b ('!' for 0x21, U+0120 'Ġ' for a space, ...).
std::uint32_t byte_level_code_point(std::uint8_t b);

/// The byte that code point cp stands for, or -1 when cp is outside the byte-level alphabet.
int byte_level_byte(std::uint32_t cp);

/// Maps raw bytes to their byte-level text ("Ġworld" for " world").
std::string bytes_to_byte_level(std::string_view bytes);

/// The raw bytes of a byte-level token, or nullopt when it holds a code point outside the
/// alphabet. token must be valid UTF-8.
std::optional<std::string> byte_level_to_bytes(std::string_view token);

/// What the ByteLevel decoder emits for one token: its bytes when every character is in the
/// alphabet, else the token's own UTF-8 (as tokenizers' ByteLevel::decode_chain does).
std::string byte_level_decode_token(std::string_view token);

}  // namespace internvl::tokenizer
