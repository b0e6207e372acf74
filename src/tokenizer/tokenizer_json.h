// Reads a Hugging Face tokenizer.json into a plain description (TokenizerSpec), refusing every
// feature that the encoder does not implement, by name, instead of encoding differently.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "internvl/status.h"
#include "tokenizer/vocabulary.h"

namespace internvl::tokenizer {

/// One entry of tokenizer.json's "added_tokens" (tokenizers' AddedToken with its id).
struct AddedTokenSpec {
  std::int32_t id = 0;
  std::string content;
  bool single_word = false;
  bool lstrip = false;
  bool rstrip = false;
  bool normalized = true;  // tokenizers' serde default
  bool special = false;
};

/// One pre-tokenizer step, in application order. Only the forms we implement exist here:
/// Split(Regex or String, behavior Isolated, invert false) and ByteLevel (always last).
struct PreTokenizerStep {
  enum class Kind : std::uint8_t { kSplit, kByteLevel };
  Kind kind = Kind::kSplit;
  std::string regex;  // kSplit: the pattern in Oniguruma syntax (String patterns escaped)
  bool add_prefix_space = false;  // kByteLevel
  bool use_regex = true;          // kByteLevel: also split with the GPT-2 pattern
};

/// The BPE model: vocabulary in byte-level text form and merges in rank order.
struct BpeSpec {
  StringPool vocab_tokens;              // model.vocab keys, in file order
  std::vector<std::int32_t> vocab_ids;  // their ids
  StringPool merges;                    // two strings per merge (left, right), in rank order
  std::size_t merge_count() const { return merges.size() / 2; }
  std::optional<std::string> unk_token;
  bool fuse_unk = false;
  bool byte_fallback = false;
  bool ignore_merges = false;
};

struct TokenizerSpec {
  bool nfc = false;  // normalizer is NFC (alone or in a Sequence)
  std::vector<PreTokenizerStep> pre_tokenizer;
  BpeSpec model;
  std::vector<AddedTokenSpec> added_tokens;
};

/// The largest token id we accept; ids index dense per-id tables.
inline constexpr std::int32_t kMaxTokenId = (1 << 24) - 1;

/// Parses tokenizer.json text; `path` names the file in every error message.
Result<TokenizerSpec> parse_tokenizer_json(std::string_view text, const std::string& path);

}  // namespace internvl::tokenizer
