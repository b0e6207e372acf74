// `internvl tokenize`: token ids of a text (no special tokens added, as
// tokenizer(text, add_special_tokens=False)) or of a conversation (chat template, media
// placeholders expanded: exactly the ids the model is given). No weights are loaded.
//
//   internvl tokenize -m DIR -p "Hello world"
//   internvl tokenize -m DIR --chat --image cat.png -p "Describe it."
//   internvl tokenize -m DIR --messages conversation.json --json
#include <CLI/CLI.hpp>

#include <cstdio>

#include "app/media_inputs.h"
#include "cli/cli_common.h"
#include "cli/commands.h"
#include "cli/processor_only.h"
#include "cli/prompt.h"

namespace internvl::cli {

namespace {

constexpr const char* kName = "tokenize";

// The conversation from --messages: a list of messages or an object holding "messages".
Result<std::vector<Message>> read_conversation(const std::string& path, const app::Options& opts,
                                               const preprocess::VideoProcessorConfig& video_config) {
  INTERNVL_ASSIGN_OR_RETURN(std::string text, read_input(path));
  INTERNVL_ASSIGN_OR_RETURN(Json j, parse_json(text, path == "-" ? "stdin" : path));
  if (j.is_object() && j.contains("messages")) j = j["messages"];
  app::ConversationMedia media;
  media.video = app::video_sampling(opts.media, kDefaultVideoFrames);
  media.video_config = video_config;
  return app::parse_messages(j, media);
}

}  // namespace

int cmd_tokenize(int argc, char** argv) {
  CLI::App app("Prints the token ids of a text, or of a conversation after the chat template and the media "
               "placeholder expansion (--chat, --messages). No weights are loaded.",
               "internvl tokenize");
  app::Options opts;
  app::CliOptions cli(&opts, {app::OptionGroup::kMedia});
  cli.add_to(app);
  app.add_option("-m,--model", opts.model.model_dir, "model directory (tokenizer, chat template)")
      ->envname("INTERNVL_MODEL");
  MediaFlags media;
  media.add_to(app);
  std::string prompt, system, messages;
  bool chat = false, json = false, pieces = false, no_generation_prompt = false;
  app.add_option("-p,--prompt", prompt, "the text (or, with --chat, the user turn)");
  app.add_flag("--chat", chat, "tokenize -p and the media as one user turn through the chat template");
  app.add_option("--system", system, "a system message (with --chat)");
  app.add_option("--messages", messages, "a JSON file of Transformers-format messages ('-' = stdin)");
  app.add_flag("--no-generation-prompt", no_generation_prompt, "leave out the assistant header at the end");
  app.add_flag("--json", json, "print {\"ids\", \"count\", \"text\"}");
  app.add_flag("--pieces", pieces, "print one 'id<TAB>token' line per token");
  if (auto rc = parse_command_line(app, argc, argv)) return *rc;
  if (Status st = cli.apply(); !st.ok()) return report_usage_error(kName, st);
  const std::vector<MediaArg> args = media.in_order(app);
  const bool conversation = chat || !messages.empty() || !system.empty() || !args.empty();
  if (!messages.empty() && (!prompt.empty() || !args.empty())) {
    return report_usage_error(kName, invalid_argument("give --messages or -p/--image/--video, not both"));
  }
  if (messages.empty() && prompt.empty() && args.empty()) {
    return report_usage_error(kName, invalid_argument("nothing to tokenize: give -p TEXT or --messages FILE"));
  }

  auto impl = load_processor_only(opts.model.model_dir);
  if (!impl.ok()) return report_error(kName, impl.status());
  const processor::Processor& proc = *(*impl)->processor;
  std::vector<std::int32_t> ids;
  std::string rendered;
  if (!conversation) {
    ids = proc.tokenizer().encode(prompt);
  } else {
    std::vector<Message> conv;
    if (!messages.empty()) {
      auto c = read_conversation(messages, opts, proc.config().video);
      if (!c.ok()) return report_error(kName, c.status());
      conv = std::move(c).value();
    } else {
      auto parts = load_all_media(args, opts.media, proc.config().video);
      if (!parts.ok()) return report_error(kName, parts.status());
      auto content = build_user_content(prompt, std::move(parts).value());
      if (!content.ok()) return report_error(kName, content.status());
      if (!system.empty()) conv.push_back(Message{"system", {ContentPart::text_part(system)}});
      conv.push_back(Message{"user", std::move(content).value()});
    }
    GenerationOptions gen;
    gen.add_generation_prompt = !no_generation_prompt;
    auto prepared = (*impl)->process(conv, gen);
    if (!prepared.ok()) return report_error(kName, prepared.status());
    ids = std::move(prepared->ids);
    rendered = std::move(prepared->text);
  }

  if (json) {
    Json j = {{"ids", ids}, {"count", ids.size()}};
    if (conversation) j["text"] = rendered;
    std::printf("%s\n", dump_json(j).c_str());
  } else if (pieces) {
    for (std::int32_t id : ids) std::printf("%d\t%s\n", id, one_line(proc.tokenizer().id_to_token(id)).c_str());
  } else {
    std::printf("%s\n", dump_json(Json(ids)).c_str());
  }
  return 0;
}

}  // namespace internvl::cli
