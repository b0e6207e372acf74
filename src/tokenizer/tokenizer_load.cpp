// Tokenizer::load and Tokenizer::from_dir: tokenizer.json (+ tokenizer_config.json) ->
// TokenizerData.
#include <algorithm>
#include <charconv>

#include "core/file.h"
#include "core/json.h"
#include "core/log.h"
#include "core/str.h"
#include "tokenizer/byte_level.h"
#include "tokenizer/normalizer.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/tokenizer_data.h"
#include "tokenizer/tokenizer_json.h"

namespace internvl::tokenizer {
namespace {

using detail::TokenizerData;

// The id tokenizers gives an added token when deserializing: tokenizer.json's ids are only
// checked (with a warning), then each token goes through add_tokens, which reuses an existing id
// for a known content and otherwise takes the next free id after the model vocabulary.
// ref: huggingface/tokenizers tokenizers/src/tokenizer/serialization.rs (visit_map) and
// added_vocabulary.rs (add_tokens), commit 064f6bfe4576895c5a8fa451912e5799178b15b9.
class AddedIdCheck {
 public:
  explicit AddedIdCheck(const Vocabulary& vocab) : vocab_(vocab) {}

  // Returns the id tokenizers would assign, or nullopt when it ignores the token (a repeat).
  std::optional<std::int32_t> assign(const AddedTokenSpec& t) {
    for (const AddedTokenSpec& seen : seen_) {
      if (seen.content == t.content && seen.single_word == t.single_word &&
          seen.lstrip == t.lstrip && seen.rstrip == t.rstrip && seen.normalized == t.normalized &&
          seen.special == t.special) {
        return std::nullopt;
      }
    }
    std::int32_t id;
    if (auto it = added_.find(t.content); it != added_.end()) {
      id = it->second;
    } else if (const std::int32_t iv = vocab_.find(t.content); iv >= 0) {
      id = iv;
    } else {
      const auto model_size = static_cast<std::int64_t>(vocab_.count());
      id = static_cast<std::int32_t>(model_size);
      if (max_id_ >= 0 && (max_id_ >= model_size || model_size == 0))
        id = static_cast<std::int32_t>(max_id_ + 1);
    }
    added_[t.content] = id;
    max_id_ = std::max<std::int64_t>(max_id_, id);
    seen_.push_back(t);
    return id;
  }

