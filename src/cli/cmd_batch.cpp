// `internvl batch`: one conversation per JSONL line in (src/cli/batch_line.h), one JSON answer
// per line out, in order. Lines run N at a time through Engine::generate_batch (lines with the
// same generation settings share a batch); a line that fails gets an {"error": ...} line and the
// others still run.
//
//   internvl batch -m DIR -i requests.jsonl -o answers.jsonl --batch-size 8
#include <CLI/CLI.hpp>

#include <cstdio>
#include <map>
#include <memory>

#include "cli/batch_line.h"
#include "cli/cli_common.h"
#include "cli/commands.h"
#include "cli/progress.h"
#include "cli/prompt.h"
#include "cli/result_json.h"
#include "core/str.h"
#include "runtime/engine_impl.h"

namespace internvl::cli {

namespace {

constexpr const char* kName = "batch";

struct Outcome {
  Json id;
  std::optional<Status> error;
  GenerationResult result;
};

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(pos, nl - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    pos = nl + 1;
  }
  return lines;
}

// Runs lines [begin, end): parse, group by generation settings, generate, fill `out`.
void run_chunk(const Engine& engine, const std::vector<std::string_view>& lines, std::size_t begin, std::size_t end,
               const app::Options& defaults, const BatchMediaPolicy& policy, std::vector<Outcome>& out) {
  std::map<std::string, std::vector<std::size_t>> groups;  // settings -> line indices
  std::vector<BatchLine> parsed(end - begin);
  for (std::size_t i = begin; i < end; ++i) {
    auto line = parse_batch_line(lines[i], defaults, policy);
    if (!line.ok()) {
      out[i].id = batch_line_id(lines[i]);
      out[i].error = line.status();
      continue;
    }
    out[i].id = line->id;
    groups[app::sampling_key(line->options.sampling)].push_back(i);
    parsed[i - begin] = std::move(line).value();
  }
  for (const auto& [key, indices] : groups) {
    std::vector<std::vector<Message>> conversations;
    for (std::size_t i : indices) conversations.push_back(std::move(parsed[i - begin].messages));
    GenerationOptions gen = app::generation_options(parsed[indices.front() - begin].options.sampling);
    gen.top_logprobs = kFirstTokenTopK;
    auto results = engine.generate_batch(conversations, gen);
    for (std::size_t k = 0; k < indices.size(); ++k) {
      Outcome& o = out[indices[k]];
      if (results[k].ok()) {
        o.result = std::move(results[k]).value();
      } else {
        o.error = results[k].status();
      }
    }
  }
}

Json outcome_json(const Outcome& o, std::size_t line_no) {
  Json j = Json::object();
  if (!o.id.is_null()) j["id"] = o.id;
  if (o.error) {
    Status st(o.error->code(), str_cat("line ", line_no, ": ", o.error->message()));
    j.update(error_to_json(st));
  } else {
    j.update(result_to_json(o.result));
  }
  return j;
}

}  // namespace

int cmd_batch(int argc, char** argv) {
  CLI::App app("Runs one conversation per JSONL line ({\"messages\": [...Transformers format...], \"id\": ..., "
               "settings such as \"max_new_tokens\"}) and writes one JSON answer per line, in order. "
               "Videos default to 8 sampled frames.",
               "internvl batch");
  app::Options opts;
  app::CliOptions cli(&opts, {app::OptionGroup::kModel, app::OptionGroup::kSampling, app::OptionGroup::kMedia});
  cli.add_to(app);
  std::string input = "-", output = "-";
  int batch_size = 8;
  app.add_option("-i,--input", input, "JSONL file of conversations ('-' = stdin)");
  app.add_option("-o,--output", output, "where the answers go ('-' = stdout)");
  app.add_option("-b,--batch-size", batch_size, "conversations generated together [1, 256]");
  if (auto rc = parse_command_line(app, argc, argv)) return *rc;
  if (Status st = cli.apply(); !st.ok()) return report_usage_error(kName, st);
  if (batch_size < 1 || batch_size > 256) {
    return report_usage_error(kName, invalid_argument("--batch-size: ", batch_size, " is out of range [1, 256]"));
  }

  auto text = read_input(input);
  if (!text.ok()) return report_error(kName, text.status());
  std::FILE* out = stdout;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(nullptr, std::fclose);
  if (output != "-") {
    file.reset(std::fopen(output.c_str(), "w"));
    if (!file) return report_error(kName, io_error("cannot open '", output, "' for writing"));
    out = file.get();
  }
  auto engine = load_engine(opts.model, stderr_is_terminal());
  if (!engine.ok()) return report_error(kName, engine.status());

  BatchMediaPolicy policy;
  policy.video_config = (*engine)->impl().processor->config().video;
  policy.default_frames = kDefaultVideoFrames;
  const std::vector<std::string_view> lines = split_lines(*text);
  std::vector<Outcome> outcomes(lines.size());
  Progress progress(stderr_is_terminal(), "batch");
  std::size_t failed = 0;
  std::string first_error;
  for (std::size_t begin = 0; begin < lines.size(); begin += static_cast<std::size_t>(batch_size)) {
    const std::size_t end = std::min(lines.size(), begin + static_cast<std::size_t>(batch_size));
    progress.set(static_cast<double>(begin) / static_cast<double>(lines.size()), str_cat(begin, "/", lines.size(), " lines"));
    run_chunk(**engine, lines, begin, end, opts, policy, outcomes);
    for (std::size_t i = begin; i < end; ++i) {
      const Json j = outcome_json(outcomes[i], i + 1);
      if (outcomes[i].error && failed++ == 0) first_error = j["error"]["message"].get<std::string>();
      std::fprintf(out, "%s\n", dump_json(j).c_str());
      outcomes[i] = Outcome{};  // free the answer
    }
    std::fflush(out);
  }
  progress.finish();
  if (std::ferror(out) != 0) return report_error(kName, io_error("writing '", output, "' failed"));
  if (failed > 0) {
    return report_error(kName, make_error(StatusCode::kInvalidArgument, failed, " of ", lines.size(),
                                          " lines failed (first: ", first_error, ")"));
  }
  return 0;
}

}  // namespace internvl::cli
