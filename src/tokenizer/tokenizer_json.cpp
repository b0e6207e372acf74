#include "tokenizer/tokenizer_json.h"

#include <exception>

#include "core/json.h"
#include "core/str.h"

namespace internvl::tokenizer {
namespace {

// ---- SAX reader ----
// tokenizer.json is ~6 MB, almost all of it model.vocab (151k keys) and model.merges (151k
// pairs). nlohmann's ordered_json inserts object keys with a linear search, so a DOM parse of the
// vocabulary is quadratic. This handler streams those two members into vectors and builds an
// ordinary DOM for everything else.
class SpecSax : public nlohmann::json_sax<Json> {
 public:
  Json root;
  StringPool vocab;
  std::vector<std::int32_t> vocab_ids;
  StringPool merges;  // left, right, left, right, ...
  bool has_vocab = false;
  bool has_merges = false;
  std::string error;  // set with the first problem; parsing then stops

  bool null() override { return value(Json()); }
  bool boolean(bool v) override { return value(Json(v)); }
  bool number_integer(number_integer_t v) override {
    return mode_ == Mode::kVocab ? vocab_id(v) : value(Json(v));
  }
  bool number_unsigned(number_unsigned_t v) override {
    if (mode_ == Mode::kVocab) {
      return vocab_id(
          v > static_cast<number_unsigned_t>(kMaxTokenId) ? -1 : static_cast<std::int64_t>(v));
    }
    return value(Json(v));
  }
  bool number_float(number_float_t v, const string_t&) override {
    if (mode_ == Mode::kVocab) return vocab_id(-1);
    return value(Json(v));
  }
  bool string(string_t& s) override {
    switch (mode_) {
      case Mode::kVocab:
        return vocab_id(-1);
      case Mode::kMerges: {
        // Legacy form "a b": exactly one space, as tokenizers' convert_merges_to_hashmap demands.
        const std::size_t sp = s.find(' ');
        if (sp == std::string::npos || s.find(' ', sp + 1) != std::string::npos) {
          return fail(str_cat("model.merges[", merge_index(), "] ", quote_for_message(s),
                              " is not two tokens separated by one space"));
        }
        const std::string_view v(s);
        merges.add(v.substr(0, sp));
        merges.add(v.substr(sp + 1));
        return true;
      }
      case Mode::kMergePair:
        if (pair_len_ >= 2)
          return fail(str_cat("model.merges[", merge_index(), "] has more than 2 tokens"));
        merges.add(s);
        ++pair_len_;
        return true;
      case Mode::kNone:
        break;
    }
    return value(Json(std::move(s)));
  }
  bool binary(binary_t&) override { return fail("unexpected binary value"); }

  bool start_object(std::size_t) override {
    if (mode_ != Mode::kNone) return fail(bad_member());
    if (at_model_member("vocab")) {
      mode_ = Mode::kVocab;
      has_vocab = true;
      return true;
    }
    return open(Json::object());
  }
  bool key(string_t& k) override {
    if (mode_ == Mode::kVocab) {
      vocab_key_ = std::move(k);
    } else {
      stack_.back().key = std::move(k);
    }
    return true;
  }
  bool end_object() override {
    if (mode_ == Mode::kVocab) {
      mode_ = Mode::kNone;
      return true;
    }
    stack_.pop_back();
    return true;
  }
  bool start_array(std::size_t) override {
    if (mode_ == Mode::kMerges) {
      mode_ = Mode::kMergePair;
      pair_len_ = 0;
      return true;
    }
    if (mode_ != Mode::kNone) return fail(bad_member());
    if (at_model_member("merges")) {
      mode_ = Mode::kMerges;
      has_merges = true;
      return true;
    }
    return open(Json::array());
  }
  bool end_array() override {
    if (mode_ == Mode::kMergePair) {
      if (pair_len_ != 2) {
        return fail(
            str_cat("model.merges[", merge_index(), "] has ", pair_len_, " tokens, expected 2"));
      }
      mode_ = Mode::kMerges;
      return true;
    }
    if (mode_ == Mode::kMerges) {
      mode_ = Mode::kNone;
      return true;
    }
    stack_.pop_back();
    return true;
  }
  bool parse_error(std::size_t pos, const std::string&,
                   const nlohmann::detail::exception& ex) override {
    if (error.empty()) error = str_cat("invalid JSON at byte ", pos, ": ", ex.what());
    return false;
  }

