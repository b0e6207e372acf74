#include "preprocess/processor_config.h"

#include <gtest/gtest.h>

#include "core/file.h"
#include "support/fixtures.h"

namespace internvl::preprocess {
namespace {

void expect_internvl_image(const ImageProcessorConfig& c) {
  EXPECT_EQ(c.pixels.height, 448);
  EXPECT_EQ(c.pixels.width, 448);
  EXPECT_FLOAT_EQ(static_cast<float>(c.pixels.image_mean[0]), 0.485f);
  EXPECT_FLOAT_EQ(static_cast<float>(c.pixels.image_std[2]), 0.225f);
  EXPECT_DOUBLE_EQ(c.pixels.rescale_factor, 0.00392156862745098);
  EXPECT_FALSE(c.crop_to_patches);
  EXPECT_EQ(c.min_patches, 1);
  EXPECT_EQ(c.max_patches, 12);
}

TEST(ProcessorConfig, Transformers5NestedFile) {
  for (const char* name : {"tiny-internvl3-qwen2", "tiny-internvl35-qwen3"}) {
    auto cfg = load_processor_config(test::fixture_path(std::string("models/") + name));
    ASSERT_TRUE(cfg.ok()) << cfg.status().to_string();
    expect_internvl_image(cfg->image);
    EXPECT_EQ(cfg->video.pixels.height, 448);
    EXPECT_FALSE(cfg->video.do_sample_frames);
    EXPECT_TRUE(cfg->video.initial_shift.half_step);
    EXPECT_EQ(cfg->image_seq_length, 256);
  }
}

TEST(ProcessorConfig, HubLayoutWithSeparateFiles) {
  auto cfg = load_processor_config(test::fixture_path("models/tiny-internvl3-hub-layout"));
  ASSERT_TRUE(cfg.ok()) << cfg.status().to_string();
  expect_internvl_image(cfg->image);
  EXPECT_DOUBLE_EQ(cfg->image.pixels.image_mean[0], 0.485);  // written as a double there
  EXPECT_EQ(cfg->video.pixels.width, 448);
  EXPECT_EQ(cfg->image_seq_length, 256);
}

class TempDir : public ::testing::Test {
 protected:
  void write(const std::string& name, const std::string& text) {
    ASSERT_TRUE(write_file(path_join(dir_, name), text).ok());
  }
  std::string dir_ = test::make_temp_dir("preprocess-config");
};

TEST_F(TempDir, VideoFallsBackToImageFileAndClassDefaults) {
  write("preprocessor_config.json",
        R"({"size": {"height": 448, "width": 448}, "image_mean": [0.5, 0.5, 0.5],
            "image_std": 0.5, "max_patches": 6})");
  auto cfg = load_processor_config(dir_);
  ASSERT_TRUE(cfg.ok()) << cfg.status().to_string();
  EXPECT_EQ(cfg->image.max_patches, 6);
  EXPECT_DOUBLE_EQ(cfg->image.pixels.image_std[1], 0.5);
  EXPECT_EQ(cfg->video.pixels.height, 448);  // from the image file, as HF falls back
  EXPECT_DOUBLE_EQ(cfg->video.pixels.image_mean[2], 0.5);
  EXPECT_TRUE(cfg->video.initial_shift.half_step);
  EXPECT_EQ(cfg->image_seq_length, 256);
}

TEST_F(TempDir, MissingKeysTakeClassDefaults) {
  write("preprocessor_config.json", "{}");
  auto cfg = load_processor_config(dir_);
  ASSERT_TRUE(cfg.ok()) << cfg.status().to_string();
  EXPECT_EQ(cfg->image.pixels.height, 384);
  EXPECT_DOUBLE_EQ(cfg->image.pixels.image_mean[0], 0.48145466);  // OpenAI CLIP
  EXPECT_TRUE(cfg->image.pixels.do_normalize);
}

TEST_F(TempDir, VideoOptionsParse) {
  write("processor_config.json", R"({"image_processor": {}, "image_seq_length": 64,
      "video_processor": {"initial_shift": 2, "num_frames": 16, "fps": 1.5,
                          "do_sample_frames": true, "size": 224}})");
  auto cfg = load_processor_config(dir_);
  ASSERT_TRUE(cfg.ok()) << cfg.status().to_string();
  EXPECT_EQ(cfg->image_seq_length, 64);
  EXPECT_FALSE(cfg->video.initial_shift.half_step);
  EXPECT_DOUBLE_EQ(cfg->video.initial_shift.frames, 2);
  EXPECT_EQ(cfg->video.num_frames, 16);
  EXPECT_DOUBLE_EQ(*cfg->video.fps, 1.5);
  EXPECT_TRUE(cfg->video.do_sample_frames);
  EXPECT_EQ(cfg->video.pixels.width, 224);
}

