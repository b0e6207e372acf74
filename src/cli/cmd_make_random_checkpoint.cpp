// `internvl make-random-checkpoint`: a complete model directory (config, safetensors, tokenizer
// and processor files) with random weights for a config, so real-size speed and memory work
// needs no download. It checks the free disk space before writing.
//
//   internvl make-random-checkpoint --config tests/fixtures/configs/InternVL3-1B/config.json
//       --out /tmp/internvl3-1b-random --dtype bf16 --seed 0
#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>

#include "cli/cli_common.h"
#include "cli/commands.h"
#include "core/file.h"
#include "core/str.h"
#include "model/random_checkpoint.h"

namespace internvl::cli {

namespace {

constexpr const char* kName = "make-random-checkpoint";

std::uintmax_t directory_bytes(const std::string& dir) {
  std::error_code ec;
  std::uintmax_t total = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    if (e.is_regular_file(ec)) total += e.file_size(ec);
  }
  return total;
}

}  // namespace

int cmd_make_random_checkpoint(int argc, char** argv) {
  CLI::App app("Writes a model directory with random weights for CONFIG.json (normal x 0.02 matrices, unit "
               "norms), with the tokenizer and processor files, after checking the free disk space.",
               "internvl make-random-checkpoint");
  std::string config, out, dtype = "bf16", tokenizer_dir;
  std::int64_t seed = 0;
  double shard_gib = 0;
  app.add_option("--config", config, "a config.json (e.g. tests/fixtures/configs/InternVL3-1B/config.json)")
      ->required();
  app.add_option("--out", out, "the directory to write (created when missing)")->required();
  app.add_option("--dtype", dtype, "stored dtype {bf16|f16|f32}");
  app.add_option("--seed", seed, "random seed [0, 2^63)");
  app.add_option("--max-shard-gib", shard_gib, "split the weights into shards of at most this many GiB (0 = one file)");
  app.add_option("--tokenizer-dir", tokenizer_dir,
                 "where tokenizer.json, tokenizer_config.json and chat_template.jinja come from "
                 "(default: the repository's tests/fixtures/tokenizer)");
  if (auto rc = parse_command_line(app, argc, argv)) return *rc;
  if (dtype != "bf16" && dtype != "f16" && dtype != "f32") {
    return report_usage_error(kName, invalid_argument("--dtype: '", dtype, "' is not one of bf16|f16|f32"));
  }
  if (seed < 0) return report_usage_error(kName, invalid_argument("--seed: ", seed, " is out of range [0, 2^63)"));
  if (!(shard_gib >= 0 && shard_gib <= 1024)) {
    return report_usage_error(kName, invalid_argument("--max-shard-gib: ", shard_gib, " is out of range [0, 1024]"));
  }
  if (!file_exists(config)) return report_error(kName, not_found("config file '", config, "' does not exist"));

  model::RandomCheckpointOptions o;
  o.dtype = dtype;
  o.seed = static_cast<std::uint64_t>(seed);
  o.max_shard_bytes = static_cast<std::uint64_t>(shard_gib * 1024.0 * 1024.0 * 1024.0);
  o.tokenizer_dir = tokenizer_dir;
  if (Status st = model::make_random_checkpoint(config, out, o); !st.ok()) return report_error(kName, st);
  std::printf("wrote %s (%s)\n", out.c_str(), human_bytes(static_cast<double>(directory_bytes(out))).c_str());
  return 0;
}

}  // namespace internvl::cli
