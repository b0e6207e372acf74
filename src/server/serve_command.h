// `internvl serve`: the OpenAI-compatible HTTP server (docs/server.md).
#pragma once

namespace internvl::server {

/// Runs `internvl serve` with the arguments after the program name (argv[0] may be "serve" or
/// the program; it is skipped). Loads the model, listens until SIGINT/SIGTERM, returns the
/// process exit code: 0 after a clean shutdown, 1 on load/bind failure, 2 on bad flags.
int serve_main(int argc, char** argv);

}  // namespace internvl::server

/// The same, outside the namespace, for the CLI's dispatcher.
int serve_main(int argc, char** argv);
