// Model-level speed, memory and accuracy measurements on real-size (random) checkpoints.
//
//   model_bench make-random --config CONFIG.json --out DIR [--dtype bf16] [--seed N]
//   model_bench run -m DIR [--compute f32|bf16] [--quant q8|q4] [--mmap on|off] [--threads N] [--repeats N]
//                   [--tiles 13] [--prefill 512,3328] [--decode-steps 16] [--decode-context 64]
//                   [--batches 1,8]
//                   [--no-rooflines] [--no-scaling] [--only vision,prefill,decode,ttft,scaling,rooflines]
//                   [--json]
//   model_bench quantize -m DIR --quant q8|q4 --out DIR
//   model_bench accuracy -m DIR [--tiles 6] [--frames 8] [--modes bf16,q8,q4]
//   model_bench compare -m DIR_A --other DIR_B      (same prompts through two checkpoints)
//   model_bench weight-error -m DIR                  (relative RMS error of Q8_0 / Q4_0 weights)
//   model_bench video -m DIR [--frames 32] [--compute bf16] [--quant ...]
//       (a video prompt of one tile per frame through generate(): time and peak RSS)
// The CLI's `internvl bench` and `internvl make-random-checkpoint` wrap the same functions.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "core/str.h"
#include "core/timer.h"
#include "model/internvl_model.h"
#include "model/quantized_save.h"
#include "model/random_checkpoint.h"
#include "model_accuracy.h"
#include "runtime/bench.h"
#include "runtime/generator.h"

using namespace internvl;

