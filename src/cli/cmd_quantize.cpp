// `internvl quantize`: writes a block-quantized copy of a model directory (q8_0 or q4_0 weights
// for the language model, its embedding and lm_head, and the vision tower), which later loads
// memory-mapped without the original weights or a quantization step.
//
//   internvl quantize -m DIR --quant q4 --out DIR_Q4
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>

#include "cli/cli_common.h"
#include "cli/commands.h"
#include "cli/progress.h"
#include "core/file.h"
#include "core/str.h"
#include "model/internvl_model.h"
#include "model/quantize.h"
#include "model/quantized_save.h"

namespace internvl::cli {

namespace {

constexpr const char* kName = "quantize";

}  // namespace

int cmd_quantize(int argc, char** argv) {
  CLI::App app("Writes a quantized copy of a model directory (config, tokenizer and processor files, "
               "q8_0/q4_0 weights); load it with -m like any model.",
               "internvl quantize");
  std::string model_dir, out_dir, quant;
  app.add_option("-m,--model", model_dir, "source model directory")->envname("INTERNVL_MODEL");
  app.add_option("--quant", quant, "weight format {q8|q4}");
  app.add_option("-o,--out", out_dir, "directory to write (created when missing)");
  if (auto rc = parse_command_line(app, argc, argv)) return *rc;

  model::LoadOptions lo;
  auto q = model::parse_quant(quant);
  if (!q.ok()) return report_usage_error(kName, q.status().with_context("--quant"));
  if (*q == model::QuantType::kNone) {
    return report_usage_error(kName, invalid_argument("--quant: give q8 or q4"));
  }
  lo.quant = *q;
  if (model_dir.empty()) return report_usage_error(kName, invalid_argument("no model directory: give -m DIR"));
  if (out_dir.empty()) return report_usage_error(kName, invalid_argument("no output directory: give --out DIR"));
  if (!is_directory(model_dir)) {
    return report_error(kName, not_found("model directory '", model_dir, "' does not exist or is not a directory"));
  }
  const auto start = std::chrono::steady_clock::now();
  Result<std::unique_ptr<model::InternVLModel>> m = [&] {
    Progress progress(stderr_is_terminal(), str_cat("loading and quantizing ", model_dir));
    return model::InternVLModel::load(model_dir, lo);
  }();
  if (!m.ok()) return report_error(kName, m.status());
  Status st = [&] {
    Progress progress(stderr_is_terminal(), str_cat("writing ", out_dir));
    return model::save_quantized(**m, model_dir, out_dir);
  }();
  if (!st.ok()) return report_error(kName, st);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("wrote %s (%s) in %.1f s\n", out_dir.c_str(), quant.c_str(), s);
  return 0;
}

}  // namespace internvl::cli
