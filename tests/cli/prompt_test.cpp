// Placing command-line media in the user turn (src/cli/prompt.h).
#include "cli/prompt.h"

#include <gtest/gtest.h>

namespace internvl::cli {
namespace {

ContentPart img() {
  Image i;
  i.width = 1;
  i.height = 1;
  i.rgb8 = {1, 2, 3};
  return ContentPart::image_part(i);
}
ContentPart vid() { return ContentPart::video_part({}); }

std::string shape(const std::vector<ContentPart>& parts) {
  std::string s;
  for (const ContentPart& p : parts) {
    s += p.type == ContentPart::Type::kImage ? "[I]" : p.type == ContentPart::Type::kVideo ? "[V]" : "'" + p.text + "'";
  }
  return s;
}

TEST(BuildUserContent, MediaFirstInGivenOrderWithoutMarkers) {
  auto c = build_user_content("Compare.", {vid(), img(), img()});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(shape(*c), "[V][I][I]'Compare.'");
  auto text = build_user_content("Just text", {});
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(shape(*text), "'Just text'");
  auto media_only = build_user_content("", {img()});
  ASSERT_TRUE(media_only.ok());
  EXPECT_EQ(shape(*media_only), "[I]");
  EXPECT_FALSE(build_user_content("", {}).ok());
}

TEST(BuildUserContent, MarkersPlaceMediaByKind) {
  auto c = build_user_content("<image>First a picture, <video>then a clip. Compare them.", {vid(), img()});
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  EXPECT_EQ(shape(*c), "[I]'First a picture, '[V]'then a clip. Compare them.'");
  auto two = build_user_content("a <image> b <image>", {img(), img()});
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(shape(*two), "'a '[I]' b '[I]");
}

TEST(BuildUserContent, CountsMustMatch) {
  EXPECT_EQ(build_user_content("<image>", {img(), img()}).status().message(),
            "the prompt has 1 <image> marker but 2 images were given");
  EXPECT_EQ(build_user_content("<image><image>", {img()}).status().message(),
            "the prompt has 2 <image> markers but 1 image was given");
  EXPECT_EQ(build_user_content("<video>", {img()}).status().message(),
            "the prompt has 0 <image> markers but 1 image was given");
  EXPECT_EQ(build_user_content("<image>", {img(), vid()}).status().message(),
            "the prompt has 0 <video> markers but 1 video was given");
}

}  // namespace
}  // namespace internvl::cli
