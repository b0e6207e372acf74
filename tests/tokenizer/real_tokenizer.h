// The fixture tokenizer (tests/fixtures/tokenizer), loaded once per test binary.
#pragma once

#include <gtest/gtest.h>

#include "support/fixtures.h"
#include "tokenizer/tokenizer.h"

namespace internvl::tokenizer::test {

inline const Tokenizer& real_tokenizer() {
  static const Tokenizer* tok = [] {
    auto loaded = Tokenizer::from_dir(internvl::test::fixture_path("tokenizer"));
    if (!loaded.ok()) {
      ADD_FAILURE() << loaded.status().to_string();
      std::abort();
    }
    return new Tokenizer(std::move(*loaded));
  }();
  return *tok;
}

}  // namespace internvl::tokenizer::test
