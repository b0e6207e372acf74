// The pre-tokenizer's regular expressions: tokenizer.json patterns are written for Oniguruma
// (what Hugging Face tokenizers uses); we run them with PCRE2 (UTF + UCP, JIT) after rewriting the
// constructs whose meaning differs between the two engines.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "internvl/status.h"

namespace internvl::tokenizer {

/// Rewrites an Oniguruma (Ruby syntax, UTF-8) pattern into a PCRE2 pattern with the same meaning:
/// \s is Oniguruma's Unicode set (U+0009-U+000D, U+0085, Z*), which PCRE2's \s lacks U+0085 from;
/// \w includes marks; \h is a hex digit; ^ and $ are line anchors. Constructs we cannot map
/// exactly (\b, \S inside a class, POSIX brackets, class intersection, (?m), \x80-\xFF bytes,
/// ...) are refused with a Status naming them.
Result<std::string> onig_to_pcre2(std::string_view pattern);

/// A compiled pattern, shared read-only between threads (each call uses its own match data).
class Regex {
 public:
  /// Compiles an Oniguruma-syntax pattern; `what` names it in errors. For Qwen2's split pattern
  /// ASCII text is matched by a hand-written matcher first (qwen2_split.h) unless
  /// allow_fast_path is false (tests compare the two).
  static Result<std::shared_ptr<const Regex>> compile(std::string_view onig_pattern,
                                                      std::string_view what,
                                                      bool allow_fast_path = true);
  ~Regex();
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;

  /// Appends to out the pieces of `text` (valid UTF-8) for tokenizers' Split with behavior
  /// Isolated: every match and every gap between matches, in order, empty pieces left out.
  /// Matches are enumerated as the Rust onig crate's find_iter does (an empty match right after
  /// the previous match is skipped by advancing one character).
  void split_isolated(std::string_view text, std::vector<std::string_view>* out) const {
    for_each_piece(text, [out](std::string_view piece) { out->push_back(piece); });
  }

  /// split_isolated, handing each piece to sink(std::string_view) as soon as it is found.
  template <typename Sink>
  void for_each_piece(std::string_view text, Sink&& sink) const {
    for_each_piece_impl(
        text,
        [](void* ctx, std::string_view piece) {
          (*static_cast<std::remove_reference_t<Sink>*>(ctx))(piece);
        },
        const_cast<void*>(static_cast<const void*>(&sink)));
  }

 private:
  void for_each_piece_impl(std::string_view text, void (*sink)(void*, std::string_view),
                           void* ctx) const;

  Regex() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace internvl::tokenizer
