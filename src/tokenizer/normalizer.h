// Unicode normalization for the tokenizer (tokenizer.json's NFC normalizer), via utf8proc.
#pragma once

#include <string>
#include <string_view>

namespace internvl::tokenizer {

/// NFC of s (valid UTF-8). Returns s itself when it is already NFC, else the result kept in
/// *storage.
std::string_view nfc(std::string_view s, std::string* storage);

}  // namespace internvl::tokenizer
