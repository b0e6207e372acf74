// `internvl bench`: speed and memory of a model on this machine (vision encode, prefill, decode
// at several batch sizes, time to first token of a 13-tile image), each next to the roofline
// measured in the same run. Wraps runtime::run_benchmarks (src/runtime/bench.h).
//
//   internvl bench -m DIR [--compute bf16] [--quant q8] [--mmap off] [--threads 16] [--json]
#include <CLI/CLI.hpp>

#include <cstdio>

#include "cli/cli_common.h"
#include "cli/commands.h"
#include "cli/progress.h"
#include "core/file.h"
#include "core/parallel.h"
#include "core/str.h"
#include "model/internvl_model.h"
#include "model/quantize.h"
#include "runtime/bench.h"

namespace internvl::cli {

namespace {

constexpr const char* kName = "bench";

Status check_positive(const char* flag, std::int64_t v, std::int64_t hi) {
  if (v < 1 || v > hi) return invalid_argument(flag, ": ", v, " is out of range [1, ", hi, "]");
  return Status();
}

}  // namespace

int cmd_bench(int argc, char** argv) {
  CLI::App app("Measures vision encode, prefill and decode speed, time to first token and memory, with the "
               "machine's rooflines (random inputs; speed does not depend on content).",
               "internvl bench");
  std::string model_dir, quant = "none", compute = "bf16", mmap = "on";
  int threads = 0;
  runtime::BenchOptions o;
  std::vector<std::int64_t> prefill = o.prefill_lengths;
  std::vector<int> batches = o.decode_batches;
  bool json = false, no_rooflines = false, no_scaling = false;
  app.add_option("-m,--model", model_dir, "model directory")->envname("INTERNVL_MODEL");
  app.add_option("-t,--threads", threads, "kernel threads (0 = all cores)")->envname("INTERNVL_THREADS");
  app.add_option("--quant", quant, "quantize at load {none|q8|q4}");
  app.add_option("--compute", compute, "arithmetic of the large products {bf16|f32}");
  app.add_option("--mmap", mmap, "on: weights read through the file mapping; off: copied into RAM at load {on|off}");
  app.add_option("--repeats", o.repeats, "timed runs per figure");
  app.add_option("--tiles", o.image_tiles, "tiles of the image benchmark");
  app.add_option("--prefill", prefill, "prompt lengths to time (comma separated)")->delimiter(',');
  app.add_option("--decode-steps", o.decode_steps, "tokens timed per decode figure");
  app.add_option("--decode-context", o.decode_context, "tokens in the cache before the timed decode steps");
  app.add_option("--batches", batches, "decode batch sizes (comma separated)")->delimiter(',');
  app.add_flag("--no-rooflines", no_rooflines, "skip the bandwidth and GEMM peak measurements");
  app.add_flag("--no-scaling", no_scaling, "skip the one-thread runs");
  app.add_flag("--json", json, "print one JSON object");
  if (auto rc = parse_command_line(app, argc, argv)) return *rc;

  Status st;
  if (threads < 0 || threads > 4096) st = invalid_argument("--threads: ", threads, " is out of range [0, 4096]");
  if (st.ok()) st = check_positive("--repeats", o.repeats, 1000);
  if (st.ok()) st = check_positive("--tiles", o.image_tiles, 128);
  if (st.ok()) st = check_positive("--decode-steps", o.decode_steps, 4096);
  if (st.ok()) st = check_positive("--decode-context", o.decode_context, 1 << 20);
  for (std::int64_t n : prefill) {
    if (st.ok()) st = check_positive("--prefill", n, 1 << 20);
  }
  for (int b : batches) {
    if (st.ok()) st = check_positive("--batches", b, 256);
  }
  if (st.ok() && compute != "bf16" && compute != "f32") {
    st = invalid_argument("--compute: '", compute, "' is not one of bf16|f32");
  }
  if (st.ok() && mmap != "on" && mmap != "off") st = invalid_argument("--mmap: '", mmap, "' is not one of on|off");
  model::LoadOptions lo;
  lo.mmap = mmap == "on";
  if (st.ok()) {
    auto q = model::parse_quant(quant);
    if (q.ok()) {
      lo.quant = *q;
    } else {
      st = q.status().with_context("--quant");
    }
  }
  if (!st.ok()) return report_usage_error(kName, st);
  if (model_dir.empty()) return report_usage_error(kName, invalid_argument("no model directory: give -m DIR"));
  if (!is_directory(model_dir)) {
    return report_error(kName, not_found("model directory '", model_dir, "' does not exist or is not a directory"));
  }
  lo.compute = compute == "f32" ? kernels::Compute::kF32 : kernels::Compute::kBF16;
  o.threads = threads;
  o.prefill_lengths = prefill;
  o.decode_batches = batches;
  o.rooflines = !no_rooflines;
  o.thread_scaling = !no_scaling;
  set_num_threads(threads);

  Result<std::unique_ptr<model::InternVLModel>> m = [&] {
    Progress progress(stderr_is_terminal(), str_cat("loading ", model_dir));
    return model::InternVLModel::load(model_dir, lo);
  }();
  if (!m.ok()) return report_error(kName, m.status());
  Result<runtime::BenchResult> r = [&] {
    Progress progress(stderr_is_terminal(), "benchmarking");
    return runtime::run_benchmarks(**m, o);
  }();
  if (!r.ok()) return report_error(kName, r.status());
  if (json) {
    std::printf("%s\n", dump_json(r->to_json()).c_str());
  } else {
    std::printf("%s", r->to_text().c_str());
  }
  return 0;
}

}  // namespace internvl::cli
