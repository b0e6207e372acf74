// The `internvl` program: dispatches `internvl <command> ...` to one subcommand.
#include <cstdio>
#include <cstring>
#include <exception>
#include <string_view>

#include "cli/commands.h"

#ifdef INTERNVL_HAVE_SERVER
#include "server/serve_command.h"
#endif

namespace {

struct Command {
  const char* name;
  const char* summary;
  int (*main)(int argc, char** argv);
};

#ifndef INTERNVL_HAVE_SERVER
int serve_unavailable(int, char**) {
  std::fprintf(stderr, "internvl serve: this build has no HTTP server (configure with INTERNVL_BUILD_SERVER=ON)\n");
  return 1;
}
#endif

const Command kCommands[] = {
    {"run", "answer one conversation (images, videos, text); --json for a JSON result", internvl::cli::cmd_run},
    {"chat", "interactive multi-turn chat (/image PATH, /video PATH, /reset, /quit)", internvl::cli::cmd_chat},
    {"batch", "JSONL conversations in (Transformers message format), JSONL answers out", internvl::cli::cmd_batch},
    {"preprocess", "tile grids and token counts of images/videos; --dump FILE.npy", internvl::cli::cmd_preprocess},
    {"tokenize", "token ids of a text or a conversation", internvl::cli::cmd_tokenize},
    {"info", "architecture, parameter counts, dtypes and memory of a model", internvl::cli::cmd_info},
    {"make-random-checkpoint", "write a model directory with random weights for a config",
     internvl::cli::cmd_make_random_checkpoint},
    {"quantize", "write a q8/q4 quantized copy of a model directory", internvl::cli::cmd_quantize},
    {"bench", "speed and memory of a model on this machine", internvl::cli::cmd_bench},
#ifdef INTERNVL_HAVE_SERVER
    {"serve", "OpenAI-compatible HTTP server", serve_main},
#else
    {"serve", "OpenAI-compatible HTTP server (not in this build)", serve_unavailable},
#endif
};

void usage(std::FILE* out) {
  std::fprintf(out, "usage: internvl <command> [options]   (internvl <command> --help for its options)\n\ncommands:\n");
  for (const Command& c : kCommands) std::fprintf(out, "  %-24s %s\n", c.name, c.summary);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  const std::string_view name = argv[1];
  if (name == "-h" || name == "--help" || name == "help") {
    usage(stdout);
    return 0;
  }
  for (const Command& c : kCommands) {
    if (name == c.name) {
      try {
        return c.main(argc - 1, argv + 1);
      } catch (const std::exception& e) {
        // Our code does not throw; this is a last guard for third-party exceptions.
        std::fprintf(stderr, "internvl %s: %s\n", c.name, e.what());
        return 1;
      }
    }
  }
  std::fprintf(stderr, "internvl: unknown command '%s' (internvl --help lists them)\n", argv[1]);
  return 2;
}