TEST_F(TempDir, MissingFilesAreNotFound) {
  auto cfg = load_processor_config(dir_);
  ASSERT_FALSE(cfg.ok());
  EXPECT_EQ(cfg.status().code(), StatusCode::kNotFound);
  EXPECT_NE(cfg.status().message().find(dir_), std::string::npos);
}

struct BadCase {
  const char* json;
  const char* key;
  StatusCode code;
};

TEST_F(TempDir, BadValuesNameFileAndKey) {
  const BadCase cases[] = {
      {R"({"max_patches": "12"})", "max_patches", StatusCode::kInvalidArgument},
      {R"({"min_patches": 0})", "min_patches", StatusCode::kInvalidArgument},
      {R"({"min_patches": 5, "max_patches": 3})", "max_patches", StatusCode::kInvalidArgument},
      {R"({"size": {"shortest_edge": 448}})", "size", StatusCode::kUnsupported},
      {R"({"size": {"height": -1, "width": 448}})", "height", StatusCode::kInvalidArgument},
      {R"({"image_mean": [0.5, 0.5]})", "image_mean", StatusCode::kInvalidArgument},
      {R"({"image_std": [0.5, 0, 0.5]})", "image_std", StatusCode::kInvalidArgument},
      {R"({"resample": 2})", "resample", StatusCode::kUnsupported},
      {R"({"rescale_factor": 0})", "rescale_factor", StatusCode::kInvalidArgument},
      {R"({"do_normalize": "yes"})", "do_normalize", StatusCode::kInvalidArgument},
      {R"({"initial_shift": "half"})", "initial_shift", StatusCode::kInvalidArgument},
      {R"({"num_frames": 0})", "num_frames", StatusCode::kInvalidArgument},
      {R"({"fps": -1})", "fps", StatusCode::kInvalidArgument},
      {R"([1, 2])", "expected a JSON object", StatusCode::kInvalidArgument},
  };
  for (const BadCase& c : cases) {
    write("preprocessor_config.json", c.json);
    auto cfg = load_processor_config(dir_);
    ASSERT_FALSE(cfg.ok()) << c.json;
    EXPECT_EQ(cfg.status().code(), c.code) << c.json << ": " << cfg.status().to_string();
    const std::string msg = cfg.status().message();
    EXPECT_NE(msg.find("preprocessor_config.json"), std::string::npos) << msg;
    EXPECT_NE(msg.find(c.key), std::string::npos) << msg;
  }
}

TEST_F(TempDir, BadNestedObjectNamesItsKey) {
  write("processor_config.json", R"({"image_processor": {"do_resize": 1}})");
  auto cfg = load_processor_config(dir_);
  ASSERT_FALSE(cfg.ok());
  EXPECT_NE(cfg.status().message().find("processor_config.json' image_processor"),
            std::string::npos)
      << cfg.status().message();
  EXPECT_NE(cfg.status().message().find("do_resize"), std::string::npos);
}

TEST_F(TempDir, InvalidJsonIsCorrupt) {
  write("processor_config.json", R"({"image_processor": )");
  auto cfg = load_processor_config(dir_);
  ASSERT_FALSE(cfg.ok());
  EXPECT_EQ(cfg.status().code(), StatusCode::kCorrupt);
  EXPECT_NE(cfg.status().message().find("processor_config.json"), std::string::npos);
}

}  // namespace
}  // namespace internvl::preprocess
