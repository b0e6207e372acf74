// Tokenizer::encode / decode and the accessors; loading lives in tokenizer_load.cpp.
#include "tokenizer/tokenizer.h"

#include <algorithm>
#include <deque>

#include "tokenizer/normalizer.h"
#include "tokenizer/tokenizer_data.h"
#include "tokenizer/utf8.h"

namespace internvl::tokenizer {
namespace {

using detail::TokenizerData;

// Per-call buffers, so that concurrent encode calls share nothing mutable but the BPE cache.
struct EncodeScratch {
  // Sized to the text: a chat prompt gets a few KB, a long document up to 8192 pieces.
  explicit EncodeScratch(std::size_t text_bytes)
      : cache(std::clamp<std::size_t>(text_bytes / 16, 64, 8192)) {}
  PieceCache cache;
  std::vector<Segment> segments;
  std::vector<Segment> normalized_segments;
  std::deque<std::string> arena;
  std::string normalized;
};

void encode_plain(const TokenizerData& d, std::string_view text, EncodeScratch& s,
                  std::vector<std::int32_t>* ids) {
  s.arena.clear();
  d.pre_tokenizer.split(text, &s.arena,
                        [&](std::string_view piece) { d.bpe.encode_piece(piece, &s.cache, ids); });
}

// One stretch of text between non-normalized added tokens: normalize, cut out the normalized
// added tokens, pre-tokenize and BPE the rest (tokenizers' extract_and_normalize + encode).
void encode_segment(const TokenizerData& d, std::string_view text, EncodeScratch& s,
                    std::vector<std::int32_t>* ids) {
  const std::string_view norm = d.nfc ? nfc(text, &s.normalized) : text;
  if (d.normalized_matcher.empty()) {
    encode_plain(d, norm, s, ids);
    return;
  }
  s.normalized_segments.clear();
  d.normalized_matcher.split(norm, &s.normalized_segments);
  for (const Segment& seg : s.normalized_segments) {
    if (seg.id >= 0) {
      ids->push_back(seg.id);
    } else {
      encode_plain(d, seg.text, s, ids);
    }
  }
}

}  // namespace

std::vector<std::int32_t> Tokenizer::encode(std::string_view text) const {
  const TokenizerData& d = *d_;
  std::string repaired;
  if (!is_valid_utf8(text)) {
    repaired = utf8_lossy(text);
    text = repaired;
  }
  std::vector<std::int32_t> ids;
  ids.reserve(text.size() / 4 + 8);
  EncodeScratch s(text.size());
  d.raw_matcher.split(text, &s.segments);
  for (const Segment& seg : s.segments) {
    if (seg.id >= 0) {
      ids.push_back(seg.id);
    } else {
      encode_segment(d, seg.text, s, &ids);
    }
  }
  return ids;
}

std::string Tokenizer::decode(std::span<const std::int32_t> ids, bool skip_special_tokens) const {
  std::string bytes;
  for (std::int32_t id : ids) {
    if (skip_special_tokens && is_special(id)) continue;
    bytes.append(token_bytes(id));
  }
  if (is_valid_utf8(bytes)) return bytes;
  return utf8_lossy(bytes);
}

std::optional<std::int32_t> Tokenizer::token_to_id(std::string_view token) const {
  if (auto it = d_->added.find(token); it != d_->added.end()) return it->second;
  if (const std::int32_t id = d_->vocab.find(token); id >= 0) return id;
  return std::nullopt;
}

std::string Tokenizer::id_to_token(std::int32_t id) const {
  if (id < 0 || id >= vocab_size()) return {};
  if (d_->flags[static_cast<std::size_t>(id)] & TokenizerData::kAdded) return d_->added_text.at(id);
  return std::string(d_->vocab.text(id));
}

std::string_view Tokenizer::token_bytes(std::int32_t id) const {
  if (id < 0 || id >= vocab_size()) return {};
  const auto i = static_cast<std::size_t>(id);
  const std::uint32_t begin = d_->decoded_offsets[i];
  return std::string_view(d_->decoded).substr(begin, d_->decoded_offsets[i + 1] - begin);
}

bool Tokenizer::is_special(std::int32_t id) const {
  return id >= 0 && id < vocab_size() &&
         (d_->flags[static_cast<std::size_t>(id)] & TokenizerData::kSpecial) != 0;
}

std::int32_t Tokenizer::vocab_size() const { return d_->size; }

std::optional<std::int32_t> Tokenizer::eos_id() const { return d_->eos_id; }
std::optional<std::int32_t> Tokenizer::pad_id() const { return d_->pad_id; }
std::optional<std::int32_t> Tokenizer::bos_id() const { return d_->bos_id; }
const std::optional<std::string>& Tokenizer::eos_token() const { return d_->eos_token; }
const std::optional<std::string>& Tokenizer::pad_token() const { return d_->pad_token; }
const std::optional<std::string>& Tokenizer::bos_token() const { return d_->bos_token; }
bool Tokenizer::add_bos_token() const { return d_->add_bos_token; }

// ---- StreamDecoder ----

StreamDecoder::StreamDecoder(const Tokenizer& tokenizer, bool skip_special_tokens)
    : tokenizer_(tokenizer), skip_special_tokens_(skip_special_tokens) {}

std::string StreamDecoder::push(std::int32_t id) {
  if (skip_special_tokens_ && tokenizer_.is_special(id)) return {};
  pending_.append(tokenizer_.token_bytes(id));
  // Hold back only a well-formed but unfinished character: the lossy decoding of everything
  // before it cannot change, whatever bytes come next.
  const std::size_t keep = utf8_incomplete_tail(pending_);
  const std::string_view ready = std::string_view(pending_).substr(0, pending_.size() - keep);
  std::string out = utf8_lossy(ready);
  pending_.erase(0, ready.size());
  return out;
}

std::string StreamDecoder::flush() {
  std::string out = utf8_lossy(pending_);
  pending_.clear();
  return out;
}

}  // namespace internvl::tokenizer
