// Damaged inputs: every fixture image cut at many lengths and with flipped bytes must give an
// image or an error Status, never a crash (run under ASan/UBSan in the asan preset).
#include <gtest/gtest.h>

#include <dirent.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "core/file.h"
#include "media/image_decode.h"
#include "support/fixtures.h"

namespace internvl::media {
namespace {

std::vector<std::string> fixture_images() {
  std::vector<std::string> names;
  const std::string dir = test::fixture_path("images");
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      if (e->d_name[0] != '.') names.push_back(e->d_name);
    }
    closedir(d);
  }
  std::sort(names.begin(), names.end());
  return names;
}

// Damaged files may still decode (e.g. a flipped byte inside pixel data); what matters is that
// a result comes back and that an image, when returned, is consistent.
// Returns whether it decoded.
bool expect_sane(const std::string& bytes, const ImageDecodeOptions& options, const std::string& what) {
  auto r = decode_image(bytes, options, what);
  if (!r.ok()) {
    EXPECT_FALSE(r.status().message().empty()) << what;
    return false;
  }
  const Image& im = *r;
  EXPECT_GT(im.width, 0) << what;
  EXPECT_GT(im.height, 0) << what;
  const std::size_t n = static_cast<std::size_t>(im.width) * im.height * 3;
  EXPECT_EQ(im.bit_depth == 16 ? im.rgb16.size() : im.rgb8.size(), n) << what;
  return true;
}

TEST(ImageRobustness, FixturesCutAtManyLengths) {
  const auto names = fixture_images();
  ASSERT_GE(names.size(), 15u);
  ImageDecodeOptions options;
  for (const std::string& name : names) {
    auto bytes = read_file(test::fixture_path("images/" + name));
    ASSERT_TRUE(bytes.ok()) << bytes.status().to_string();
    const std::size_t size = bytes->size();
    std::vector<std::size_t> cuts;
    for (std::size_t i = 0; i <= std::min<std::size_t>(size, 96); ++i) cuts.push_back(i);  // headers
    for (int k = 1; k < 48; ++k) cuts.push_back(size * k / 48);                           // body
    for (std::size_t i = 1; i <= 8 && i < size; ++i) cuts.push_back(size - i);              // trailer
    int errors = 0;
    for (std::size_t cut : cuts) {
      errors += !expect_sane(bytes->substr(0, cut), options, name + " cut at " + std::to_string(cut));
    }
    // Cutting into the header always fails.
    EXPECT_GE(errors, 20) << name;
  }
}

TEST(ImageRobustness, FixturesWithFlippedBytes) {
  ImageDecodeOptions options;
  options.max_pixels = 4'000'000;  // a flipped size field may claim a huge image
  std::mt19937 rng(1234);
  for (const std::string& name : fixture_images()) {
    auto bytes = read_file(test::fixture_path("images/" + name));
    ASSERT_TRUE(bytes.ok());
    const std::size_t size = bytes->size();
    for (int trial = 0; trial < 40; ++trial) {
      std::string damaged = *bytes;
      // Half the trials hit the first 512 bytes, where headers and tables live.
      const std::size_t span = trial % 2 ? size : std::min<std::size_t>(size, 512);
      const int flips = 1 + trial % 4;
      for (int f = 0; f < flips; ++f) {
        damaged[rng() % span] ^= static_cast<char>(1 + rng() % 255);
      }
      expect_sane(damaged, options, name + " trial " + std::to_string(trial));
    }
  }
}

TEST(ImageRobustness, RandomBytesBehindEachSignature) {
  const std::vector<std::string> magics = {
      "\xFF\xD8\xFF", "\x89PNG\r\n\x1A\n", "GIF89a", std::string("RIFF\0\0\0\0WEBP", 12), "BM"};
  std::mt19937 rng(99);
  ImageDecodeOptions options;
  options.max_pixels = 1'000'000;
  for (const std::string& magic : magics) {
    for (int trial = 0; trial < 200; ++trial) {
      std::string data = magic;
      const std::size_t n = rng() % 300;
      for (std::size_t i = 0; i < n; ++i) data.push_back(static_cast<char>(rng()));
      expect_sane(data, options, "random after " + std::to_string(magic.size()) + "-byte magic");
    }
  }
}

}  // namespace
}  // namespace internvl::media
