// libFuzzer target: parse arbitrary template text and render it with a fixed set of variables
// (chat-shaped messages, tools, scalars). Small render limits keep each input fast; any crash,
// sanitizer report, leak or hang is a bug (templates must only ever produce a Status).
// Run: jinja_fuzz -dict=fuzz/jinja/jinja.dict -max_len=4096 CORPUS_DIR
// tests/fixtures/goldens/chat_templates
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/json.h"
#include "jinja/chat_template.h"
#include "jinja/template.h"

namespace {

const internvl::Json& variables() {
  static const internvl::Json vars = internvl::Json::parse(R"({
    "messages": [
      {"role": "system", "content": "You are terse."},
      {"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "What is this?"}]},
      {"role": "assistant", "content": "<think>\nhm\n</think>\n\nA cat.",
       "tool_calls": [{"type": "function", "function": {"name": "f", "arguments": {"a": 1}}}]},
      {"role": "tool", "content": "{\"ok\": true}"},
      {"role": "user", "content": null}
    ],
    "tools": [{"type": "function", "function": {"name": "f", "description": "d",
               "parameters": {"type": "object", "properties": {"a": {"type": "integer"}}}}}],
    "documents": null, "add_generation_prompt": true, "eos_token": "<|im_end|>",
    "xs": [1, 2.5, "three", true, null, [4]], "d": {"k": "v", "n": 0}, "s": "Zürich 東京",
    "i": 7, "f": -0.5, "t": false, "n": null})");
  return vars;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view source(reinterpret_cast<const char*>(data), size);
  auto t = internvl::jinja::Template::parse(source);
  if (!t.ok()) return 0;
  internvl::jinja::RenderLimits limits;
  limits.max_output_bytes = std::size_t{1} << 20;
  limits.max_steps = 200000;
  (void)t->render(variables(), limits);
  // The chat layer too: continue_final_message cuts the rendered text at a marker.
  if (size > 0 && (data[0] & 1) != 0 && size < 4096) {
    auto chat = internvl::jinja::ChatTemplate::from_source(std::string(source),
                                                           internvl::Json{{"eos_token", "</s>"}});
    if (chat.ok()) {
      const internvl::Json messages = internvl::Json::array(
          {{{"role", "user"}, {"content", "hi"}}, {{"role", "assistant"}, {"content", "Sure, "}}});
      (void)chat->render(messages, false, internvl::Json::object(), true);
    }
  }
  return 0;
}
