// Runs the real `internvl` binary for the CLI tests: arguments passed as-is (no shell), stdin
// from a string, stdout and stderr captured, the exit code returned.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "core/json.h"

namespace internvl::test {

struct CliRun {
  int exit_code = -1;  // 128 + signal when killed by one
  std::string out, err;
};

/// <build>/bin/internvl.
std::string internvl_binary();

/// Runs `internvl args...` with `stdin_text` on its standard input.
CliRun run_cli(const std::vector<std::string>& args, std::string_view stdin_text = "");

/// Runs `internvl args...` with stderr on a pseudo-terminal (stdin empty, stdout captured as
/// by run_cli), the environment extended by `env` ("NAME=value" entries). `err` holds what the
/// terminal received.
CliRun run_cli_with_terminal_stderr(const std::vector<std::string>& args, const std::vector<std::string>& env);

/// The run failed cleanly: a non-zero exit code below 128 (no crash or abort), nothing on
/// stdout, and exactly one stderr line "internvl <command>: ..." containing `needle`.
::testing::AssertionResult fails_with_one_line(const CliRun& run, std::string_view command, std::string_view needle);

/// Parses stdout as one JSON value (fails the test when it is not).
Json parse_stdout_json(const CliRun& run);

/// Writes `bytes` to `path` (fails the test on error).
void write_test_file(const std::string& path, std::string_view bytes);

}  // namespace internvl::test
