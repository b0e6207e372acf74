#include "tokenizer/normalizer.h"

#include <utf8proc.h>

#include <cstdlib>

#include "tokenizer/utf8.h"

namespace internvl::tokenizer {

std::string_view nfc(std::string_view s, std::string* storage) {
  if (is_ascii(s)) return s;  // ASCII is always NFC
  utf8proc_uint8_t* out = nullptr;
  const utf8proc_ssize_t len = utf8proc_map(
      reinterpret_cast<const utf8proc_uint8_t*>(s.data()), static_cast<utf8proc_ssize_t>(s.size()),
      &out, static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE));
  // utf8proc only fails on invalid UTF-8 or allocation failure; callers pass repaired text, and
  // leaving the text unnormalized is the least surprising fallback for the other case.
  if (len < 0) {
    std::free(out);
    return s;
  }
  const std::string_view result(reinterpret_cast<const char*>(out), static_cast<std::size_t>(len));
  if (result == s) {
    std::free(out);
    return s;
  }
  storage->assign(result);
  std::free(out);
  return *storage;
}

}  // namespace internvl::tokenizer
