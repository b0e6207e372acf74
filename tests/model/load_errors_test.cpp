// Loading refuses broken or unsupported checkpoints with a status naming the file, tensor or
// value, and never crashes.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstring>
#include <filesystem>

#include "core/file.h"
#include "core/json.h"
#include "io/model_config.h"
#include "io/safetensors.h"
#include "model/internvl_model.h"
#include "model/quantize.h"
#include "support/fixtures.h"

namespace internvl::test {
namespace {

namespace fs = std::filesystem;

// A copy of a fixture model directory (files copied, so they can be edited).
std::string copy_model(const std::string& name) {
  std::string dir = make_temp_dir("internvl-load");
  for (const auto& e : fs::directory_iterator(model_dir(name))) {
    fs::copy_file(fs::canonical(e.path()), fs::path(dir) / e.path().filename());
  }
  return dir;
}

std::string expect_error(const std::string& dir, StatusCode code) {
  auto m = model::InternVLModel::load(dir);
  EXPECT_FALSE(m.ok());
  if (m.ok()) return "";
  EXPECT_EQ(m.status().code(), code) << m.status().to_string();
  return m.status().message();
}

// Rewrites the JSON header of a safetensors file, keeping its data section.
void edit_header(const std::string& path, const std::function<void(Json&)>& edit) {
  auto read = read_file(path);
  ASSERT_TRUE(read.ok()) << read.status().to_string();
  const std::string& bytes = *read;
  std::uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  Json h = *parse_json(std::string_view(bytes).substr(8, n), "header");
  edit(h);
  std::string text = h.dump();
  std::uint64_t m = text.size();
  std::string out(reinterpret_cast<const char*>(&m), 8);
  out += text;
  out += bytes.substr(8 + n);
  ASSERT_TRUE(write_file(path, out).ok());
}

void edit_config(const std::string& dir, const std::function<void(Json&)>& edit) {
  std::string path = path_join(dir, "config.json");
  Json j = *load_json_file(path);
  edit(j);
  ASSERT_TRUE(write_file(path, j.dump(2)).ok());
}

bool has(const std::string& msg, const std::string& what) { return msg.find(what) != std::string::npos; }

TEST(LoadErrors, MissingDirectoryAndFiles) {
  EXPECT_TRUE(has(expect_error("/nonexistent/model", StatusCode::kNotFound), "/nonexistent/model"));
  std::string dir = copy_model("tiny-internvl3-qwen2");
  fs::remove(fs::path(dir) / "model.safetensors");
  EXPECT_TRUE(has(expect_error(dir, StatusCode::kNotFound), "model.safetensors"));
  fs::remove(fs::path(dir) / "config.json");
  EXPECT_TRUE(has(expect_error(dir, StatusCode::kNotFound), "config.json"));
  fs::remove_all(dir);
}

TEST(LoadErrors, TruncatedAndCorruptSafetensors) {
  std::string dir = copy_model("tiny-internvl3-qwen2");
  std::string st = path_join(dir, "model.safetensors");
  std::string bytes = *read_file(st);
  for (std::size_t cut : {0ul, 5ul, 100ul, bytes.size() / 2, bytes.size() - 1}) {
    ASSERT_TRUE(write_file(st, bytes.substr(0, cut)).ok());
    std::string msg = expect_error(dir, StatusCode::kCorrupt);
    EXPECT_TRUE(has(msg, "model.safetensors")) << msg;
  }
  std::string garbage = bytes;
  for (std::size_t i = 8; i < 40; ++i) garbage[i] = '#';
  ASSERT_TRUE(write_file(st, garbage).ok());
  EXPECT_TRUE(has(expect_error(dir, StatusCode::kCorrupt), "invalid JSON"));
  fs::remove_all(dir);
}

TEST(LoadErrors, OffsetsOutsideTheFile) {
  std::string dir = copy_model("tiny-internvl3-qwen2");
  edit_header(path_join(dir, "model.safetensors"), [](Json& h) {
    h["multi_modal_projector.linear_2.bias"]["data_offsets"] = Json::array({1ull << 40, (1ull << 40) + 64});
  });
  std::string msg = expect_error(dir, StatusCode::kCorrupt);
  EXPECT_TRUE(has(msg, "multi_modal_projector.linear_2.bias") && has(msg, "outside")) << msg;
  fs::remove_all(dir);
}

TEST(LoadErrors, MissingTensorWrongShapeUnsupportedDtype) {
  std::string dir = copy_model("tiny-internvl3-qwen2");
  std::string st = path_join(dir, "model.safetensors");
  std::string original = *read_file(st);
  edit_header(st, [](Json& h) { h.erase("vision_tower.encoder.layer.1.mlp.fc2.weight"); });
  std::string msg = expect_error(dir, StatusCode::kNotFound);
  EXPECT_TRUE(has(msg, "vision_tower.encoder.layer.1.mlp.fc2.weight")) << msg;

  ASSERT_TRUE(write_file(st, original).ok());
  edit_header(st, [](Json& h) { h["language_model.model.layers.0.mlp.up_proj.weight"]["shape"] = Json::array({32, 64}); });
  msg = expect_error(dir, StatusCode::kInvalidArgument);
  EXPECT_TRUE(has(msg, "language_model.model.layers.0.mlp.up_proj.weight") && has(msg, "[32, 64]") &&
              has(msg, "[64, 32]")) << msg;

  ASSERT_TRUE(write_file(st, original).ok());
  edit_header(st, [](Json& h) { h["multi_modal_projector.linear_1.weight"]["dtype"] = "I16"; });
  msg = expect_error(dir, StatusCode::kUnsupported);
  EXPECT_TRUE(has(msg, "multi_modal_projector.linear_1.weight") && has(msg, "I16")) << msg;
  fs::remove_all(dir);
}

TEST(LoadErrors, ShardIndexNamesAMissingShard) {
  std::string dir = copy_model("tiny-internvl3-hub-layout");
  fs::remove(fs::path(dir) / "model-00002-of-00002.safetensors");
  std::string msg = expect_error(dir, StatusCode::kNotFound);
  EXPECT_TRUE(has(msg, "model-00002-of-00002.safetensors")) << msg;
  fs::remove_all(dir);
}

TEST(LoadErrors, UnsupportedModelTypesAndOptions) {
  struct Edit {
    std::function<void(Json&)> edit;
    StatusCode code;
    std::string needle;
  };
  std::vector<Edit> edits = {
      {[](Json& j) { j["model_type"] = "llava"; }, StatusCode::kUnsupported, "'llava'"},
      {[](Json& j) { j["model_type"] = "internvl_chat"; }, StatusCode::kUnsupported, "-hf"},
      {[](Json& j) { j["text_config"]["model_type"] = "llama"; }, StatusCode::kUnsupported, "'llama'"},
      {[](Json& j) { j["text_config"]["model_type"] = "qwen3_moe"; }, StatusCode::kUnsupported, "qwen3_moe"},
      {[](Json& j) { j["vision_feature_layer"] = Json::array({-1, -2}); }, StatusCode::kUnsupported, "vision_feature_layer"},
      {[](Json& j) { j["vision_feature_select_strategy"] = "full"; }, StatusCode::kUnsupported, "'full'"},
      {[](Json& j) { j["text_config"]["rope_parameters"]["rope_type"] = "yarn"; }, StatusCode::kUnsupported, "'yarn'"},
      {[](Json& j) { j["vision_config"]["norm_type"] = "batch_norm"; }, StatusCode::kUnsupported, "batch_norm"},
      {[](Json& j) { j["text_config"]["num_key_value_heads"] = 3; }, StatusCode::kInvalidArgument, "num_key_value_heads"},
      {[](Json& j) { j["text_config"]["hidden_size"] = "wide"; }, StatusCode::kInvalidArgument, "'hidden_size' must be an integer"},
      {[](Json& j) { j["image_token_id"] = 999999; }, StatusCode::kInvalidArgument, "image_token_id"},
      {[](Json& j) { j["text_config"]["intermediate_size"] = 4000000000LL; }, StatusCode::kInvalidArgument,
       "'intermediate_size' is too large"},
      {[](Json& j) { j["vision_config"]["intermediate_size"] = 4294967296LL + 64; }, StatusCode::kInvalidArgument,
       "'intermediate_size' is too large"},
  };
  for (const auto& e : edits) {
    std::string dir = copy_model("tiny-internvl3-qwen2");
    edit_config(dir, e.edit);
    std::string msg = expect_error(dir, e.code);
    EXPECT_TRUE(has(msg, e.needle) && has(msg, "config.json")) << msg;
    fs::remove_all(dir);
  }
  std::string dir = copy_model("tiny-internvl3-qwen2");
  ASSERT_TRUE(write_file(path_join(dir, "config.json"), "{\"model_type\": ").ok());
  EXPECT_TRUE(has(expect_error(dir, StatusCode::kCorrupt), "config.json"));
  fs::remove_all(dir);
}

TEST(LoadErrors, ValidateHeaderFromBytes) {
  EXPECT_FALSE(io::SafetensorsArchive::validate_header("", "x").ok());
  std::string tiny("\x02\x00\x00\x00\x00\x00\x00\x00{}", 10);
  EXPECT_TRUE(io::SafetensorsArchive::validate_header(tiny, "x").ok());
  std::string huge("\xff\xff\xff\xff\xff\xff\xff\x7f{}", 10);
  EXPECT_EQ(io::SafetensorsArchive::validate_header(huge, "x").code(), StatusCode::kCorrupt);
}

// The safetensors writer pads the header to 8 bytes, other writers may not: with an odd header
// length every tensor sits at an odd address. Such tensors are copied into aligned memory and
// give the same model, also quantized on load. (The tiny tensors are under a page, so this does
// not exercise the rule that a copy's pages are never released after quantizing, weights.cpp.)
TEST(LoadErrors, UnalignedTensorDataLoadsTheSameModel) {
  std::string dir = copy_model("tiny-internvl3-qwen2");
  std::string st = path_join(dir, "model.safetensors");
  auto header_len = [&] {
    std::string bytes = *read_file(st);
    std::uint64_t n = 0;
    std::memcpy(&n, bytes.data(), 8);
    return n;
  };
  edit_header(st, [](Json& h) { h["__metadata__"] = Json{{"pad", "x"}}; });
  if (header_len() % 2 == 0) edit_header(st, [](Json& h) { h["__metadata__"]["pad"] = "xx"; });
  ASSERT_EQ(header_len() % 2, 1u);
  auto archive = io::SafetensorsArchive::open_dir(dir);
  ASSERT_TRUE(archive.ok()) << archive.status().message();
  const io::TensorEntry* e = archive->find("language_model.model.embed_tokens.weight");
  ASSERT_NE(e, nullptr);
  EXPECT_FALSE(e->mapped);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(e->data) % 2, 0u);
  const std::int32_t ids[] = {1, 17, 300};
  for (auto quant : {model::QuantType::kNone, model::QuantType::kQ8}) {
    model::LoadOptions lo;
    lo.quant = quant;
    auto a = model::InternVLModel::load(model_dir("tiny-internvl3-qwen2"), lo);
    auto b = model::InternVLModel::load(dir, lo);
    ASSERT_TRUE(a.ok() && b.ok());
    ASSERT_TRUE((*b)->weights().text.lm_head_tied);
    Tensor xa = (*a)->embed(ids, 3), xb = (*b)->embed(ids, 3);
    Tensor la = (*a)->logits(xa.data<float>(), 3), lb = (*b)->logits(xb.data<float>(), 3);
    ASSERT_EQ(la.numel(), lb.numel());
    for (std::int64_t i = 0; i < la.numel(); ++i) {
      ASSERT_EQ(la.data<float>()[i], lb.data<float>()[i]) << model::quant_name(quant) << " logit " << i;
    }
  }
  fs::remove_all(dir);
}

TEST(LoadErrors, BothLayoutsLoadTheSameWeights) {
  auto a = model::InternVLModel::load(model_dir("tiny-internvl3-qwen2"));
  auto b = model::InternVLModel::load(model_dir("tiny-internvl3-hub-layout"));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_TRUE((*a)->weights().text.lm_head_tied);
  EXPECT_EQ((*b)->config().text.rope.type, io::RopeType::kDynamic);
  EXPECT_EQ((*a)->config().text.rope.type, io::RopeType::kDefault);
  auto c = model::InternVLModel::load(model_dir("tiny-internvl35-qwen3"));
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE((*c)->weights().text.lm_head_tied);
  EXPECT_TRUE((*c)->config().text.qk_norm);
}

}  // namespace
}  // namespace internvl::test
