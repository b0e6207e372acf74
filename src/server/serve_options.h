// Command-line flags of `internvl serve` -> ServerConfig, parsed with CLI11. The model flags
// (-m/--model, -t/--threads, --quant, --context-limit and their environment variables) come from
// the options registry shared with the `internvl` program (src/app/options.h); the server's own
// flags (listening, batching, limits) are declared here.
#pragma once

#include <string>
#include <vector>

#include "internvl/status.h"
#include "server/server_config.h"

namespace internvl::server {

/// Parses the arguments after `serve` (argv[0] is skipped). Errors name the flag and value.
/// Sets *help when -h/--help was given (the config is then incomplete).
Result<ServerConfig> parse_serve_args(const std::vector<std::string>& args, bool* help);

/// The --help text.
std::string serve_usage();

}  // namespace internvl::server
