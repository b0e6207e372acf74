// `internvl run`: one conversation, one shot.
//
//   internvl run -m DIR --image photo.jpg -p "Describe this image."
//   internvl run -m DIR --image a.png --video clip.mp4 -p "<image>First a picture, <video>then a clip."
//   internvl run -m DIR -p "Write a haiku" --json
#include <CLI/CLI.hpp>

#include <cstdio>

#include "cli/cli_common.h"
#include "cli/commands.h"
#include "cli/generation_progress.h"
#include "cli/prompt.h"
#include "cli/result_json.h"
#include "runtime/engine_impl.h"

namespace internvl::cli {

namespace {

constexpr const char* kName = "run";

void print_timings(const GenerationResult& r) {
  const Timings& t = r.timings;
  const double tok_s = t.decode_ms > 0 ? 1000.0 * static_cast<double>(t.generated_tokens) / t.decode_ms : 0;
  std::fprintf(stderr,
               "prompt %lld tokens (%d tiles): preprocess %.0f ms, vision %.0f ms, prefill %.0f ms, "
               "first token %.0f ms; %lld tokens in %.0f ms (%.1f tok/s), %s\n",
               static_cast<long long>(r.prompt_tokens), r.num_tiles, t.preprocess_ms, t.vision_ms, t.prefill_ms,
               t.ttft_ms, static_cast<long long>(t.generated_tokens), t.decode_ms, tok_s, r.finish_reason.c_str());
}

}  // namespace

int cmd_run(int argc, char** argv) {
  CLI::App app("Answers one conversation: media first in the order given (or where <image>/<video> "
               "markers put them), then the prompt. Videos default to 8 sampled frames (--num-frames 0 = all).",
               "internvl run");
  app::Options opts;
  app::CliOptions cli(&opts, {app::OptionGroup::kModel, app::OptionGroup::kSampling, app::OptionGroup::kMedia});
  cli.add_to(app);
  MediaFlags media;
  media.add_to(app);
  std::string prompt, system;
  bool json = false, timings = false;
  app.add_option("-p,--prompt", prompt, "the question; <image> / <video> place the media in it");
  app.add_option("--system", system, "a system message");
  app.add_flag("--json", json, "print one JSON object (text, token_ids, prompt_tokens, num_tiles, "
                               "first_token_top5, timings) instead of streaming text");
  app.add_flag("--timings", timings, "print timings to stderr after the answer");
  if (auto rc = parse_command_line(app, argc, argv)) return *rc;
  if (Status st = cli.apply(); !st.ok()) return report_usage_error(kName, st);

  const bool show_progress = stderr_is_terminal();
  auto engine = load_engine(opts.model, show_progress);
  if (!engine.ok()) return report_error(kName, engine.status());
  const Engine& e = **engine;

  const std::vector<MediaArg> media_args = media.in_order(app);
  auto parts = [&] {
    Progress reading(show_progress && !media_args.empty(), "reading media");
    return load_all_media(media_args, opts.media, e.impl().processor->config().video);
  }();
  if (!parts.ok()) return report_error(kName, parts.status());
  const int tiles = count_tiles(e, *parts);
  auto content = build_user_content(prompt, std::move(parts).value());
  if (!content.ok()) return report_error(kName, content.status());

  std::vector<Message> conversation;
  if (!system.empty()) conversation.push_back(Message{"system", {ContentPart::text_part(system)}});
  conversation.push_back(Message{"user", std::move(content).value()});

  GenerationOptions gen = app::generation_options(opts.sampling);
  if (json) gen.top_logprobs = kFirstTokenTopK;
  std::unique_ptr<Progress> progress = prefill_progress(show_progress, tiles);
  TokenCallback stream = [&](const TokenInfo&, std::string_view piece) {
    if (progress) {
      progress->finish();
      progress.reset();
    }
    if (!json && !piece.empty()) {
      std::fwrite(piece.data(), 1, piece.size(), stdout);
      std::fflush(stdout);
    }
    return true;
  };
  auto result = e.generate(conversation, gen, stream);
  progress.reset();
  if (!result.ok()) return report_error(kName, result.status());
  if (json) {
    std::printf("%s\n", dump_json(result_to_json(*result)).c_str());
  } else {
    std::fputc('\n', stdout);
  }
  std::fflush(stdout);
  if (timings) print_timings(*result);
  return 0;
}

}  // namespace internvl::cli
