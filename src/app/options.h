// The options registry shared by the `internvl` program and the server: every setting for
// loading a model, generating and sampling media is declared once, with its command-line flag,
// its JSON key (request bodies, batch lines), its range and its help (the pattern of llama.cpp's
// common/arg.cpp). Front ends parse through this table, so a value is named, bounded and
// documented the same way everywhere:
//
//   app::Options opts;
//   app::CliOptions cli(&opts, {app::OptionGroup::kModel, app::OptionGroup::kSampling});
//   cli.add_to(cli11_app);                        // after CLI11 parsing:
//   if (Status st = cli.apply(); !st.ok()) ...    // "--top-p: 1.5 is out of range (0, 1]"
//   Status st = app::apply_json_options(body, {app::OptionGroup::kSampling}, &opts);  // server
//   GenerationOptions gen = app::generation_options(opts.sampling);
//
// Unset values (std::nullopt) mean "the default of the layer below": the checkpoint's
// generation_config.json for sampling, the processor config for tiles and frames.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "app/media_inputs.h"
#include "core/json.h"
#include "internvl/engine.h"
#include "internvl/status.h"

namespace CLI {
class App;
}

namespace internvl::app {

/// Loading a model (-> EngineOptions).
struct ModelOptions {
  std::string model_dir;
  std::optional<int> threads;                 // 0 = all cores
  std::string quant;                          // "" (as stored), "q8", "q4"
  std::string compute;                        // "" (f32), "f32", "bf16"
  std::optional<std::int64_t> context_limit;  // 0 / unset = the model's
  bool mmap = true;                           // --mmap off: weights copied into RAM at load
};

/// One generation (-> GenerationOptions); unset = the checkpoint's generation config.
struct SamplingOptions {
  std::optional<int> max_new_tokens;
  std::optional<int> min_new_tokens;
  std::optional<float> temperature;  // 0 = greedy; > 0 turns sampling on
  std::optional<int> top_k;          // 0 = off
  std::optional<float> top_p;
  std::optional<float> repetition_penalty;
  std::optional<std::uint64_t> seed;
  std::vector<std::string> stop;
};

/// How images become tiles and videos become frames.
struct MediaOptions {
  std::optional<int> min_tiles, max_tiles;  // per image; default: the processor config
  std::optional<int> num_frames;            // frames sampled per video; 0 = every frame
  std::optional<double> fps;                // or frames per second of video
  std::optional<int> max_frames;            // refuse videos that would give more frames
};

struct Options {
  ModelOptions model;
  SamplingOptions sampling;
  MediaOptions media;
};

enum class OptionGroup : std::uint8_t { kModel, kSampling, kMedia };
enum class OptionType : std::uint8_t { kString, kInt, kFloat, kStringList };

/// A parsed value: kString -> string, kInt -> int64, kFloat -> double, kStringList -> strings.
using OptionValue = std::variant<std::string, std::int64_t, double, std::vector<std::string>>;

/// Inclusive bounds of a number; `lo_open` excludes `lo` (e.g. top_p in (0, 1]).
struct Range {
  double lo = 0, hi = 0;
  bool lo_open = false;
};

/// One registered option.
struct OptionDef {
  std::string_view flags;    // CLI11 names, e.g. "-m,--model"
  std::string_view key;      // JSON key in requests and batch lines; "" = command line only
  std::string_view alias;    // a second accepted JSON key (e.g. OpenAI's "max_tokens"), or ""
  std::string_view env;      // environment variable read by the command line, or ""
  std::string_view help;
  OptionGroup group;
  OptionType type;
  Range range;               // numbers only
  std::string_view choices;  // strings: allowed values separated by '|', or "" for any
  void (*assign)(Options&, const OptionValue&);

  /// The long flag ("--model") for messages.
  std::string_view long_flag() const;
};

/// Every registered option, in help order.
std::span<const OptionDef> option_defs();

/// The option with this JSON key or alias, or nullptr.
const OptionDef* find_option_by_key(std::string_view key);

/// Parses a command-line value for `def` and stores it; errors name the flag, e.g.
/// "--temperature: -1 is out of range [0, 100]".
Status set_option_text(const OptionDef& def, std::string_view text, Options* out);

/// Stores a JSON value for `def`; errors name the key ("'top_p' must be a number in (0, 1]").
/// A string list also accepts a single string.
Status set_option_json(const OptionDef& def, const Json& value, Options* out);

/// Applies every key of `obj` that is a registered option of one of `groups` (other keys are
/// left to the caller); null values are skipped. Then checks cross-field rules (validate_options).
Status apply_json_options(const Json& obj, std::initializer_list<OptionGroup> groups, Options* out);

/// Cross-field rules: min_tiles <= max_tiles, not both num_frames and fps.
Status validate_options(const Options& options);

/// Binds the options of some groups to a CLI11 app. Values are captured as text while CLI11
/// parses and converted (with the one-line errors above) by apply().
class CliOptions {
 public:
  CliOptions(Options* target, std::initializer_list<OptionGroup> groups);
  ~CliOptions();
  CliOptions(const CliOptions&) = delete;
  CliOptions& operator=(const CliOptions&) = delete;

  /// Registers the flags (with ranges and environment variables in their help).
  void add_to(CLI::App& app);
  /// Converts what was given on the command line into the target Options and validates them.
  Status apply();

 private:
  struct Capture {
    const OptionDef* def;
    std::vector<std::string> texts;
  };
  Options* target_;
  std::vector<Capture> captures_;
};

/// Options -> the engine's option structs.
EngineOptions engine_options(const ModelOptions& model);
GenerationOptions generation_options(const SamplingOptions& sampling);
/// Frame sampling for a video; `default_frames` applies when neither num_frames nor fps is set
/// (8 on the command line). num_frames 0 means every frame.
VideoSampling video_sampling(const MediaOptions& media, std::optional<int> default_frames);

/// A stable text key of the generation-relevant sampling settings (to group batch rows that
/// can share one generate_batch call).
std::string sampling_key(const SamplingOptions& sampling);

}  // namespace internvl::app
