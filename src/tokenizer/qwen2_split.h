// A hand-written matcher for the Qwen2 / Qwen3 pre-tokenizer pattern, for ASCII text only.
// It answers the common case about 8x faster than a PCRE2 call and gives up (returns 0) as soon
// as the answer would depend on the Unicode class of a non-ASCII character; the caller then asks
// PCRE2, so Unicode handling stays in one place. Tests compare it with PCRE2 on random text.
#pragma once

#include <cstddef>
#include <string_view>

namespace internvl::tokenizer {

/// The split pattern of Qwen2's tokenizer.json (Qwen2.5, Qwen3 and InternVL3 use it too).
inline constexpr std::string_view kQwen2SplitPattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N})"
    R"(| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

/// Length of the match of kQwen2SplitPattern that starts at text[i] (i < text.size()), or 0 when
/// it cannot be decided from ASCII characters alone.
std::size_t qwen2_ascii_match(std::string_view text, std::size_t i);

}  // namespace internvl::tokenizer
