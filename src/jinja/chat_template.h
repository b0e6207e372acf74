// A checkpoint's chat template, rendered as Transformers' apply_chat_template(tokenize=False)
// does: render(messages=, tools=, documents=, add_generation_prompt=, **special_tokens,
// **kwargs), with continue_final_message handled as in render_jinja_template (5.x).
#pragma once

#include <string>

#include "core/json.h"
#include "internvl/status.h"
#include "jinja/template.h"

namespace internvl::jinja {

class ChatTemplate {
 public:
  /// Loads the template of a model directory: chat_template.jinja, else chat_template.json
  /// ({"chat_template": ...}), else tokenizer_config.json's "chat_template" (a string, or a list
  /// of {name, template} from which "default" is taken). Special tokens come from
  /// tokenizer_config.json when present.
  static Result<ChatTemplate> from_model_dir(const std::string& dir);

  /// A template from text; special_tokens maps names (bos_token, eos_token...) to strings or
  /// {"content": ...} objects; null entries are left out, as Transformers does.
  static Result<ChatTemplate> from_source(std::string source, Json special_tokens);

  /// Renders a conversation. extra_variables may hold tools, documents and template kwargs
  /// (enable_thinking, add_vision_id...); tools and documents default to None.
  Result<std::string> render(const Json& messages, bool add_generation_prompt,
                             const Json& extra_variables = Json::object(),
                             bool continue_final_message = false) const;

  /// The template text.
  const std::string& source() const { return template_.source(); }
  /// The special tokens passed to every render (name -> string).
  const Json& special_tokens() const { return special_tokens_; }

 private:
  ChatTemplate(Template t, Json special_tokens)
      : template_(std::move(t)), special_tokens_(std::move(special_tokens)) {}
  Template template_;
  Json special_tokens_;
};

}  // namespace internvl::jinja
