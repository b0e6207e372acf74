// ChatTemplate: finding the template in a model directory, special tokens, the render kwargs
// Transformers passes, continue_final_message, and concurrent rendering.
#include "jinja/chat_template.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "core/file.h"
#include "support/fixtures.h"

namespace internvl::jinja {
namespace {

const Json kUser = {{"role", "user"}, {"content", "Hi"}};

std::string internvl_source() {
  auto s = read_file(test::fixture_path("tokenizer/chat_template.jinja"));
  EXPECT_TRUE(s.ok()) << s.status().to_string();
  return s.ok() ? *s : std::string();
}

ChatTemplate make(const std::string& source, Json tokens = Json::object()) {
  auto t = ChatTemplate::from_source(source, std::move(tokens));
  EXPECT_TRUE(t.ok()) << t.status().to_string();
  return *t;
}

// Tests that write model directories; they are removed afterwards.
class ChatTemplateDir : public ::testing::Test {
 protected:
  void TearDown() override {
    for (const auto& d : dirs_) std::filesystem::remove_all(d);
  }

  std::string write_dir(const std::vector<std::pair<std::string, std::string>>& files) {
    const std::string dir = test::make_temp_dir("jinja-chat");
    dirs_.push_back(dir);
    for (const auto& [name, text] : files) {
      EXPECT_TRUE(write_file(path_join(dir, name), text).ok());
    }
    return dir;
  }

 private:
  std::vector<std::string> dirs_;
};

TEST_F(ChatTemplateDir, FindsTheTemplateInPriorityOrder) {
  const std::string config =
      R"({"chat_template": "config", "eos_token": {"content": "<e>", "lstrip": false}, "bos_token": null})";
  auto from_jinja = ChatTemplate::from_model_dir(
      write_dir({{"chat_template.jinja", "jinja"},
                 {"chat_template.json", R"({"chat_template": "json"})"},
                 {"tokenizer_config.json", config}}));
  ASSERT_TRUE(from_jinja.ok()) << from_jinja.status().to_string();
  EXPECT_EQ(from_jinja->source(), "jinja");
  EXPECT_EQ(from_jinja->special_tokens(), (Json{{"eos_token", "<e>"}}));

  auto from_json = ChatTemplate::from_model_dir(write_dir(
      {{"chat_template.json", R"({"chat_template": "json"})"}, {"tokenizer_config.json", config}}));
  ASSERT_TRUE(from_json.ok());
  EXPECT_EQ(from_json->source(), "json");

  auto from_config = ChatTemplate::from_model_dir(write_dir({{"tokenizer_config.json", config}}));
  ASSERT_TRUE(from_config.ok());
  EXPECT_EQ(from_config->source(), "config");
}

TEST_F(ChatTemplateDir, NamedTemplatesInTokenizerConfig) {
  auto t = ChatTemplate::from_model_dir(write_dir(
      {{"tokenizer_config.json",
        R"({"chat_template": [{"name": "tool_use", "template": "T"}, {"name": "default", "template": "D"}]})"}}));
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  EXPECT_EQ(t->source(), "D");
  auto none = ChatTemplate::from_model_dir(
      write_dir({{"tokenizer_config.json",
                  R"({"chat_template": [{"name": "tool_use", "template": "T"}]})"}}));
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("tool_use"), std::string::npos)
      << none.status().to_string();
}

TEST_F(ChatTemplateDir, MissingOrBrokenTemplatesAreNamed) {
  const std::string empty = write_dir({{"tokenizer_config.json", R"({"eos_token": "x"})"}});
  auto missing = ChatTemplate::from_model_dir(empty);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find(empty), std::string::npos)
      << missing.status().to_string();

  auto no_dir = ChatTemplate::from_model_dir("/nonexistent/model/dir");
  ASSERT_FALSE(no_dir.ok());
  EXPECT_NE(no_dir.status().message().find("/nonexistent/model/dir"), std::string::npos);

  const std::string bad = write_dir({{"chat_template.jinja", "{% if %}"}});
  auto broken = ChatTemplate::from_model_dir(bad);
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.status().code(), StatusCode::kCorrupt);
  EXPECT_NE(broken.status().message().find("chat_template.jinja"), std::string::npos);
  EXPECT_NE(broken.status().message().find("line 1"), std::string::npos);

  auto bad_json = ChatTemplate::from_model_dir(write_dir({{"chat_template.json", "{not json"}}));
  EXPECT_FALSE(bad_json.ok());
}

TEST(ChatTemplate, PassesTransformersRenderArguments) {
  const ChatTemplate t = make(
      "{{ bos_token is defined }}|{{ eos_token }}|{{ tools }}|{{ documents }}|{{ "
      "add_generation_prompt }}|"
      "{{ enable_thinking }}|{{ undefined_kwarg is defined }}|{{ messages|length }}",
      Json{{"bos_token", nullptr}, {"eos_token", "<|im_end|>"}});
  auto out = t.render(Json::array({kUser}), true, Json{{"enable_thinking", false}});
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  EXPECT_EQ(*out, "False|<|im_end|>|None|None|True|False|False|1");
  // Caller kwargs override special tokens; tools pass through.
  auto with_tools =
      t.render(Json::array({kUser}), false,
               Json{{"eos_token", "X"}, {"tools", Json::array({Json{{"name", "f"}}})}});
  ASSERT_TRUE(with_tools.ok());
  EXPECT_EQ(*with_tools, "False|X|[{'name': 'f'}]|None|False||False|1");
}