 private:
  enum class Mode : std::uint8_t { kNone, kVocab, kMerges, kMergePair };
  struct Frame {
    Json* node;
    std::string name;  // key of this container in its parent ("" for array elements and root)
    std::string key;   // pending key of the next member (objects)
  };

  bool fail(std::string msg) {
    if (error.empty()) error = std::move(msg);
    return false;
  }
  std::string bad_member() const {
    return mode_ == Mode::kVocab
               ? str_cat("model.vocab[", quote_for_message(vocab_key_), "] must be an integer id")
               : str_cat("model.merges[", merge_index(), "] must be \"a b\" or [\"a\", \"b\"]");
  }
  bool vocab_id(std::int64_t id) {
    if (id < 0 || id > kMaxTokenId) {
      return fail(str_cat("model.vocab[", quote_for_message(vocab_key_),
                          "] must be an integer id in [0, ", kMaxTokenId, "]"));
    }
    vocab.add(vocab_key_);
    vocab_ids.push_back(static_cast<std::int32_t>(id));
    return true;
  }
  std::size_t merge_index() const { return merges.size() / 2; }
  // Is the container about to open the member `name` of the top-level "model" object?
  bool at_model_member(std::string_view name) const {
    return stack_.size() == 2 && stack_[1].name == "model" && stack_[1].node->is_object() &&
           stack_[1].key == name;
  }
  Json* insert(Json v) {
    if (stack_.empty()) {
      root = std::move(v);
      return &root;
    }
    Frame& f = stack_.back();
    if (f.node->is_array()) {
      f.node->push_back(std::move(v));
      return &f.node->back();
    }
    Json& slot = (*f.node)[f.key];
    slot = std::move(v);
    return &slot;
  }
  bool value(Json v) {
    if (mode_ != Mode::kNone) return fail(bad_member());
    insert(std::move(v));
    return true;
  }
  bool open(Json v) {
    std::string name = !stack_.empty() && stack_.back().node->is_object() ? stack_.back().key : "";
    Json* node = insert(std::move(v));
    stack_.push_back(Frame{node, std::move(name), {}});
    return true;
  }

