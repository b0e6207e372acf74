// Placeholder binding, expansion and batching of the processor (InternVLProcessor semantics).
#include "processor/processor.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "support/fixtures.h"

namespace internvl::processor {
namespace {

const Processor& proc() {
  static Processor p = [] {
    auto r = Processor::from_model_dir(test::model_dir("tiny-internvl3-qwen2"));
    if (!r.ok()) {
      ADD_FAILURE() << r.status().to_string();
      std::abort();
    }
    return std::move(r).value();
  }();
  return p;
}

Image solid(int w, int h, std::uint8_t v) {
  Image img;
  img.width = w;
  img.height = h;
  img.rgb8.assign(static_cast<std::size_t>(w) * h * 3, v);
  return img;
}

MediaInput image_input(int w, int h) {
  MediaInput m;
  m.image = solid(w, h, 100);
  return m;
}

MediaInput video_input(int frames) {
  MediaInput m;
  m.kind = MediaInput::Kind::kVideo;
  for (int i = 0; i < frames; ++i) m.frames.push_back(solid(320, 240, static_cast<std::uint8_t>(i * 10)));
  return m;
}

std::int64_t count(const std::vector<std::int32_t>& ids, std::int32_t id) { return std::count(ids.begin(), ids.end(), id); }

TEST(Processor, ImageExpansionUsesTileCount) {
  std::vector<MediaInput> media = {image_input(640, 480)};  // 4x3 grid + thumbnail = 13 tiles
  auto r = proc().process("<|im_start|>user\n<IMG_CONTEXT>\nHi<|im_end|>\n", media);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->tiles_per_media, std::vector<int>{13});
  EXPECT_EQ(r->pixel_values.shape(), (std::vector<std::int64_t>{13, 3, 448, 448}));
  EXPECT_EQ(count(r->ids, proc().image_context_id()), 13 * 256);
  EXPECT_EQ(count(r->ids, *proc().tokenizer().token_to_id("<img>")), 1);
  EXPECT_EQ(count(r->ids, *proc().tokenizer().token_to_id("</img>")), 1);
}

TEST(Processor, TileOverridesApplyPerImage) {
  MediaInput m = image_input(640, 480);
  m.tiles.max_tiles = 1;
  auto r = proc().process("<IMG_CONTEXT>", std::vector<MediaInput>{m});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->tiles_per_media, std::vector<int>{1});
}

TEST(Processor, VideoExpandsToFrameLinesTokenizedAsText) {
  auto r = proc().process("<video>\nWhat happens?", std::vector<MediaInput>{video_input(3)});
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->tiles_per_media, std::vector<int>{3});
  EXPECT_EQ(count(r->ids, proc().image_context_id()), 3 * 256);
  std::string text = proc().tokenizer().decode(r->ids, /*skip_special_tokens=*/true);
  EXPECT_EQ(text, "Frame1: \nFrame2: \nFrame3: \nWhat happens?");
  EXPECT_EQ(proc().video_expansion(2).substr(0, 12), "Frame1: <img");
}

TEST(Processor, MediaBindInPlaceholderOrderAcrossKinds) {
  std::vector<MediaInput> media = {video_input(2), image_input(448, 448), image_input(896, 448)};
  auto r = proc().process("<IMG_CONTEXT> then <video> then <IMG_CONTEXT>", media);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  // Images bind in image order, the video to the video: tiles follow the text order.
  EXPECT_EQ(r->tiles_per_media, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(r->pixel_values.dim(0), 6);
}

TEST(Processor, CountMismatchesAreErrors) {
  auto more_media = proc().process("no placeholder", std::vector<MediaInput>{image_input(448, 448)});
  ASSERT_FALSE(more_media.ok());
  EXPECT_NE(more_media.status().message().find("0 image placeholder"), std::string::npos);
  auto more_marks = proc().process("<IMG_CONTEXT><IMG_CONTEXT>", std::vector<MediaInput>{image_input(448, 448)});
  ASSERT_FALSE(more_marks.ok());
  EXPECT_NE(more_marks.status().message().find("2 image placeholder"), std::string::npos);
  auto video = proc().process("<video>", {});
  ASSERT_FALSE(video.ok());
  EXPECT_NE(video.status().message().find("video"), std::string::npos);
  MediaInput empty_video;
  empty_video.kind = MediaInput::Kind::kVideo;
  EXPECT_FALSE(proc().process("<video>", std::vector<MediaInput>{empty_video}).ok());
}

TEST(Processor, LiteralVideoTagNeverBecomesAnOutOfRangeId) {
  // Transformers 5 would encode "<video>" as id 151674, past the embedding table; here a text
  // without videos is refused, and the tag's text tokens are ordinary vocabulary.
  EXPECT_FALSE(proc().process("say <video>", {}).ok());
  std::vector<std::int32_t> ids = proc().tokenizer().encode("say <video>");
  for (std::int32_t id : ids) EXPECT_LT(id, 151665);
}

TEST(Processor, BatchIsLeftPaddedAndMediaFollowRows) {
  std::vector<std::string> texts = {"short", "<IMG_CONTEXT> longer prompt", "<video>"};
  std::vector<MediaInput> media = {image_input(448, 448), video_input(2)};
  auto b = proc().process_batch(texts, media);
  ASSERT_TRUE(b.ok()) << b.status().to_string();
  ASSERT_EQ(b->input_ids.size(), 3u);
  const std::size_t len = b->input_ids[0].size();
  for (const auto& row : b->input_ids) EXPECT_EQ(row.size(), len);
  const std::int32_t pad = *proc().tokenizer().pad_id();
  EXPECT_EQ(b->input_ids[0].front(), pad);
  EXPECT_EQ(b->attention_mask[0].front(), 0);
  EXPECT_EQ(b->attention_mask[0].back(), 1);
  EXPECT_EQ(b->rows[1].tiles_per_media, std::vector<int>{1});
  EXPECT_EQ(b->rows[2].tiles_per_media, std::vector<int>{2});
  EXPECT_EQ(b->pixel_values.dim(0), 3);
  auto extra = proc().process_batch({"x"}, std::vector<MediaInput>{image_input(448, 448)});
  EXPECT_FALSE(extra.ok());
}

TEST(Processor, ChatTemplateRendersMediaParts) {
  Json messages = Json::array({Json{{"role", "user"}, {"content", Json::array({Json{{"type", "image"}}, Json{{"type", "text"}, {"text", "Hi"}}})}}});
  auto t = proc().apply_chat_template(messages, true);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(*t, "<|im_start|>user\n<IMG_CONTEXT>\nHi<|im_end|>\n<|im_start|>assistant\n");
}

}  // namespace
}  // namespace internvl::processor
