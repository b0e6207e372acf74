// `internvl chat`: an interactive multi-turn session. Each line of stdin is a user turn, or a
// command: /image PATH and /video PATH attach media to the next turn, /reset forgets the
// conversation, /quit ends it. The history stays in a ChatSession: every turn only prefills what
// is new, and each image or video is vision-encoded once per conversation.
//
//   printf '/image cat.png\nDescribe this image.\nAnd the colours?\n' | internvl chat -m DIR
#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>
#include <string>

#include "cli/cli_common.h"
#include "cli/commands.h"
#include "cli/generation_progress.h"
#include "cli/prompt.h"
#include "core/str.h"
#include "runtime/engine_impl.h"

namespace internvl::cli {

namespace {

constexpr const char* kName = "chat";
constexpr const char* kHelp = "commands: /image PATH, /video PATH (attach to the next message), /reset, /quit";

struct ChatState {
  const Engine& engine;
  ChatSession session;
  std::string system;
  std::vector<ContentPart> pending;  // media for the next user turn
  bool interactive = false;
  int errors = 0;

  ChatState(const Engine& e, std::string sys, bool tty) : engine(e), session(e), system(std::move(sys)), interactive(tty) {
    start();
  }
  void start() {
    session.reset();
    pending.clear();
    if (!system.empty()) session.add(Message{"system", {ContentPart::text_part(system)}});
  }
  void error(const Status& st) {
    ++errors;
    report_error(kName, st);
  }
  void note(const std::string& text) const {
    if (interactive) std::fprintf(stderr, "%s\n", text.c_str());
  }
};

// Handles a /command; returns false to end the session.
bool command(ChatState& s, const std::string& line, const app::Options& opts) {
  const std::size_t space = line.find(' ');
  const std::string name = line.substr(0, space);
  std::string arg = space == std::string::npos ? "" : line.substr(space + 1);
  while (!arg.empty() && arg.front() == ' ') arg.erase(arg.begin());
  if (name == "/quit" || name == "/exit") return false;
  if (name == "/reset") {
    s.start();
    s.note("(conversation cleared)");
  } else if (name == "/help") {
    s.note(kHelp);
  } else if (name == "/image" || name == "/video") {
    if (arg.empty()) {
      s.error(invalid_argument(name, " needs a path or URL"));
      return true;
    }
    MediaArg m{name == "/image" ? MediaArg::Kind::kImage : MediaArg::Kind::kVideo, arg};
    auto part = load_media(m, opts.media, s.engine.impl().processor->config().video);
    if (!part.ok()) {
      s.error(part.status());
      return true;
    }
    if (part->type == ContentPart::Type::kImage) {
      s.note(str_cat("(image attached: ", part->image->image.width, "x", part->image->image.height, ")"));
    } else {
      s.note(str_cat("(video attached: ", part->video->frames.size(), " frames)"));
    }
    s.pending.push_back(std::move(part).value());
  } else {
    s.error(invalid_argument("unknown command ", quote_for_message(name), " (", kHelp, ")"));
  }
  return true;
}

void turn(ChatState& s, const std::string& line, const GenerationOptions& gen) {
  const int tiles = count_tiles(s.engine, s.pending);
  auto content = build_user_content(line, s.pending);
  if (!content.ok()) {
    s.error(content.status());
    return;
  }
  s.pending.clear();
  std::unique_ptr<Progress> progress = prefill_progress(s.interactive && stderr_is_terminal(), tiles);
  auto result = s.session.send(std::move(content).value(), gen, [&](const TokenInfo&, std::string_view piece) {
    if (progress) {
      progress->finish();
      progress.reset();
    }
    std::fwrite(piece.data(), 1, piece.size(), stdout);
    std::fflush(stdout);
    return true;
  });
  progress.reset();
  if (!result.ok()) {
    s.error(result.status());
    return;
  }
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

}  // namespace

int cmd_chat(int argc, char** argv) {
  CLI::App app("Interactive multi-turn chat on stdin. " + std::string(kHelp) +
                   ". Videos default to 8 sampled frames (--num-frames 0 = all).",
               "internvl chat");
  app::Options opts;
  app::CliOptions cli(&opts, {app::OptionGroup::kModel, app::OptionGroup::kSampling, app::OptionGroup::kMedia});
  cli.add_to(app);
  std::string system;
  app.add_option("--system", system, "a system message (kept across /reset)");
  if (auto rc = parse_command_line(app, argc, argv)) return *rc;
  if (Status st = cli.apply(); !st.ok()) return report_usage_error(kName, st);

  const bool interactive = stdin_is_terminal();
  auto engine = load_engine(opts.model, stderr_is_terminal());
  if (!engine.ok()) return report_error(kName, engine.status());
  ChatState state(**engine, system, interactive);
  state.note(str_cat("chatting with ", opts.model.model_dir, "; ", kHelp));
  const GenerationOptions gen = app::generation_options(opts.sampling);

  std::string line;
  while (true) {
    if (interactive) {
      std::fputs("> ", stdout);
      std::fflush(stdout);
    }
    if (!std::getline(std::cin, line)) break;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    if (line.front() == '/') {
      if (!command(state, line, opts)) break;
      continue;
    }
    turn(state, line, gen);
  }
  if (interactive) std::fputc('\n', stdout);
  return state.errors == 0 ? 0 : kExitFailure;
}

}  // namespace internvl::cli
