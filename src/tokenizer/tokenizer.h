// The text tokenizer: Hugging Face tokenizers' byte-level BPE (Qwen2's tokenizer.json) in C++.
//
// encode(text) equals Transformers' tokenizer(text, add_special_tokens=False).input_ids and
// decode(ids, skip) equals tokenizer.decode(ids, skip_special_tokens=skip) for the features that
// load() accepts; any other tokenizer.json feature is refused at load with a Status naming it.
//
// Behaviour worth knowing:
// - Input that is not valid UTF-8 is repaired first: each maximal ill-formed subpart becomes
//   U+FFFD, as Python's bytes.decode("utf-8", errors="replace") does. (HF only ever sees str.)
// - decode() skips ids that are negative, >= vocab_size() or unassigned, as tokenizers' decode
//   does (its filter_map). Invalid UTF-8 produced by byte tokens becomes U+FFFD (errors="replace").
// - Only tokenizer.json's added_tokens are added tokens. tokenizer_config.json's
//   extra_special_tokens are not: InternVL's "<video>" (Transformers 5 assigns it id 151674, past
//   the model's embedding table) is encoded as ordinary text here.
// - Immutable after load; copies share the data. encode/decode are safe to call concurrently
//   (the BPE word cache is internally locked).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "internvl/status.h"

namespace internvl::tokenizer {

namespace detail {
struct TokenizerData;
}  // namespace detail

class Tokenizer {
 public:
  /// Loads a tokenizer.json; errors name the file and the offending field or feature.
  static Result<Tokenizer> load(const std::string& tokenizer_json_path);

  /// Loads <model_dir>/tokenizer.json plus, when present, tokenizer_config.json for the
  /// eos/pad/bos token strings and add_bos_token. The chat template is not read here.
  static Result<Tokenizer> from_dir(const std::string& model_dir);

  /// Token ids of text, without any special tokens added (add_special_tokens=False).
  std::vector<std::int32_t> encode(std::string_view text) const;

  /// Text of ids; special tokens are dropped when skip_special_tokens. Unknown ids are skipped.
  std::string decode(std::span<const std::int32_t> ids, bool skip_special_tokens) const;

  /// Id of a token string (added tokens first, then the BPE vocabulary in its "Ġ" text form).
  std::optional<std::int32_t> token_to_id(std::string_view token) const;

  /// Token string of an id ("Ġworld", "<|im_end|>"); empty for an unknown id.
  std::string id_to_token(std::int32_t id) const;

  /// Raw bytes that id decodes to before UTF-8 repair; empty for an unknown id.
  std::string_view token_bytes(std::int32_t id) const;

  /// True for added tokens flagged special (dropped by decode with skip_special_tokens).
  bool is_special(std::int32_t id) const;

  /// Largest id + 1 over the vocabulary and the added tokens.
  std::int32_t vocab_size() const;

  /// Ids and strings of the tokenizer_config.json tokens (nullopt when absent or null).
  std::optional<std::int32_t> eos_id() const;
  std::optional<std::int32_t> pad_id() const;
  std::optional<std::int32_t> bos_id() const;
  const std::optional<std::string>& eos_token() const;
  const std::optional<std::string>& pad_token() const;
  const std::optional<std::string>& bos_token() const;
  /// tokenizer_config.json's add_bos_token (false when absent).
  bool add_bos_token() const;

 private:
  explicit Tokenizer(std::shared_ptr<const detail::TokenizerData> data) : d_(std::move(data)) {}
  std::shared_ptr<const detail::TokenizerData> d_;
};

/// Incremental decoding for streamed generation: push ids one at a time and get back the text
/// that is complete so far. Text is emitted only up to the last complete UTF-8 character, so a
/// character split across tokens is never broken; flush() emits the rest (an incomplete tail as
/// U+FFFD). The concatenation of all pushes and the flush equals Tokenizer::decode of all ids.
class StreamDecoder {
 public:
  /// Keeps a (cheap, shared) copy of the tokenizer.
  StreamDecoder(const Tokenizer& tokenizer, bool skip_special_tokens);

  /// Adds one id; returns the newly completed text (often empty mid-character).
  std::string push(std::int32_t id);

  /// Returns whatever is still held back and resets the decoder.
  std::string flush();

 private:
  Tokenizer tokenizer_;
  bool skip_special_tokens_;
  std::string pending_;  // bytes not yet emitted: at most an incomplete UTF-8 character
};

}  // namespace internvl::tokenizer