namespace {

struct Args {
  std::string cmd;
  std::map<std::string, std::string> kv;
  bool has(const std::string& k) const { return kv.count(k) > 0; }
  std::string get(const std::string& k, const std::string& def = "") const {
    auto it = kv.find(k);
    return it == kv.end() ? def : it->second;
  }
  int get_int(const std::string& k, int def) const { return has(k) ? std::atoi(get(k).c_str()) : def; }
};

Args parse(int argc, char** argv) {
  Args a;
  if (argc > 1) a.cmd = argv[1];
  for (int i = 2; i < argc; ++i) {
    const std::string arg = argv[i];
    std::string k = arg == "-m" ? std::string("model") : arg.rfind("--", 0) == 0 ? arg.substr(2) : arg;
    if (i + 1 < argc && std::string(argv[i + 1]).rfind("--", 0) != 0) {
      a.kv.insert_or_assign(k, std::string(argv[++i]));
    } else {
      a.kv.insert_or_assign(k, std::string(1, '1'));  // a flag (GCC 12 warns on = "1": PR 105651)
    }
  }
  return a;
}

std::vector<std::int64_t> int_list(const std::string& s) {
  std::vector<std::int64_t> out;
  for (const auto& p : split(s, ",")) {
    if (!p.empty()) out.push_back(std::atoll(p.c_str()));
  }
  return out;
}

int fail(const Status& st) {
  std::fprintf(stderr, "error: %s\n", st.to_string().c_str());
  return 1;
}

Result<std::unique_ptr<model::InternVLModel>> load(const Args& a) {
  model::LoadOptions lo;
  INTERNVL_ASSIGN_OR_RETURN(lo.quant, model::parse_quant(a.get("quant", "none")));
  lo.compute = a.get("compute", "bf16") == "f32" ? kernels::Compute::kF32 : kernels::Compute::kBF16;
  lo.mmap = a.get("mmap", "on") != "off";
  Timer t;
  auto m = model::InternVLModel::load(a.get("model"), lo);
  if (m.ok()) std::fprintf(stderr, "loaded %s in %.1f s\n", a.get("model").c_str(), t.elapsed_ms() / 1e3);
  return m;
}

int cmd_run(const Args& a) {
  auto m = load(a);
  if (!m.ok()) return fail(m.status());
  runtime::BenchOptions o;
  o.threads = a.get_int("threads", 0);
  o.repeats = a.get_int("repeats", 3);
  o.image_tiles = a.get_int("tiles", 13);
  if (a.has("prefill")) o.prefill_lengths = int_list(a.get("prefill"));
  o.decode_steps = a.get_int("decode-steps", 16);
  o.decode_context = a.get_int("decode-context", 64);
  if (o.decode_context < 1) return fail(invalid_argument("--decode-context: '", a.get("decode-context"), "' is not a positive count"));
  if (a.has("batches")) {
    o.decode_batches.clear();
    for (auto b : int_list(a.get("batches"))) o.decode_batches.push_back(static_cast<int>(b));
  }
  o.rooflines = !a.has("no-rooflines");
  o.thread_scaling = !a.has("no-scaling");
  if (a.has("only")) {  // e.g. --only decode,rooflines
    const std::vector<std::string> parts = split(a.get("only"), ",");
    auto on = [&](const char* part) { return std::find(parts.begin(), parts.end(), part) != parts.end(); };
    o.vision = on("vision");
    o.prefill = on("prefill");
    o.decode = on("decode");
    o.ttft = on("ttft");
    o.thread_scaling = on("scaling");
    o.rooflines = on("rooflines");
  }
  auto r = runtime::run_benchmarks(**m, o);
  if (!r.ok()) return fail(r.status());
  if (a.has("json")) {
    std::printf("%s\n", dump_json(r->to_json(), 2).c_str());
  } else {
    std::printf("%s", r->to_text().c_str());
  }
  return 0;
}

int cmd_video(const Args& a) {
  auto m = load(a);
  if (!m.ok()) return fail(m.status());
  const auto& c = (*m)->config();
  const int frames = a.get_int("frames", 32);
  runtime::PromptInput in;
  in.ids = {151644, 872, 198};
  for (int f = 0; f < frames; ++f) {
    for (std::int32_t id : {4034, static_cast<std::int32_t>(16 + f % 10), 25, 151665}) in.ids.push_back(id);
    for (int t = 0; t < c.tokens_per_tile(); ++t) in.ids.push_back(c.image_token_id);
    in.ids.push_back(151666);
    in.ids.push_back(198);
  }
  for (std::int32_t id : {3838, 943, 315, 6552, 30, 151645, 198, 151644, 77091, 198}) in.ids.push_back(id);
  in.pixel_values = Tensor::zeros(DType::kF32, {frames, 3, c.vision.image_height, c.vision.image_width});
  runtime::GenerateParams gp;
  gp.max_new_tokens = a.get_int("new-tokens", 4);
  runtime::reset_peak_rss();
  Timer t;
  runtime::GenerateTimings tm;
  auto out = runtime::generate(**m, {in}, gp, {}, &tm);
  if (!out.ok()) return fail(out.status());
  std::printf("video: %d frames, %zu prompt tokens, %d new tokens in %.1f s (vision %.1f s, prefill %.1f s, "
              "decode %.1f s); peak RSS %s\n",
              frames, in.ids.size(), gp.max_new_tokens, t.elapsed_ms() / 1e3, tm.vision_ms / 1e3,
              tm.prefill_ms / 1e3, tm.decode_ms / 1e3,
              human_bytes(static_cast<double>(runtime::peak_rss_bytes())).c_str());
  return 0;
}

int cmd_accuracy(const Args& a) {
  std::vector<std::string> modes;
  for (const auto& s : split(a.get("modes", "bf16,q8,q4"), ",")) {
    if (!s.empty()) modes.push_back(s);
  }
  auto rows = bench::measure_accuracy(a.get("model"), a.get_int("tiles", 6), a.get_int("frames", 8), modes);
  if (!rows.ok()) return fail(rows.status());
  std::printf("%-6s %-6s %7s %12s %12s %s\n", "mode", "prompt", "tokens", "cosine", "max|diff|", "argmax");
  for (const auto& r : *rows) {
    std::printf("%-6s %-6s %7lld %12.7f %12.4g %s\n", r.mode.c_str(), r.prompt.c_str(),
                static_cast<long long>(r.tokens), r.cosine, r.max_abs_diff, r.same_argmax ? "same" : "differs");
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Args a = parse(argc, argv);
  if (a.cmd == "make-random") {
    model::RandomCheckpointOptions o;
    o.dtype = a.get("dtype", "bf16");
    o.seed = static_cast<std::uint64_t>(a.get_int("seed", 0));
    Timer t;
    Status st = model::make_random_checkpoint(a.get("config"), a.get("out"), o);
    if (!st.ok()) return fail(st);
    std::printf("wrote %s in %.1f s\n", a.get("out").c_str(), t.elapsed_ms() / 1e3);
    return 0;
  }
  if (a.cmd == "run") return cmd_run(a);
  if (a.cmd == "compare") {  // model_bench compare -m DIR_A --other DIR_B
    auto rows = bench::compare_checkpoints(a.get("model"), a.get("other"), a.get_int("tiles", 6), a.get_int("frames", 8));
    if (!rows.ok()) return fail(rows.status());
    for (const auto& r : *rows) {
      std::printf("%-6s %7lld cosine %.7f max|diff| %.4g argmax %s\n", r.prompt.c_str(), static_cast<long long>(r.tokens),
                  r.cosine, r.max_abs_diff, r.same_argmax ? "same" : "differs");
    }
    return 0;
  }
  if (a.cmd == "weight-error") {  // model_bench weight-error -m DIR
    auto e = bench::weight_quant_error(a.get("model"));
    if (!e.ok()) return fail(e.status());
    for (const auto& [name, v] : *e) std::printf("%s: relative RMS weight error %.4f%%\n", name.c_str(), 100 * v);
    return 0;
  }
  if (a.cmd == "video") return cmd_video(a);
  if (a.cmd == "accuracy") return cmd_accuracy(a);
  if (a.cmd == "quantize") {
    auto m = load(a);
    if (!m.ok()) return fail(m.status());
    Timer t;
    Status st = model::save_quantized(**m, a.get("model"), a.get("out"));
    if (!st.ok()) return fail(st);
    std::printf("wrote %s in %.1f s\n", a.get("out").c_str(), t.elapsed_ms() / 1e3);
    return 0;
  }
  std::fprintf(stderr, "usage: model_bench make-random|run|quantize|accuracy|video ... (see the file header)\n");
  return 2;
}
