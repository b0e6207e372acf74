// Internal: everything a loaded Tokenizer holds (immutable after load; shared by copies).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "tokenizer/added_tokens.h"
#include "tokenizer/bpe.h"
#include "tokenizer/pre_tokenizer.h"
#include "tokenizer/vocabulary.h"

namespace internvl::tokenizer::detail {

struct TokenizerData {
  enum Flag : std::uint8_t { kAssigned = 1, kSpecial = 2, kAdded = 4 };

  std::int32_t size = 0;                       // vocab_size(): largest id + 1
  std::vector<std::uint8_t> flags;             // [size] Flag bits
  std::string decoded;                         // every token's decoded bytes, concatenated
  std::vector<std::uint32_t> decoded_offsets;  // [size + 1] into `decoded`
  Vocabulary vocab;                            // BPE vocabulary (byte-level text) <-> id
  TokenMap added;                              // added token content -> id
  std::unordered_map<std::int32_t, std::string> added_text;  // id -> added token content

  AddedTokenMatcher raw_matcher;         // added tokens with normalized=false (on the raw text)
  AddedTokenMatcher normalized_matcher;  // normalized=true (on each normalized piece)
  bool nfc = false;
  PreTokenizer pre_tokenizer;
  BpeModel bpe;

  std::optional<std::string> eos_token, pad_token, bos_token;
  std::optional<std::int32_t> eos_id, pad_id, bos_id;
  bool add_bos_token = false;
};

}  // namespace internvl::tokenizer::detail