  std::vector<Frame> stack_;
  Mode mode_ = Mode::kNone;
  std::string vocab_key_;
  int pair_len_ = 0;
};

// ---- interpretation ----

Result<std::string> type_of(const Json& obj, std::string_view what) {
  if (!obj.is_object()) return corrupt(what, " must be an object");
  INTERNVL_ASSIGN_OR_RETURN(std::string type, json_string(obj, "type", "", what));
  if (type.empty()) return corrupt(what, " has no \"type\"");
  return type;
}

Status parse_normalizer(const Json& n, const std::string& what, bool* nfc) {
  if (n.is_null()) return Status::ok_status();
  INTERNVL_ASSIGN_OR_RETURN(std::string type, type_of(n, what));
  if (type == "NFC") {
    *nfc = true;
    return Status::ok_status();
  }
  if (type == "Sequence") {
    auto it = n.find("normalizers");
    if (it == n.end() || !it->is_array()) return corrupt(what, ".normalizers must be an array");
    for (std::size_t i = 0; i < it->size(); ++i) {
      INTERNVL_RETURN_IF_ERROR(
          parse_normalizer((*it)[i], str_cat(what, ".normalizers[", i, "]"), nfc));
    }
    return Status::ok_status();
  }
  return unsupported(what, ": normalizer type '", type, "' is not supported (only NFC)");
}

// Escapes a literal for a regex (Split with a String pattern).
std::string regex_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (std::string_view("\\^$.|?*+()[]{}").find(c) != std::string_view::npos) out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

Status parse_pre_tokenizer(const Json& p, const std::string& what,
                           std::vector<PreTokenizerStep>* out) {
  if (p.is_null()) return Status::ok_status();
  INTERNVL_ASSIGN_OR_RETURN(std::string type, type_of(p, what));
  if (type == "Sequence") {
    auto it = p.find("pretokenizers");
    if (it == p.end() || !it->is_array()) return corrupt(what, ".pretokenizers must be an array");
    for (std::size_t i = 0; i < it->size(); ++i) {
      INTERNVL_RETURN_IF_ERROR(
          parse_pre_tokenizer((*it)[i], str_cat(what, ".pretokenizers[", i, "]"), out));
    }
    return Status::ok_status();
  }
  PreTokenizerStep step;
  if (type == "Split") {
    step.kind = PreTokenizerStep::Kind::kSplit;
    auto pat = p.find("pattern");
    if (pat == p.end() || !pat->is_object()) return corrupt(what, ".pattern must be an object");
    if (json_has(*pat, "Regex")) {
      INTERNVL_ASSIGN_OR_RETURN(step.regex, json_string(*pat, "Regex", "", what + ".pattern"));
    } else if (json_has(*pat, "String")) {
      INTERNVL_ASSIGN_OR_RETURN(std::string lit,
                                json_string(*pat, "String", "", what + ".pattern"));
      step.regex = regex_escape(lit);
    } else {
      return corrupt(what, ".pattern must hold \"Regex\" or \"String\"");
    }
    INTERNVL_ASSIGN_OR_RETURN(std::string behavior, json_string(p, "behavior", "", what));
    if (behavior != "Isolated") {
      return unsupported(what, ": Split behavior '", behavior,
                         "' is not supported (only Isolated)");
    }
    INTERNVL_ASSIGN_OR_RETURN(bool invert, json_bool(p, "invert", false, what));
    if (invert) return unsupported(what, ": Split with invert=true is not supported");
  } else if (type == "ByteLevel") {
    step.kind = PreTokenizerStep::Kind::kByteLevel;
    // tokenizers' ByteLevel defaults: add_prefix_space true, use_regex true.
    INTERNVL_ASSIGN_OR_RETURN(step.add_prefix_space, json_bool(p, "add_prefix_space", true, what));
    INTERNVL_ASSIGN_OR_RETURN(step.use_regex, json_bool(p, "use_regex", true, what));
  } else {
    return unsupported(what, ": pre_tokenizer type '", type,
                       "' is not supported (only Split, ByteLevel, Sequence)");
  }
  out->push_back(std::move(step));
  return Status::ok_status();
}

Status check_decoder(const Json& d, const std::string& what) {
  if (d.is_null()) return unsupported(what, " is null (only ByteLevel decoding is implemented)");
  INTERNVL_ASSIGN_OR_RETURN(std::string type, type_of(d, what));
  if (type != "ByteLevel") {
    return unsupported(what, ": decoder type '", type, "' is not supported (only ByteLevel)");
  }
  return Status::ok_status();
}

Status check_post_processor(const Json& p, const std::string& what) {
  if (p.is_null()) return Status::ok_status();
  INTERNVL_ASSIGN_OR_RETURN(std::string type, type_of(p, what));
  // ByteLevel only trims offsets; anything else adds tokens, which we do not implement.
  if (type != "ByteLevel") {
    return unsupported(what, ": post_processor type '", type,
                       "' is not supported (only ByteLevel)");
  }
  return Status::ok_status();
}

Status parse_model(const Json& m, const std::string& what, BpeSpec* bpe) {
  if (!m.is_object()) return corrupt(what, " must be an object");
  INTERNVL_ASSIGN_OR_RETURN(std::string type, json_string(m, "type", "BPE", what));
  if (type != "BPE")
    return unsupported(what, ": model type '", type, "' is not supported (only BPE)");
  if (json_has(m, "dropout")) {
    INTERNVL_ASSIGN_OR_RETURN(double dropout, json_number(m, "dropout", 0.0, what));
    if (dropout != 0.0) return unsupported(what, ": BPE dropout ", dropout, " is not supported");
  }
  for (const char* key : {"continuing_subword_prefix", "end_of_word_suffix"}) {
    INTERNVL_ASSIGN_OR_RETURN(std::string v, json_string(m, key, "", what));
    if (!v.empty())
      return unsupported(what, ": BPE ", key, " ", quote_for_message(v), " is not supported");
  }
  if (json_has(m, "unk_token")) {
    INTERNVL_ASSIGN_OR_RETURN(std::string unk, json_string(m, "unk_token", "", what));
    bpe->unk_token = std::move(unk);
  }
  INTERNVL_ASSIGN_OR_RETURN(bpe->fuse_unk, json_bool(m, "fuse_unk", false, what));
  INTERNVL_ASSIGN_OR_RETURN(bpe->byte_fallback, json_bool(m, "byte_fallback", false, what));
  INTERNVL_ASSIGN_OR_RETURN(bpe->ignore_merges, json_bool(m, "ignore_merges", false, what));
  return Status::ok_status();
}

Status parse_added_tokens(const Json& a, const std::string& what,
                          std::vector<AddedTokenSpec>* out) {
  if (a.is_null()) return Status::ok_status();
  if (!a.is_array()) return corrupt(what, " must be an array");
  for (std::size_t i = 0; i < a.size(); ++i) {
    const std::string w = str_cat(what, "[", i, "]");
    const Json& t = a[i];
    if (!t.is_object()) return corrupt(w, " must be an object");
    AddedTokenSpec s;
    if (!json_has(t, "id")) return corrupt(w, " has no \"id\"");
    INTERNVL_ASSIGN_OR_RETURN(std::int64_t id, json_int(t, "id", -1, w));
    if (id < 0 || id > kMaxTokenId)
      return corrupt(w, ".id ", id, " is outside [0, ", kMaxTokenId, "]");
    s.id = static_cast<std::int32_t>(id);
    INTERNVL_ASSIGN_OR_RETURN(s.content, json_string(t, "content", "", w));
    if (s.content.empty()) return corrupt(w, " has an empty \"content\"");
    INTERNVL_ASSIGN_OR_RETURN(s.single_word, json_bool(t, "single_word", false, w));
    INTERNVL_ASSIGN_OR_RETURN(s.lstrip, json_bool(t, "lstrip", false, w));
    INTERNVL_ASSIGN_OR_RETURN(s.rstrip, json_bool(t, "rstrip", false, w));
    INTERNVL_ASSIGN_OR_RETURN(s.normalized, json_bool(t, "normalized", true, w));
    INTERNVL_ASSIGN_OR_RETURN(s.special, json_bool(t, "special", false, w));
    out->push_back(std::move(s));
  }
  return Status::ok_status();
}

Result<TokenizerSpec> interpret(SpecSax& sax, const std::string& path) {
  const std::string file = "'" + path + "'";
  const Json& root = sax.root;
  if (!root.is_object()) return corrupt(file, ": top level must be a JSON object");
  auto member = [&](const char* key) -> const Json& {
    static const Json kNull;
    auto it = root.find(key);
    return it == root.end() ? kNull : *it;
  };
  // truncation and padding are left out on purpose: Transformers resets both on every call
  // unless the caller asks for them, and encode() is HF's tokenizer(text) without those options.
  TokenizerSpec spec;
  if (!member("model").is_object() && !sax.has_vocab)
    return corrupt(file, " has no \"model\" object");
  if (!sax.has_vocab) return corrupt(file, ": model has no \"vocab\" object");
  if (!sax.has_merges) return corrupt(file, ": model has no \"merges\" array");
  INTERNVL_RETURN_IF_ERROR(
      parse_normalizer(member("normalizer"), file + ": normalizer", &spec.nfc));
  INTERNVL_RETURN_IF_ERROR(
      parse_pre_tokenizer(member("pre_tokenizer"), file + ": pre_tokenizer", &spec.pre_tokenizer));
  int byte_level_steps = 0;
  for (const auto& s : spec.pre_tokenizer)
    byte_level_steps += s.kind == PreTokenizerStep::Kind::kByteLevel;
  if (byte_level_steps != 1 ||
      spec.pre_tokenizer.back().kind != PreTokenizerStep::Kind::kByteLevel) {
    return unsupported(file,
                       ": pre_tokenizer must end with exactly one ByteLevel step "
                       "(only byte-level BPE is implemented)");
  }
  INTERNVL_RETURN_IF_ERROR(check_decoder(member("decoder"), file + ": decoder"));
  INTERNVL_RETURN_IF_ERROR(
      check_post_processor(member("post_processor"), file + ": post_processor"));
  INTERNVL_RETURN_IF_ERROR(parse_model(member("model"), file + ": model", &spec.model));
  spec.model.vocab_tokens = std::move(sax.vocab);
  spec.model.vocab_ids = std::move(sax.vocab_ids);
  spec.model.merges = std::move(sax.merges);
  INTERNVL_RETURN_IF_ERROR(
      parse_added_tokens(member("added_tokens"), file + ": added_tokens", &spec.added_tokens));
  return spec;
}

}  // namespace

Result<TokenizerSpec> parse_tokenizer_json(std::string_view text, const std::string& path) {
  if (text.size() >= (std::size_t{1} << 31)) {
    return out_of_range("'", path, "' is ", text.size(),
                        " bytes; tokenizer.json must be under 2 GiB");
  }
  SpecSax sax;
  bool ok = false;
  try {
    ok = Json::sax_parse(text.begin(), text.end(), &sax);
  } catch (const std::exception& e) {  // allocation failure or a library error
    return internal_error("reading '", path, "': ", e.what());
  }
  if (!ok) {
    return corrupt("'", path, "' is not a valid tokenizer.json: ",
                   sax.error.empty() ? std::string("parse error") : sax.error);
  }
  return interpret(sax, path);
}

}  // namespace internvl::tokenizer