TEST(ChatTemplate, RejectsBadArguments) {
  const ChatTemplate t = make("{{ messages }}");
  EXPECT_FALSE(t.render(Json::object(), true).ok());
  EXPECT_FALSE(t.render(Json::array(), true, Json{{"messages", 1}}).ok());
  EXPECT_FALSE(t.render(Json::array(), true, Json{{"tools", Json::array({1})}}).ok());
  EXPECT_FALSE(t.render(Json::array(), true, Json{{"documents", "doc"}}).ok());
  auto both = t.render(Json::array({kUser}), true, Json::object(), true);
  ASSERT_FALSE(both.ok());
  EXPECT_EQ(both.status().message().rfind(
                "continue_final_message and add_generation_prompt are not compatible", 0),
            0u);
}

TEST(ChatTemplate, ContinueFinalMessage) {
  // Expected texts come from Transformers' render_jinja_template logic run with jinja2.
  const ChatTemplate t = make(internvl_source());
  auto cont = [&](Json last) {
    return t.render(Json::array({kUser, std::move(last)}), false, Json::object(), true);
  };
  auto plain = cont(Json{{"role", "assistant"}, {"content", "Hello"}});
  ASSERT_TRUE(plain.ok()) << plain.status().to_string();
  EXPECT_EQ(*plain, "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello");
  auto parts = cont(Json{{"role", "assistant"},
                         {"content", Json::array({Json{{"type", "text"}, {"text", "The answer is"}},
                                                  Json{{"type", "image"}}})}});
  ASSERT_TRUE(parts.ok()) << parts.status().to_string();
  EXPECT_EQ(*parts, "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nThe answer is");
  auto spaces = cont(Json{{"role", "assistant"}, {"content", "Hello  "}});
  ASSERT_TRUE(spaces.ok());
  EXPECT_EQ(*spaces, "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello  ");

  // A template that trims the message loses the tag's space: the text is cut and rstripped.
  const ChatTemplate trim = make("{% for m in messages %}[{{ m.content|trim }}]{% endfor %}");
  auto trimmed =
      trim.render(Json::array({kUser, Json{{"role", "assistant"}, {"content", "abc  "}}}), false,
                  Json::object(), true);
  ASSERT_TRUE(trimmed.ok()) << trimmed.status().to_string();
  EXPECT_EQ(*trimmed, "[Hi][abc");
}

TEST(ChatTemplate, ContinueFinalMessageErrors) {
  const ChatTemplate drop = make(
      "{% for m in messages %}{% if m.role == 'user' %}{{ m.content }}{% endif %}{% endfor %}");
  auto lost = drop.render(Json::array({kUser, Json{{"role", "assistant"}, {"content", "abc"}}}),
                          false, Json::object(), true);
  ASSERT_FALSE(lost.ok());
  EXPECT_EQ(lost.status().message(),
            "continue_final_message is set but the final message does not appear in the chat after "
            "applying the chat template! This can happen if the chat template deletes portions of "
            "the final message. Please verify the chat template and final message in your chat to "
            "ensure they are compatible.Final message to continue: abc\nRendered chat:\nHi");
  auto no_content =
      drop.render(Json::array({Json{{"role", "assistant"}}}), false, Json::object(), true);
  ASSERT_FALSE(no_content.ok());
  EXPECT_EQ(no_content.status().message(),
            "continue_final_message is set but the final message has no \"content\" to continue!");
  const ChatTemplate no_field = make("{{ messages|length }}");
  auto not_accepted = no_field.render(Json::array({kUser}), false, Json::object(), true);
  ASSERT_FALSE(not_accepted.ok());
  EXPECT_NE(not_accepted.status().message().find("not an accepted field"), std::string::npos);
  auto no_text =
      make(internvl_source())
          .render(Json::array({Json{{"role", "user"},
                                    {"content", Json::array({Json{{"type", "image"}}})}}}),
                  false, Json::object(), true);
  ASSERT_FALSE(no_text.ok());
  EXPECT_NE(no_text.status().message().find("could not find any text"), std::string::npos);
  EXPECT_FALSE(drop.render(Json::array(), false, Json::object(), true).ok());
}

TEST(ChatTemplate, SourceIsTheTextAsGiven) {
  const std::string text = "a\r\n{{ 1 }}\n";
  auto t = Template::parse(text);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->source(), text);
  EXPECT_EQ(*t->render(Json::object()), "a\n1");
  EXPECT_EQ(make(text).source(), text);
}

TEST(ChatTemplate, RendersConcurrently) {
  const ChatTemplate t = make(internvl_source());
  const Json messages = Json::array({kUser, Json{{"role", "assistant"}, {"content", "Hello"}}});
  auto expected = t.render(messages, true);
  ASSERT_TRUE(expected.ok());
  std::vector<std::string> outputs(8);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    threads.emplace_back([&, i] {
      for (int k = 0; k < 50; ++k) {
        auto out = t.render(messages, true);
        outputs[i] = out.ok() ? *out : out.status().message();
      }
    });
  }
  for (auto& th : threads) th.join();
  for (const auto& out : outputs) EXPECT_EQ(out, *expected);
}

}  // namespace
}  // namespace internvl::jinja
