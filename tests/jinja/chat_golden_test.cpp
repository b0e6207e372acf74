// Golden tests: real Hugging Face chat templates rendered by jinja2 the way Transformers does
// (tests/fixtures/goldens/chat_templates), and the InternVL template of every fixture checkpoint
// (tests/fixtures/goldens/tokenizer/chat_template.json).
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>

#include "core/file.h"
#include "jinja/chat_template.h"
#include "jinja/template.h"
#include "support/fixtures.h"
#include "support/golden.h"

namespace internvl::jinja {
namespace {

constexpr std::string_view kTemplateErrorPrefix = "TemplateError: ";

// The special tokens the goldens were rendered with (the Qwen tokenizer's special_tokens_map).
Json qwen_special_tokens() {
  return Json{{"eos_token", "<|im_end|>"}, {"pad_token", "<|endoftext|>"}, {"bos_token", nullptr}};
}

std::string read_fixture(const std::string& rel) {
  auto text = read_file(test::fixture_path(rel));
  EXPECT_TRUE(text.ok()) << text.status().to_string();
  return text.ok() ? *text : std::string();
}

// Checks one rendering against a record: same text, or the same failure.
void check_record(const Json& rec, const Result<std::string>& out) {
  if (rec["error"].is_null()) {
    ASSERT_TRUE(out.ok()) << out.status().to_string();
    EXPECT_EQ(*out, rec["text"].get<std::string>());
    return;
  }
  ASSERT_FALSE(out.ok()) << "expected " << rec["error"] << ", rendered:\n" << *out;
  const std::string error = rec["error"].get<std::string>();
  if (error.rfind(kTemplateErrorPrefix, 0) == 0) {
    // raise_exception(msg): the message must match exactly.
    EXPECT_EQ(out.status().message(), error.substr(kTemplateErrorPrefix.size()));
  }
}

TEST(ChatTemplateGolden, RenderingsThroughTemplate) {
  const Json records = test::load_golden_json("goldens/chat_templates/renderings.json");
  ASSERT_TRUE(records.is_array());
  ASSERT_EQ(records.size(), 102u);
  std::map<std::string, Template> templates;
  std::map<std::string, int> cases, errors;
  for (const auto& rec : records) {
    const std::string name = rec["template"].get<std::string>();
    SCOPED_TRACE(name + " / " + rec["case"].get<std::string>());
    if (templates.count(name) == 0) {
      auto t = Template::parse(read_fixture("goldens/chat_templates/" + name + ".jinja"));
      ASSERT_TRUE(t.ok()) << t.status().to_string();
      templates.emplace(name, *t);
    }
    ++cases[name];
    if (!rec["error"].is_null()) ++errors[name];
    check_record(rec, templates.at(name).render(rec["variables"]));
  }
  // The README's counts: every template and case was exercised.
  EXPECT_EQ(cases, (std::map<std::string, int>{{"qwen2_5_instruct", 17},
                                               {"qwen2_vl", 17},
                                               {"qwen3", 28},
                                               {"qwen3_202505", 28},
                                               {"qwen3_5", 12}}));
  EXPECT_EQ(errors,
            (std::map<std::string, int>{
                {"qwen2_5_instruct", 1}, {"qwen2_vl", 1}, {"qwen3_202505", 3}, {"qwen3_5", 7}}));
}

TEST(ChatTemplateGolden, RenderingsThroughChatTemplate) {
  const Json records = test::load_golden_json("goldens/chat_templates/renderings.json");
  ASSERT_TRUE(records.is_array());
  std::map<std::string, ChatTemplate> templates;
  for (const auto& rec : records) {
    const std::string name = rec["template"].get<std::string>();
    SCOPED_TRACE(name + " / " + rec["case"].get<std::string>());
    if (templates.count(name) == 0) {
      auto t = ChatTemplate::from_source(read_fixture("goldens/chat_templates/" + name + ".jinja"),
                                         qwen_special_tokens());
      ASSERT_TRUE(t.ok()) << t.status().to_string();
      templates.emplace(name, *t);
    }
    // Split the recorded render kwargs back into what a caller of apply_chat_template passes.
    const Json& vars = rec["variables"];
    Json extra = Json::object();
    for (auto it = vars.begin(); it != vars.end(); ++it) {
      const std::string& k = it.key();
      if (k == "messages" || k == "add_generation_prompt" || k == "documents" || k == "eos_token" ||
          k == "pad_token") {
        continue;
      }
      if (k == "tools" && it.value().is_null()) continue;  // absent tools are passed as None
      extra[k] = it.value();
    }
    check_record(rec, templates.at(name).render(vars["messages"],
                                                vars["add_generation_prompt"].get<bool>(), extra));
  }
}

TEST(ChatTemplateGolden, InternVLTemplateOfEveryFixtureModel) {
  const Json golden = test::load_golden_json("goldens/tokenizer/chat_template.json");
  ASSERT_TRUE(golden.is_object());
  ASSERT_EQ(golden.size(), 14u);
  const std::string expected_source = read_fixture("tokenizer/chat_template.jinja");
  int models = 0;
  for (const auto& entry : std::filesystem::directory_iterator(test::fixture_path("models"))) {
    if (!entry.is_directory()) continue;
    ++models;
    const std::string dir = entry.path().string();
    SCOPED_TRACE(dir);
    auto t = ChatTemplate::from_model_dir(dir);
    ASSERT_TRUE(t.ok()) << t.status().to_string();
    EXPECT_EQ(t->source(), expected_source);
    EXPECT_EQ(t->special_tokens().value("eos_token", ""), "<|im_end|>");
    EXPECT_EQ(t->special_tokens().value("pad_token", ""), "<|endoftext|>");
    EXPECT_FALSE(t->special_tokens().contains("bos_token"));  // null in tokenizer_config.json
    for (auto it = golden.begin(); it != golden.end(); ++it) {
      SCOPED_TRACE(it.key());
      const Json& rec = it.value();
      auto out = t->render(rec["messages"], rec["add_generation_prompt"].get<bool>());
      ASSERT_TRUE(out.ok()) << out.status().to_string();
      EXPECT_EQ(*out, rec["text"].get<std::string>());
    }
  }
  EXPECT_EQ(models, 3);
}

TEST(ChatTemplateGolden, TokenizerFixtureDirectory) {
  // tests/fixtures/tokenizer holds both chat_template.jinja and tokenizer_config.json's copy.
  auto from_dir = ChatTemplate::from_model_dir(test::fixture_path("tokenizer"));
  ASSERT_TRUE(from_dir.ok()) << from_dir.status().to_string();
  auto config = load_json_file(test::fixture_path("tokenizer/tokenizer_config.json"));
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(from_dir->source(), (*config)["chat_template"].get<std::string>());
}

}  // namespace
}  // namespace internvl::jinja
