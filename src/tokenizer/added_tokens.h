// Added tokens (special or not) are cut out of the text before normalization and BPE, the way
// tokenizers' AddedVocabulary::find_matches does: leftmost-longest matching, then the per-token
// single_word / lstrip / rstrip rules.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

namespace internvl::tokenizer {

/// A piece of text: an added token (id >= 0, text = its span including stripped whitespace) or
/// plain text to normalize and encode (id = -1).
struct Segment {
  std::string_view text;
  std::int32_t id = -1;
};

/// How one added token matches.
struct AddedTokenRule {
  std::int32_t id = 0;
  bool single_word = false;  // only when not inside a word (tokenizers: regex \w)
  bool lstrip = false;       // swallow the whitespace on its left
  bool rstrip = false;       // swallow the whitespace on its right
};

class AddedTokenMatcher {
 public:
  AddedTokenMatcher() : nodes_(1) {}  // nodes_[0] is the root

  /// Registers a pattern; a pattern added again replaces the earlier rule (tokenizers maps a
  /// content to its last id).
  void add(std::string_view pattern, AddedTokenRule rule);

  bool empty() const { return rules_.empty(); }

  /// Splits text into segments covering it (tokenizers' find_matches); empty text gives none.
  void split(std::string_view text, std::vector<Segment>* out) const;

 private:
  struct Node {
    std::int32_t first_child = -1;
    std::int32_t next_sibling = -1;
    std::int32_t rule = -1;  // index into rules_ when a pattern ends here
    std::uint8_t byte = 0;
  };
  std::int32_t child(std::int32_t node, std::uint8_t b) const;
  // Length and rule of the longest pattern starting at text[pos], or {0, -1}.
  std::pair<std::size_t, std::int32_t> longest_at(std::string_view text, std::size_t pos) const;

  std::vector<Node> nodes_;
  std::vector<AddedTokenRule> rules_;
  std::array<bool, 256> first_byte_{};
};

/// Rust regex's \s (Unicode White_Space), used for lstrip / rstrip.
bool is_white_space(std::uint32_t cp);

/// Rust regex's \w (Alphabetic, M, Nd, Pc, Join_Control), used for single_word.
bool is_word_char(std::uint32_t cp);

}  // namespace internvl::tokenizer
