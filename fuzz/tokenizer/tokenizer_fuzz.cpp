// libFuzzer target for the tokenizer: encode arbitrary bytes, decode and stream arbitrary ids.
// The tokenizer.json comes from INTERNVL_TOKENIZER_JSON (environment) or the fixture compiled in.
// Checks, besides "no crash": output is valid UTF-8, ASCII text round-trips exactly, and the
// streaming decoder's concatenation equals the full decode.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "tokenizer/tokenizer.h"
#include "tokenizer/utf8.h"

namespace {

using internvl::tokenizer::StreamDecoder;
using internvl::tokenizer::Tokenizer;

const Tokenizer& tokenizer() {
  static const Tokenizer* tok = [] {
    const char* env = std::getenv("INTERNVL_TOKENIZER_JSON");
    const std::string path = env != nullptr ? env : INTERNVL_FUZZ_TOKENIZER_JSON;
    auto loaded = Tokenizer::load(path);
    if (!loaded.ok()) {
      std::fprintf(stderr, "tokenizer_fuzz: %s\n", loaded.status().to_string().c_str());
      std::abort();
    }
    return new Tokenizer(std::move(*loaded));
  }();
  return *tok;
}

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "tokenizer_fuzz: check failed: %s\n", what);
    __builtin_trap();
  }
}

void check_decode(const Tokenizer& tok, const std::vector<std::int32_t>& ids) {
  for (bool skip : {false, true}) {
    const std::string full = tok.decode(ids, skip);
    check(internvl::tokenizer::is_valid_utf8(full), "decode output is valid UTF-8");
    StreamDecoder dec(tok, skip);
    std::string streamed;
    for (std::int32_t id : ids) streamed += dec.push(id);
    streamed += dec.flush();
    check(streamed == full, "streamed decode equals full decode");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const Tokenizer& tok = tokenizer();
  if (size == 0) return 0;
  const std::uint8_t mode = data[0];
  ++data;
  --size;
  if (mode % 2 == 0) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    const std::vector<std::int32_t> ids = tok.encode(text);
    for (std::int32_t id : ids) check(id >= 0 && id < tok.vocab_size(), "encode gives valid ids");
    if (internvl::tokenizer::is_ascii(text)) {
      check(tok.decode(ids, false) == text, "ASCII text round-trips");
    }
    check_decode(tok, ids);
  } else {
    // Mostly ids near the real range (so multi-byte pieces and specials meet), some wild ones.
    std::vector<std::int32_t> ids;
    for (std::size_t i = 0; i + 4 <= size; i += 4) {
      std::int32_t raw;
      std::memcpy(&raw, data + i, 4);
      ids.push_back(mode % 4 == 1 ? static_cast<std::int32_t>(static_cast<std::uint32_t>(raw) %
                                                              (tok.vocab_size() + 64)) -
                                        32
                                  : raw);
    }
    check_decode(tok, ids);
  }
  return 0;
}
