// The pre-tokenizer: splits normalized text into the pieces that BPE encodes one by one
// (tokenizers' Split + ByteLevel). The byte-level character mapping itself is implicit: BPE works
// on raw bytes (see bpe.h).
#pragma once

#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "internvl/status.h"
#include "tokenizer/regex.h"
#include "tokenizer/tokenizer_json.h"

namespace internvl::tokenizer {

/// The GPT-2 pattern that tokenizers' ByteLevel pre-tokenizer applies when use_regex is true.
inline constexpr std::string_view kGpt2SplitPattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

class PreTokenizer {
 public:
  /// Compiles the steps of tokenizer.json's pre_tokenizer; `what` names the file in errors.
  static Result<PreTokenizer> create(const std::vector<PreTokenizerStep>& steps,
                                     std::string_view what);

  /// Splits text (valid UTF-8) into pieces, handed in order to sink(std::string_view). Pieces
  /// view `text` or strings kept in *arena (when ByteLevel's add_prefix_space adds a space).
  template <typename Sink>
  void split(std::string_view text, std::deque<std::string>* arena, Sink&& sink) const {
    if (text.empty()) return;
    if (steps_.size() == 1 && steps_[0].regex) {  // the usual case: one Split step, streamed
      steps_[0].regex->for_each_piece(text, sink);
      return;
    }
    std::vector<std::string_view> pieces;
    split_steps(text, &pieces, arena);
    for (std::string_view piece : pieces) sink(piece);
  }

  /// split() collecting the pieces into a vector.
  void split(std::string_view text, std::vector<std::string_view>* pieces,
             std::deque<std::string>* arena) const {
    split(text, arena, [pieces](std::string_view piece) { pieces->push_back(piece); });
  }

 private:
  void split_steps(std::string_view text, std::vector<std::string_view>* pieces,
                   std::deque<std::string>* arena) const;

  struct Step {
    std::shared_ptr<const Regex> regex;  // null for a prefix-space step
  };
  std::vector<Step> steps_;
};

}  // namespace internvl::tokenizer
