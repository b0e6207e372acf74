// The README's "C++ API in ten lines", compiled and run on the tiny checkpoint. Keep the body of
// readme_main() identical to the README, apart from the two paths (parameters here) and the line
// marked "test only".
#include <gtest/gtest.h>

#include <iostream>
#include <sstream>

#include "internvl/engine.h"
#include "media/image_decode.h"  // the engine takes pixels; src/media decodes files
#include "support/fixtures.h"
#include "support/golden.h"

namespace {

std::vector<std::int32_t> g_tokens;

int readme_main(const std::string& model_dir, const std::string& image_path) {
  internvl::EngineOptions options;
  options.model_dir = model_dir;
  auto engine = internvl::Engine::load(options);
  auto image = internvl::media::load_image_file(image_path);
  if (!engine.ok() || !image.ok()) return 1;
  internvl::Message msg{"user", {internvl::ContentPart::image_part(*image),
                                 internvl::ContentPart::text_part("Describe this image.")}};
  internvl::GenerationOptions gen;
  gen.max_new_tokens = 64;
  auto answer = (*engine)->generate({msg}, gen, [](const internvl::TokenInfo&, std::string_view piece) {
    std::cout << piece << std::flush;
    return true;
  });
  if (answer.ok()) g_tokens = answer->token_ids;  // test only
  return answer.ok() ? 0 : 1;
}

TEST(ReadmeExample, RunsAndStreamsTheReferenceAnswer) {
  std::ostringstream captured;
  std::streambuf* old = std::cout.rdbuf(captured.rdbuf());
  const int rc = readme_main(internvl::test::model_dir("tiny-internvl3-qwen2"),
                             internvl::test::fixture_path("images/small_600x300.png"));
  std::cout.rdbuf(old);
  ASSERT_EQ(rc, 0);
  EXPECT_FALSE(captured.str().empty());
  const auto ref = internvl::test::load_golden_json("goldens/models/tiny-internvl3-qwen2/generate.json")["cases"]
                       ["one_image"]["generated"][0]
                           .get<std::vector<std::int32_t>>();
  ASSERT_GE(g_tokens.size(), ref.size());
  EXPECT_EQ(std::vector<std::int32_t>(g_tokens.begin(), g_tokens.begin() + static_cast<std::ptrdiff_t>(ref.size())), ref);
}

}  // namespace
