#include "cli/cli_common.h"

#include <unistd.h>

#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>
#include <iostream>
#include <iterator>

#include "cli/progress.h"
#include "core/file.h"
#include "core/str.h"

namespace internvl::cli {

std::string one_line(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) out.push_back(static_cast<unsigned char>(c) < 0x20 ? ' ' : c);
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::optional<int> parse_command_line(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
    return std::nullopt;
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return 0;
  } catch (const CLI::CallForAllHelp&) {
    std::cout << app.help("", CLI::AppFormatMode::All);
    return 0;
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "%s: %s (see --help)\n", app.get_name().c_str(), one_line(e.what()).c_str());
    return kExitUsage;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", app.get_name().c_str(), one_line(e.what()).c_str());
    return kExitUsage;
  }
}

int report_error(std::string_view command, const Status& status) {
  std::fflush(stdout);
  std::fprintf(stderr, "internvl %.*s: %s\n", static_cast<int>(command.size()), command.data(),
               one_line(status.message()).c_str());
  return kExitFailure;
}

int report_usage_error(std::string_view command, const Status& status) {
  report_error(command, status);
  return kExitUsage;
}

bool stdout_is_terminal() { return isatty(STDOUT_FILENO) == 1; }
bool stderr_is_terminal() { return isatty(STDERR_FILENO) == 1; }
bool stdin_is_terminal() { return isatty(STDIN_FILENO) == 1; }

Result<std::unique_ptr<Engine>> load_engine(const app::ModelOptions& model, bool show_progress) {
  if (model.model_dir.empty()) return invalid_argument("no model directory: give -m DIR (or set INTERNVL_MODEL)");
  if (!is_directory(model.model_dir)) {
    return not_found("model directory '", model.model_dir, "' does not exist or is not a directory");
  }
  Progress progress(show_progress, str_cat("loading ", model.model_dir));
  return Engine::load(app::engine_options(model));
}

Result<std::string> read_input(const std::string& path) {
  if (path != "-") return read_file(path);
  std::string text((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  if (std::cin.bad()) return io_error("reading standard input failed");
  return text;
}

}  // namespace internvl::cli