 private:
  const Vocabulary& vocab_;
  TokenMap added_;
  std::vector<AddedTokenSpec> seen_;
  std::int64_t max_id_ = -1;
};

Result<std::shared_ptr<TokenizerData>> build(TokenizerSpec spec, const std::string& path) {
  const std::string what = "'" + path + "'";
  auto d = std::make_shared<TokenizerData>();
  d->nfc = spec.nfc;
  const BpeSpec& model = spec.model;

  std::int32_t vocab_max = -1;
  for (std::int32_t id : model.vocab_ids) vocab_max = std::max(vocab_max, id);
  std::int32_t max_id = vocab_max;
  for (const auto& t : spec.added_tokens) max_id = std::max(max_id, t.id);
  d->size = max_id + 1;
  const auto size = static_cast<std::size_t>(d->size);
  d->flags.assign(size, 0);

  std::vector<std::string_view> by_id(static_cast<std::size_t>(vocab_max + 1));
  for (std::size_t i = 0; i < model.vocab_ids.size(); ++i) {
    const std::int32_t id = model.vocab_ids[i];
    const std::string_view tok = model.vocab_tokens[i];
    if (d->flags[id] & TokenizerData::kAssigned) {
      return corrupt(what, ": model.vocab gives id ", id, " to both ", quote_for_message(by_id[id]),
                     " and ", quote_for_message(tok));
    }
    if (tok.empty()) return corrupt(what, ": model.vocab has an empty token (id ", id, ")");
    d->flags[id] = TokenizerData::kAssigned;
    by_id[id] = tok;
  }
  if (const std::int32_t dup = d->vocab.build(by_id); dup >= 0) {
    return corrupt(what, ": model.vocab lists ", quote_for_message(by_id[dup]), " twice");
  }

  INTERNVL_ASSIGN_OR_RETURN(d->bpe, BpeModel::create(model, d->vocab, what));
  INTERNVL_ASSIGN_OR_RETURN(d->pre_tokenizer, PreTokenizer::create(spec.pre_tokenizer, what));

  AddedIdCheck check(d->vocab);
  for (std::size_t i = 0; i < spec.added_tokens.size(); ++i) {
    const AddedTokenSpec& t = spec.added_tokens[i];
    const std::optional<std::int32_t> expected = check.assign(t);
    if (!expected) continue;
    if (*expected != t.id) {
      return corrupt(what, ": added_tokens[", i, "] ", quote_for_message(t.content), " has id ",
                     t.id, " but tokenizers would give it id ", *expected,
                     " (ids must follow the vocabulary without gaps)");
    }
    d->flags[t.id] |= TokenizerData::kAssigned | TokenizerData::kAdded;
    if (t.special) d->flags[t.id] |= TokenizerData::kSpecial;
    d->added[t.content] = t.id;
    d->added_text[t.id] = t.content;
    const AddedTokenRule rule{t.id, t.single_word, t.lstrip, t.rstrip};
    if (t.normalized) {
      // tokenizers matches these against the normalized text, so the pattern is normalized too.
      std::string storage;
      d->normalized_matcher.add(d->nfc ? nfc(t.content, &storage) : std::string_view(t.content),
                                rule);
    } else {
      d->raw_matcher.add(t.content, rule);
    }
  }

  // What the ByteLevel decoder makes of each token, added tokens included.
  d->decoded.reserve(model.vocab_tokens.size() * 8);
  d->decoded_offsets.assign(size + 1, 0);
  for (std::size_t id = 0; id < size; ++id) {
    d->decoded_offsets[id] = static_cast<std::uint32_t>(d->decoded.size());
    if (!(d->flags[id] & TokenizerData::kAssigned)) continue;
    if (d->flags[id] & TokenizerData::kAdded) {
      d->decoded += byte_level_decode_token(d->added_text[static_cast<std::int32_t>(id)]);
    } else if (auto bytes = byte_level_to_bytes(d->vocab.text(static_cast<std::int32_t>(id)))) {
      d->decoded += *bytes;
    } else {
      d->decoded += d->vocab.text(static_cast<std::int32_t>(id));
    }
  }
  d->decoded_offsets[size] = static_cast<std::uint32_t>(d->decoded.size());
  return d;
}

// tokenizer_config.json writes a token as a string or as {"content": ..., ...} (AddedToken).
Result<std::optional<std::string>> config_token(const Json& cfg, const char* key,
                                                std::string_view what) {
  auto it = cfg.find(key);
  if (it == cfg.end() || it->is_null()) return std::optional<std::string>();
  if (it->is_string()) return std::optional<std::string>(it->get<std::string>());
  if (it->is_object()) {
    INTERNVL_ASSIGN_OR_RETURN(std::string content, json_string(*it, "content", "", what));
    if (!content.empty()) return std::optional<std::string>(std::move(content));
  }
  return corrupt(what, ": '", key, "' must be a string or an object with \"content\"");
}

// Transformers adds tokenizer_config.json's added_tokens_decoder entries that tokenizer.json
// lacks (and, in v5, extra_special_tokens such as InternVL's "<video>"). We use tokenizer.json
// alone, so say when the two disagree instead of silently giving other ids.
void warn_about_config_tokens(const Json& cfg, const TokenizerData& d, std::string_view what) {
  auto it = cfg.find("added_tokens_decoder");
  if (it == cfg.end() || !it->is_object()) return;
  for (auto entry = it->begin(); entry != it->end(); ++entry) {
    std::int64_t id = -1;
    const std::string& key = entry.key();
    std::from_chars(key.data(), key.data() + key.size(), id);
    const Json& tok = entry.value();
    if (!tok.is_object() || !tok.contains("content") || !tok["content"].is_string()) continue;
    const std::string content = tok["content"].get<std::string>();
    const bool known = id >= 0 && id < d.size &&
                       (d.flags[static_cast<std::size_t>(id)] & TokenizerData::kAdded) &&
                       d.added_text.at(static_cast<std::int32_t>(id)) == content;
    if (!known) {
      log_warn("[tokenizer] ", what, ": added_tokens_decoder[", key, "] ",
               quote_for_message(content),
               " is not that added token of tokenizer.json; it is ignored here (Transformers "
               "would add it)");
    }
  }
}

}  // namespace

Result<Tokenizer> Tokenizer::load(const std::string& tokenizer_json_path) {
  INTERNVL_ASSIGN_OR_RETURN(std::string text, read_file(tokenizer_json_path));
  INTERNVL_ASSIGN_OR_RETURN(TokenizerSpec spec, parse_tokenizer_json(text, tokenizer_json_path));
  text = std::string();  // release the 6 MB before building the tables
  INTERNVL_ASSIGN_OR_RETURN(auto data, build(std::move(spec), tokenizer_json_path));
  return Tokenizer(std::move(data));
}

Result<Tokenizer> Tokenizer::from_dir(const std::string& model_dir) {
  const std::string json_path = path_join(model_dir, "tokenizer.json");
  if (!file_exists(json_path)) return not_found("no tokenizer.json in '", model_dir, "'");
  INTERNVL_ASSIGN_OR_RETURN(std::string text, read_file(json_path));
  INTERNVL_ASSIGN_OR_RETURN(TokenizerSpec spec, parse_tokenizer_json(text, json_path));
  text = std::string();
  INTERNVL_ASSIGN_OR_RETURN(auto data, build(std::move(spec), json_path));

  const std::string cfg_path = path_join(model_dir, "tokenizer_config.json");
  if (file_exists(cfg_path)) {
    INTERNVL_ASSIGN_OR_RETURN(Json cfg, load_json_file(cfg_path));
    const std::string what = "'" + cfg_path + "'";
    if (!cfg.is_object()) return corrupt(what, ": top level must be a JSON object");
    INTERNVL_ASSIGN_OR_RETURN(data->add_bos_token, json_bool(cfg, "add_bos_token", false, what));
    warn_about_config_tokens(cfg, *data, what);
    struct Slot {
      const char* key;
      std::optional<std::string>* token;
      std::optional<std::int32_t>* id;
    };
    for (const Slot& s : {Slot{"eos_token", &data->eos_token, &data->eos_id},
                          Slot{"pad_token", &data->pad_token, &data->pad_id},
                          Slot{"bos_token", &data->bos_token, &data->bos_id}}) {
      INTERNVL_ASSIGN_OR_RETURN(*s.token, config_token(cfg, s.key, what));
      if (!*s.token) continue;
      const Tokenizer probe(data);
      *s.id = probe.token_to_id(**s.token);
      if (!*s.id) {
        return corrupt(what, ": ", s.key, " ", quote_for_message(**s.token), " is not a token of '",
                       json_path, "'");
      }
    }
  }
  return Tokenizer(std::move(data));
}

}  // namespace internvl::tokenizer
