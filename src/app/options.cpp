#include "app/options.h"

#include <CLI/CLI.hpp>

#include <charconv>
#include <cmath>
#include <limits>

#include "core/str.h"
#include "preprocess/tiling.h"

namespace internvl::app {

namespace {

using G = OptionGroup;
using T = OptionType;

constexpr double kIntMax = 2147483647.0;

int as_int(const OptionValue& v) { return static_cast<int>(std::get<std::int64_t>(v)); }
float as_float(const OptionValue& v) { return static_cast<float>(std::get<double>(v)); }

// ---- the table ----

const OptionDef kDefs[] = {
    // model
    {"-m,--model", "", "", "INTERNVL_MODEL", "model directory (config.json, safetensors, tokenizer)", G::kModel,
     T::kString, {}, "", [](Options& o, const OptionValue& v) { o.model.model_dir = std::get<std::string>(v); }},
    {"-t,--threads", "", "", "INTERNVL_THREADS", "kernel threads (0 = all cores)", G::kModel, T::kInt, {0, 4096},
     "", [](Options& o, const OptionValue& v) { o.model.threads = as_int(v); }},
    {"--quant", "", "", "", "quantize the weights at load", G::kModel, T::kString, {}, "none|q8|q4",
     [](Options& o, const OptionValue& v) {
       const auto& s = std::get<std::string>(v);
       o.model.quant = s == "none" ? "" : s;
     }},
    {"--compute", "", "", "INTERNVL_COMPUTE", "arithmetic of the large products: f32 (exact) or bf16 (faster)",
     G::kModel, T::kString, {}, "f32|bf16",
     [](Options& o, const OptionValue& v) { o.model.compute = std::get<std::string>(v); }},
    {"--mmap", "", "", "INTERNVL_MMAP",
     "on: read the weights through a file mapping; off: copy them into RAM at load (longer load, "
     "faster decode where the page cache reads slowly, see docs/performance.md)",
     G::kModel, T::kString, {}, "on|off",
     [](Options& o, const OptionValue& v) { o.model.mmap = std::get<std::string>(v) == "on"; }},
    {"--context-limit", "", "", "", "longest prompt + answer in tokens (0 = the model's)", G::kModel, T::kInt,
     {0, 16777216}, "", [](Options& o, const OptionValue& v) { o.model.context_limit = std::get<std::int64_t>(v); }},
    // sampling
    {"-n,--max-new-tokens", "max_new_tokens", "max_tokens", "", "tokens to generate at most (default 256)",
     G::kSampling, T::kInt, {0, 1048576}, "",
     [](Options& o, const OptionValue& v) { o.sampling.max_new_tokens = as_int(v); }},
    {"--min-new-tokens", "min_new_tokens", "", "", "end-of-sequence is ignored before this many tokens",
     G::kSampling, T::kInt, {0, 1048576}, "",
     [](Options& o, const OptionValue& v) { o.sampling.min_new_tokens = as_int(v); }},
    {"--temperature", "temperature", "", "", "0 = greedy; > 0 samples (default: the checkpoint's)", G::kSampling,
     T::kFloat, {0, 100}, "", [](Options& o, const OptionValue& v) { o.sampling.temperature = as_float(v); }},
    {"--top-k", "top_k", "", "", "sample among the k best tokens (0 = all)", G::kSampling, T::kInt, {0, kIntMax}, "",
     [](Options& o, const OptionValue& v) { o.sampling.top_k = as_int(v); }},
    {"--top-p", "top_p", "", "", "nucleus sampling mass", G::kSampling, T::kFloat, {0, 1, true}, "",
     [](Options& o, const OptionValue& v) { o.sampling.top_p = as_float(v); }},
    {"--repetition-penalty", "repetition_penalty", "", "", "divide logits of seen tokens (1 = off)", G::kSampling,
     T::kFloat, {0, 100, true}, "",
     [](Options& o, const OptionValue& v) { o.sampling.repetition_penalty = as_float(v); }},
    {"--seed", "seed", "", "", "sampling seed", G::kSampling, T::kInt, {0, 9007199254740992.0}, "",
     [](Options& o, const OptionValue& v) {
       o.sampling.seed = static_cast<std::uint64_t>(std::get<std::int64_t>(v));
     }},
    {"--stop", "stop", "", "", "stop string (repeatable); the answer ends before it", G::kSampling, T::kStringList,
     {}, "", [](Options& o, const OptionValue& v) { o.sampling.stop = std::get<std::vector<std::string>>(v); }},
    // media
    {"--min-tiles", "min_tiles", "", "", "fewest tiles per image (default: the processor's)", G::kMedia, T::kInt,
     {1, preprocess::kMaxTilesLimit}, "", [](Options& o, const OptionValue& v) { o.media.min_tiles = as_int(v); }},
    {"--max-tiles", "max_tiles", "", "", "most tiles per image (default: the processor's, 12)", G::kMedia, T::kInt,
     {1, preprocess::kMaxTilesLimit}, "", [](Options& o, const OptionValue& v) { o.media.max_tiles = as_int(v); }},
    {"--num-frames", "num_frames", "", "", "frames sampled per video (command line default 8; 0 = all)", G::kMedia,
     T::kInt, {0, 4096}, "", [](Options& o, const OptionValue& v) { o.media.num_frames = as_int(v); }},
    {"--fps", "fps", "", "", "sample this many frames per second of video instead", G::kMedia, T::kFloat,
     {0, 1000, true}, "", [](Options& o, const OptionValue& v) { o.media.fps = std::get<double>(v); }},
    {"--max-frames", "max_frames", "", "", "refuse videos that would give more frames (default 256)", G::kMedia,
     T::kInt, {1, 4096}, "", [](Options& o, const OptionValue& v) { o.media.max_frames = as_int(v); }},
};

std::string range_text(const Range& r, OptionType type) {
  auto num = [&](double x) {
    if (type == T::kInt) return str_cat(static_cast<std::int64_t>(x));
    return str_cat(x);
  };
  return str_cat(r.lo_open ? "(" : "[", num(r.lo), ", ", num(r.hi), "]");
}

bool in_range(double x, const Range& r) {
  return std::isfinite(x) && (r.lo_open ? x > r.lo : x >= r.lo) && x <= r.hi;
}

bool in_groups(const OptionDef& d, std::initializer_list<OptionGroup> groups) {
  for (OptionGroup g : groups) {
    if (d.group == g) return true;
  }
  return false;
}

Status check_choice(const OptionDef& def, const std::string& s, std::string_view who) {
  if (def.choices.empty()) return Status();
  for (const std::string& c : split(def.choices, "|")) {
    if (c == s) return Status();
  }
  return invalid_argument(who, ": ", quote_for_message(s), " is not one of ", def.choices);
}

// Parses the whole of `text` as T; false on junk or overflow.
template <typename N>
bool parse_number(std::string_view text, N* out) {
  const char* b = text.data();
  const char* e = b + text.size();
  if (b != e && *b == '+') ++b;
  auto [p, ec] = std::from_chars(b, e, *out);
  return ec == std::errc() && p == e && b != e;
}

}  // namespace

std::string_view OptionDef::long_flag() const {
  const std::size_t pos = flags.find("--");
  return pos == std::string_view::npos ? flags : flags.substr(pos);
}

std::span<const OptionDef> option_defs() { return kDefs; }

const OptionDef* find_option_by_key(std::string_view key) {
  if (key.empty()) return nullptr;
  for (const OptionDef& d : kDefs) {
    if (d.key == key || (!d.alias.empty() && d.alias == key)) return &d;
  }
  return nullptr;
}

Status set_option_text(const OptionDef& def, std::string_view text, Options* out) {
  const std::string who(def.long_flag());
  switch (def.type) {
    case T::kString: {
      std::string s(text);
      INTERNVL_RETURN_IF_ERROR(check_choice(def, s, who));
      def.assign(*out, s);
      return Status();
    }
    case T::kStringList:
      def.assign(*out, std::vector<std::string>{std::string(text)});
      return Status();
    case T::kInt: {
      std::int64_t v = 0;
      if (!parse_number(text, &v)) return invalid_argument(who, ": expected an integer, got ", quote_for_message(text));
      if (!in_range(static_cast<double>(v), def.range)) {
        return invalid_argument(who, ": ", v, " is out of range ", range_text(def.range, def.type));
      }
      def.assign(*out, v);
      return Status();
    }
    case T::kFloat: {
      double v = 0;
      if (!parse_number(text, &v)) return invalid_argument(who, ": expected a number, got ", quote_for_message(text));
      if (!in_range(v, def.range)) {
        return invalid_argument(who, ": ", text, " is out of range ", range_text(def.range, def.type));
      }
      def.assign(*out, v);
      return Status();
    }
  }
  return internal_error("unknown option type");
}

Status set_option_json(const OptionDef& def, const Json& value, Options* out) {
  const std::string who = str_cat("'", def.key, "'");
  switch (def.type) {
    case T::kString: {
      if (!value.is_string()) return invalid_argument(who, " must be a string");
      std::string s = value.get<std::string>();
      INTERNVL_RETURN_IF_ERROR(check_choice(def, s, who));
      def.assign(*out, s);
      return Status();
    }
    case T::kStringList: {
      std::vector<std::string> list;
      if (value.is_string()) {
        list.push_back(value.get<std::string>());
      } else if (value.is_array()) {
        for (const Json& e : value) {
          if (!e.is_string()) return invalid_argument(who, " must be a string or a list of strings");
          list.push_back(e.get<std::string>());
        }
      } else {
        return invalid_argument(who, " must be a string or a list of strings");
      }
      def.assign(*out, list);
      return Status();
    }
    case T::kInt: {
      const bool integral = value.is_number_integer() ||
                            (value.is_number_float() && std::floor(value.get<double>()) == value.get<double>());
      if (!integral) return invalid_argument(who, " must be an integer in ", range_text(def.range, def.type));
      const double d = value.get<double>();
      if (!in_range(d, def.range)) {
        return invalid_argument(who, " must be an integer in ", range_text(def.range, def.type), ", got ",
                                dump_json(value));
      }
      def.assign(*out, static_cast<std::int64_t>(d));
      return Status();
    }
    case T::kFloat: {
      if (!value.is_number()) return invalid_argument(who, " must be a number in ", range_text(def.range, def.type));
      const double d = value.get<double>();
      if (!in_range(d, def.range)) {
        return invalid_argument(who, " must be a number in ", range_text(def.range, def.type), ", got ",
                                dump_json(value));
      }
      def.assign(*out, d);
      return Status();
    }
  }
  return internal_error("unknown option type");
}

Status apply_json_options(const Json& obj, std::initializer_list<OptionGroup> groups, Options* out) {
  if (!obj.is_object()) return invalid_argument("options must be a JSON object");
  for (const auto& [key, value] : obj.items()) {
    const OptionDef* def = find_option_by_key(key);
    if (def == nullptr || !in_groups(*def, groups) || value.is_null()) continue;
    INTERNVL_RETURN_IF_ERROR(set_option_json(*def, value, out));
  }
  return validate_options(*out);
}

Status validate_options(const Options& o) {
  if (o.media.min_tiles && o.media.max_tiles && *o.media.min_tiles > *o.media.max_tiles) {
    return invalid_argument("min_tiles (", *o.media.min_tiles, ") is larger than max_tiles (", *o.media.max_tiles,
                            ")");
  }
  if (o.media.num_frames && o.media.fps) return invalid_argument("give num_frames or fps, not both");
  if (o.sampling.min_new_tokens && o.sampling.max_new_tokens && *o.sampling.min_new_tokens > *o.sampling.max_new_tokens) {
    return invalid_argument("min_new_tokens (", *o.sampling.min_new_tokens, ") is larger than max_new_tokens (",
                            *o.sampling.max_new_tokens, ")");
  }
  return Status();
}

// ---- CLI11 binding ----

CliOptions::CliOptions(Options* target, std::initializer_list<OptionGroup> groups) : target_(target) {
  for (const OptionDef& d : kDefs) {
    if (in_groups(d, groups)) captures_.push_back(Capture{&d, {}});
  }
}

CliOptions::~CliOptions() = default;

void CliOptions::add_to(CLI::App& app) {
  for (Capture& c : captures_) {
    const OptionDef& d = *c.def;
    std::string help(d.help);
    if (d.type == T::kInt || d.type == T::kFloat) help += str_cat(" ", range_text(d.range, d.type));
    if (!d.choices.empty()) help += str_cat(" {", d.choices, "}");
    // One value per occurrence (CLI11 lets vector options swallow the following words otherwise).
    CLI::Option* opt = app.add_option(std::string(d.flags), c.texts, help)->expected(1)->allow_extra_args(false);
    if (d.type == T::kStringList) {
      opt->take_all();
      opt->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    } else {
      opt->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    }
    opt->type_name(d.type == T::kInt ? "INT" : d.type == T::kFloat ? "NUM" : "TEXT");
    if (!d.env.empty()) opt->envname(std::string(d.env));
  }
}

Status CliOptions::apply() {
  for (const Capture& c : captures_) {
    if (c.texts.empty()) continue;
    if (c.def->type == T::kStringList) {
      c.def->assign(*target_, c.texts);
      continue;
    }
    INTERNVL_RETURN_IF_ERROR(set_option_text(*c.def, c.texts.back(), target_));
  }
  return validate_options(*target_);
}

// ---- conversions ----

EngineOptions engine_options(const ModelOptions& m) {
  EngineOptions e;
  e.model_dir = m.model_dir;
  e.threads = m.threads.value_or(0);
  e.quant = m.quant;
  e.compute = m.compute;
  e.context_limit = m.context_limit.value_or(0);
  e.mmap = m.mmap;
  return e;
}

GenerationOptions generation_options(const SamplingOptions& s) {
  GenerationOptions g;
  if (s.max_new_tokens) g.max_new_tokens = *s.max_new_tokens;
  if (s.min_new_tokens) g.min_new_tokens = *s.min_new_tokens;
  g.temperature = s.temperature;
  g.top_k = s.top_k;
  g.top_p = s.top_p;
  g.repetition_penalty = s.repetition_penalty;
  g.seed = s.seed;
  g.stop = s.stop;
  return g;
}

VideoSampling video_sampling(const MediaOptions& m, std::optional<int> default_frames) {
  VideoSampling v;
  if (m.max_frames) v.max_frames = *m.max_frames;
  if (m.fps) {
    v.fps = m.fps;
  } else if (m.num_frames) {
    if (*m.num_frames > 0) v.num_frames = m.num_frames;  // 0: every frame (no sampling)
  } else {
    v.num_frames = default_frames;
  }
  return v;
}

std::string sampling_key(const SamplingOptions& s) {
  Json j = Json::object();
  auto put = [&](const char* k, const auto& opt) {
    if (opt) j[k] = *opt;
  };
  put("max_new_tokens", s.max_new_tokens);
  put("min_new_tokens", s.min_new_tokens);
  put("temperature", s.temperature);
  put("top_k", s.top_k);
  put("top_p", s.top_p);
  put("repetition_penalty", s.repetition_penalty);
  put("seed", s.seed);
  j["stop"] = s.stop;
  return dump_json(j);
}

}  // namespace internvl::app
