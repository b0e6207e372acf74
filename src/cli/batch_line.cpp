#include "cli/batch_line.h"

#include "core/str.h"

namespace internvl::cli {

namespace {

// Per-image tile limits come from the options; parse_messages decodes images without them.
void apply_tile_limits(std::vector<Message>& messages, const app::MediaOptions& media) {
  if (!media.min_tiles && !media.max_tiles) return;
  for (Message& m : messages) {
    for (ContentPart& p : m.content) {
      if (p.type != ContentPart::Type::kImage || !p.image) continue;
      auto copy = std::make_shared<ImageInput>(*p.image);
      copy->min_tiles = media.min_tiles;
      copy->max_tiles = media.max_tiles;
      p.image = std::move(copy);
    }
  }
}

}  // namespace

Json batch_line_id(std::string_view line) {
  auto j = parse_json(line, "line");
  if (!j.ok() || !j->is_object() || !j->contains("id")) return Json();
  return (*j)["id"];
}

Result<BatchLine> parse_batch_line(std::string_view line, const app::Options& defaults, const BatchMediaPolicy& policy) {
  std::size_t first = line.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return invalid_argument("empty line (expected a JSON object with 'messages')");
  INTERNVL_ASSIGN_OR_RETURN(Json j, parse_json(line, "line"));
  if (!j.is_object()) return invalid_argument("a line must be a JSON object with 'messages'");
  BatchLine out;
  out.options = defaults;
  for (const auto& [key, value] : j.items()) {
    if (key == "messages" || key == "id") continue;
    const app::OptionDef* def = app::find_option_by_key(key);
    if (def == nullptr || (def->group != app::OptionGroup::kSampling && def->group != app::OptionGroup::kMedia)) {
      return invalid_argument("unknown key ", quote_for_message(key),
                              " (a line holds 'messages', 'id' and generation or media settings)");
    }
  }
  // A line's frame sampling replaces the command line's rather than conflicting with it.
  if (json_has(j, "num_frames")) out.options.media.fps.reset();
  if (json_has(j, "fps")) out.options.media.num_frames.reset();
  INTERNVL_RETURN_IF_ERROR(
      app::apply_json_options(j, {app::OptionGroup::kSampling, app::OptionGroup::kMedia}, &out.options));
  if (j.contains("id")) out.id = j["id"];
  if (!j.contains("messages")) return invalid_argument("the line has no 'messages'");
  app::ConversationMedia media;
  media.source = policy.source;
  media.video = app::video_sampling(out.options.media, policy.default_frames);
  media.video_config = policy.video_config;
  INTERNVL_ASSIGN_OR_RETURN(out.messages, app::parse_messages(j["messages"], media));
  if (out.messages.empty()) return invalid_argument("'messages' is empty");
  apply_tile_limits(out.messages, out.options.media);
  return out;
}

}  // namespace internvl::cli
