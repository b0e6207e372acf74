// Small synthetic tokenizer.json files for tests of features the real one does not use.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/json.h"

namespace internvl::tokenizer::test {

struct TinyAddedToken {
  std::string content;
  bool special = true;
  bool single_word = false;
  bool lstrip = false;
  bool rstrip = false;
  bool normalized = false;
};

/// A byte-level BPE tokenizer.json: the 256 alphabet characters have ids 0-255 in byte order,
/// merge r (byte-level text pairs) creates id 256 + r, added tokens follow. Tests edit the
/// returned Json before writing it.
Json tiny_tokenizer_json(const std::vector<std::pair<std::string, std::string>>& merges,
                         const std::vector<TinyAddedToken>& added);

/// Writes j (or raw text) as tokenizer.json into a fresh temporary directory; returns the path.
std::string write_tokenizer_json(const Json& j);
std::string write_tokenizer_text(const std::string& text);

}  // namespace internvl::tokenizer::test
