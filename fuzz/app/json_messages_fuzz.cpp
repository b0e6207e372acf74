// libFuzzer target: the JSON readers of requests and conversations. Arbitrary bytes go through
// parse_json; a document that parses must serialize and parse back to the same value, and then
// goes through app::parse_messages (media loading disabled: no files, no URLs, no data: payloads)
// and the options registry's apply_json_options. Everything must end in a value or a Status.
// Run: json_messages_fuzz -max_total_time=60 -dict=fuzz/app/json.dict corpus/ fuzz/app/seeds/
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "app/media_inputs.h"
#include "app/options.h"
#include "core/check.h"
#include "core/json.h"

namespace {

internvl::app::ConversationMedia no_media() {
  internvl::app::ConversationMedia m;
  m.source.allow_files = false;
  m.source.allow_urls = false;
  m.source.max_bytes = 0;
  return m;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto j = internvl::parse_json(text, "fuzz");
  if (!j.ok()) return 0;
  // Round trip (dump replaces invalid UTF-8, so compare only when the text is kept as is).
  const std::string dumped = internvl::dump_json(*j);
  auto back = internvl::parse_json(dumped, "dumped");
  INTERNVL_CHECK(back.ok(), "dump_json produced unparsable JSON: ", back.status().to_string());
  INTERNVL_CHECK(internvl::dump_json(*back) == dumped, "JSON changed in a round trip");

  static const internvl::app::ConversationMedia media = no_media();
  const internvl::Json& messages = j->is_object() && j->contains("messages") ? (*j)["messages"] : *j;
  auto parsed = internvl::app::parse_messages(messages, media);
  if (parsed.ok()) {
    // One message per entry, roles kept verbatim.
    INTERNVL_CHECK(messages.is_array() && parsed->size() == messages.size(), "message count changed");
    for (std::size_t i = 0; i < parsed->size(); ++i) {
      INTERNVL_CHECK((*parsed)[i].role == messages[i]["role"].get<std::string>(), "role changed");
    }
  }
  if (j->is_object()) {
    internvl::app::Options o;
    (void)internvl::app::apply_json_options(
        *j, {internvl::app::OptionGroup::kSampling, internvl::app::OptionGroup::kMedia}, &o);
  }
  return 0;
}
