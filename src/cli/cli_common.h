// Helpers every `internvl` subcommand uses: command-line parsing with one-line errors, error
// reporting, terminal detection and loading an engine with a progress indicator.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "app/options.h"
#include "internvl/engine.h"
#include "internvl/status.h"

namespace CLI {
class App;
}

namespace internvl::cli {

/// Exit codes: 0 success, 1 the work failed (bad input, model, file), 2 bad command line.
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

/// Parses argv with CLI11. Returns nullopt to go on, or the exit code to return now: 0 after
/// printing --help, kExitUsage after printing one line "internvl <command>: <problem>".
std::optional<int> parse_command_line(CLI::App& app, int argc, char** argv);

/// Prints "internvl <command>: <message>" (one line) to stderr and returns kExitFailure.
int report_error(std::string_view command, const Status& status);
/// The same for a usage problem found after parsing (exit code kExitUsage).
int report_usage_error(std::string_view command, const Status& status);

/// `text` on one line: newlines and other control characters become spaces.
std::string one_line(std::string_view text);

bool stdout_is_terminal();
bool stderr_is_terminal();
bool stdin_is_terminal();

/// Loads a model, showing "loading <dir>" on a terminal while it runs.
Result<std::unique_ptr<Engine>> load_engine(const app::ModelOptions& model, bool show_progress);

/// Reads a whole file, or stdin for "-".
Result<std::string> read_input(const std::string& path);

}  // namespace internvl::cli
