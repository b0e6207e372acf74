#include "runtime/bench.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>

#include "core/parallel.h"
#include "core/str.h"
#include "core/timer.h"
#include "kernels/cpu.h"
#include "kernels/membench.h"
#include "runtime/generator.h"
#include "runtime/sampler.h"

namespace internvl::runtime {

namespace {

constexpr std::int64_t kPrefillChunk = 2048;  // as GenerateParams::prefill_chunk
constexpr std::int64_t kBandwidthBytes = 1ll << 30;

double process_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

double load_average() {
  std::ifstream f("/proc/loadavg");
  double l = 0;
  f >> l;
  return l;
}

Timing time_runs(int repeats, const std::function<void()>& fn, bool warmup = true) {
  if (warmup) fn();  // primitive creation, page faults, caches
  std::vector<std::pair<double, double>> runs;  // (wall ms, cpu ms)
  for (int i = 0; i < repeats; ++i) {
    const double cpu0 = process_cpu_ms();
    Timer t;
    fn();
    const double wall = t.elapsed_ms();
    runs.emplace_back(wall, process_cpu_ms() - cpu0);
  }
  std::sort(runs.begin(), runs.end());
  return {runs.front().first, runs[runs.size() / 2].first, runs.front().second / (runs.front().first * num_threads())};
}

// Units per second from times in ms.
Rate rate(const Timing& ms, double units) {
  return {units / (ms.min / 1e3), units / (ms.median / 1e3), ms.cpu_share};
}

// The best rooflines seen over a run; sample() measures them once more.
class Rooflines {
 public:
  explicit Rooflines(bool on) : on_(on) {}
  // full: all GEMM sizes and more bandwidth passes (start and end of the run); otherwise a short
  // sample (one GEMM size, fewer passes) between sections.
  void sample(bool full) {
    if (!on_) return;
    kernels::Bandwidth bw = kernels::measure_bandwidth(kBandwidthBytes, full ? 5 : 2);
    read_gbs = std::max(read_gbs, bw.read_gbs);
    copy_gbs = std::max(copy_gbs, bw.copy_gbs);
    kernels::GemmPeak gp = kernels::measure_gemm_peak_bf16(full ? 3 : 2, !full);
    if (gp.gflops > gemm_gflops) {
      gemm_gflops = gp.gflops;
      gemm_n = gp.n;
    }
    ++samples;
  }
  double read_gbs = 0, copy_gbs = 0, gemm_gflops = 0;
  std::int64_t gemm_n = 0;
  int samples = 0;

 private:
  bool on_;
};

std::int64_t status_field_kb(const char* key) {
  std::ifstream f("/proc/self/status");
  std::string line;
  const std::size_t len = std::strlen(key);
  while (std::getline(f, line)) {
    if (line.compare(0, len, key) == 0) return std::atoll(line.c_str() + len);
  }
  return 0;
}

std::vector<std::int32_t> random_ids(std::int64_t n, std::uint64_t seed, std::int32_t avoid) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<std::int32_t> dist(1000, 150000);
  std::vector<std::int32_t> ids(static_cast<std::size_t>(n));
  for (auto& id : ids) {
    do id = dist(rng); while (id == avoid);
  }
  return ids;
}

Tensor random_pixels(const io::ModelConfig& c, std::int64_t tiles, std::uint64_t seed) {
  Tensor px = Tensor::empty(DType::kF32, {tiles, c.vision.num_channels, c.vision.image_height, c.vision.image_width});
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  for (std::int64_t i = 0; i < px.numel(); ++i) px.data<float>()[i] = dist(rng);
  return px;
}

// Prefill of `ids` in chunks (the generate() path without sampling): last-token logits.
void prefill(const model::InternVLModel& m, const std::vector<std::int32_t>& ids) {
  const std::int64_t n = static_cast<std::int64_t>(ids.size()), h = m.config().text.hidden_size;
  model::KvCache cache = m.new_cache();
  model::RopeState rope = m.new_rope_state();
  rope.update(n);
  Tensor emb = m.embed(ids.data(), n);
  Tensor last;
  for (std::int64_t c0 = 0; c0 < n; c0 += kPrefillChunk) {
    const std::int64_t c1 = std::min(n, c0 + kPrefillChunk);
    Tensor x = emb.slice_rows(c0, c1).clone();
    m.decode({model::DecoderSeq{&cache, &rope, c1 - c0}}, x);
    if (c1 == n) last = x.slice_rows(c1 - c0 - 1, c1 - c0).clone();
  }
  Tensor lg = m.logits(last.data<float>(), 1);
  (void)h;
}

// Times `steps` decode steps of `batch` sequences after a short prefill; ms per step.
Timing time_decode(const model::InternVLModel& m, int batch, const BenchOptions& o) {
  const auto& tc = m.config().text;
  std::vector<model::KvCache> caches;
  for (int b = 0; b < batch; ++b) caches.push_back(m.new_cache());
  model::RopeState rope = m.new_rope_state();
  rope.update(o.decode_context + 2 * o.decode_steps * (o.repeats + 1) + 2);
  for (int b = 0; b < batch; ++b) {
    auto ids = random_ids(o.decode_context, o.seed + 100 + static_cast<std::uint64_t>(b), m.config().image_token_id);
    Tensor x = m.embed(ids.data(), o.decode_context);
    m.decode({model::DecoderSeq{&caches[static_cast<std::size_t>(b)], &rope, o.decode_context}}, x);
  }
  std::vector<std::int32_t> next(static_cast<std::size_t>(batch), 1234);
  auto step = [&] {
    Tensor x = m.embed(next.data(), batch);
    std::vector<model::DecoderSeq> seqs;
    for (int b = 0; b < batch; ++b) seqs.push_back({&caches[static_cast<std::size_t>(b)], &rope, 1});
    m.decode(seqs, x);
    Tensor lg = m.logits(x.data<float>(), batch);
    // Greedy through the generate loop's own argmax (std::max_element measured 12x slower on
    // a 151,936-entry row: 567 vs 47 us, 3% of a 1B decode step).
    for (int b = 0; b < batch; ++b) {
      const float* row = lg.data<float>() + static_cast<std::int64_t>(b) * tc.vocab_size;
      next[static_cast<std::size_t>(b)] = argmax(row, tc.vocab_size);
      if (next[static_cast<std::size_t>(b)] == m.config().image_token_id) next[static_cast<std::size_t>(b)] = 1234;
    }
  };
  Timing t = time_runs(o.repeats, [&] {
    for (int s = 0; s < o.decode_steps; ++s) step();
  });
  return {t.min / o.decode_steps, t.median / o.decode_steps, t.cpu_share};
}

}  // namespace

double vision_flops_per_tile(const io::ModelConfig& c) {
  const auto& v = c.vision;
  const double p = v.num_patches(), n = p + 1, d = v.hidden_size, in = v.intermediate_size;
  const double patch = 2.0 * p * v.num_channels * v.patch_height * v.patch_width * d;
  const double layer = 2.0 * n * (4 * d * d + 2 * d * in) + 4.0 * n * n * d;
  const double s = 1.0 / c.downsample_ratio, din = d * s * s, h = c.text.hidden_size;
  const double proj = 2.0 * c.tokens_per_tile() * (din * h + h * h);
  return patch + v.num_layers * layer + proj;
}

double prefill_flops(const io::ModelConfig& c, std::int64_t n, std::int64_t past) {
  const auto& t = c.text;
  const double h = t.hidden_size, qo = static_cast<double>(t.num_heads) * t.head_dim;
  const double kvo = static_cast<double>(t.num_kv_heads) * t.head_dim, f = t.intermediate_size;
  const double nn = static_cast<double>(n);
  const double linear = 2.0 * nn * (h * qo + 2 * h * kvo + qo * h + 3 * h * f);
  // Causal: token i attends to past + i + 1 keys; QK^T and PV each cost qo MACs per key.
  const double keys = nn * static_cast<double>(past) + nn * (nn + 1) / 2;
  const double attn = 4.0 * qo * keys;
  return t.num_layers * (linear + attn) + 2.0 * h * t.vocab_size;
}

double decode_weight_bytes(const model::InternVLModel& m) {
  const auto& tw = m.weights().text;
  double bytes = 0;
  for (const auto& l : tw.layers) {
    for (const model::Linear* lin : {&l.q, &l.k, &l.v, &l.o, &l.gate, &l.up, &l.down}) {
      bytes += static_cast<double>(lin->w.nbytes());
    }
  }
  bytes += static_cast<double>(tw.lm_head.w.nbytes());
  bytes += static_cast<double>(tw.embed.nbytes()) / static_cast<double>(tw.embed.rows);  // one row
  return bytes;
}

std::int64_t current_rss_bytes() { return status_field_kb("VmRSS:") * 1024; }
std::int64_t peak_rss_bytes() { return status_field_kb("VmHWM:") * 1024; }
void reset_peak_rss() {
  std::ofstream f("/proc/self/clear_refs");
  f << "5";  // resets VmHWM to the current RSS (Linux >= 4.0); ignored where not permitted
}

Result<BenchResult> run_benchmarks(const model::InternVLModel& m, const BenchOptions& o) {
  if (o.repeats < 1) return invalid_argument("bench: repeats must be >= 1, got ", o.repeats);
  if (o.image_tiles < 1) return invalid_argument("bench: image_tiles must be >= 1, got ", o.image_tiles);
  const io::ModelConfig& c = m.config();
  const int saved_threads = num_threads();
  if (o.threads > 0) set_num_threads(o.threads);
  const int threads = num_threads();
  BenchResult r;
  r.compute = kernels::compute_name(m.compute());
  r.quant = model::quant_name(m.quant());
  r.isa = kernels::isa_name(kernels::isa());
  r.threads = threads;
  r.repeats = o.repeats;
  r.image_tiles = o.image_tiles;
  r.rss_after_load_bytes = current_rss_bytes();
  r.load_start = load_average();
  // Rooflines are sampled at the start, between sections and at the end (best of all): on a
  // shared machine the load varies over a run, and a roofline caught in a busy moment would
  // flatter every figure measured in a quiet one. Their buffers are freed before each section
  // and the peak RSS is reset after them, so they do not count in the workloads' peak.
  Rooflines roof(o.rooflines);
  std::int64_t peak_rss = 0;
  auto between_sections = [&] {
    peak_rss = std::max(peak_rss, peak_rss_bytes());
    roof.sample(false);
    reset_peak_rss();
  };
  roof.sample(true);
  reset_peak_rss();

  // ---- vision: one tile ----
  r.vision_gflop_per_tile = vision_flops_per_tile(c) / 1e9;
  Tensor px1 = random_pixels(c, 1, o.seed);
  if (o.vision || o.ttft) r.vision_ms_1_tile = time_runs(o.repeats, [&] { m.image_features(px1); });

  // ---- prefill (text) ----
  if (o.prefill) {
    between_sections();
    for (std::int64_t n : o.prefill_lengths) {
      auto ids = random_ids(n, o.seed + static_cast<std::uint64_t>(n), c.image_token_id);
      // Long prompts are their own warm-up (the weights were touched by shorter ones).
      Timing t = time_runs(o.repeats, [&] { prefill(m, ids); }, n <= 1024);
      BenchResult::Prefill p;
      p.tokens = n;
      p.tok_s = rate(t, static_cast<double>(n));
      p.gflop = prefill_flops(c, n) / 1e9;
      r.prefill.push_back(p);
    }
  }

  // ---- decode ----
  r.decode_weight_bytes = decode_weight_bytes(m);
  r.decode_context = o.decode_context;
  if (o.decode) {
    between_sections();
    for (int b : o.decode_batches) {
      Timing step_ms = time_decode(m, b, o);
      BenchResult::Decode d;
      d.batch = b;
      d.tok_s = rate(step_ms, b);
      r.decode.push_back(d);
    }
  }

  // ---- time to first token: a 13-tile image and a short question ----
  if (o.ttft) {
    PromptInput in;
    in.ids = {151644, 872, 198, 151665};
    for (std::int64_t t = 0; t < o.image_tiles * c.tokens_per_tile(); ++t) in.ids.push_back(c.image_token_id);
    for (std::int32_t id : {151666, 198, 74785, 419, 2168, 13, 151645, 198, 151644, 77091, 198}) in.ids.push_back(id);
    in.pixel_values = random_pixels(c, o.image_tiles, o.seed + 1);
    r.ttft_prompt_tokens = static_cast<std::int64_t>(in.ids.size());
    GenerateParams gp;
    gp.max_new_tokens = 1;
    Status failure;
    std::vector<double> vision_ms, prefill_ms;
    between_sections();
    // No warm-up: the one-tile and prefill runs above touched every weight.
    r.ttft_ms = time_runs(o.repeats, [&] {
      GenerateTimings tm;
      auto out = generate(m, {in}, gp, {}, &tm);
      if (!out.ok()) failure = out.status();
      vision_ms.push_back(tm.vision_ms);
      prefill_ms.push_back(tm.prefill_ms);
    }, false);
    r.peak_rss_image_bytes = peak_rss_bytes();
    if (!failure.ok()) return failure.with_context("bench: time to first token");
    std::sort(vision_ms.begin(), vision_ms.end());
    std::sort(prefill_ms.begin(), prefill_ms.end());
    const std::size_t mid = vision_ms.size() / 2;
    r.vision_ms_image = {vision_ms.front() / o.image_tiles, vision_ms[mid] / o.image_tiles, r.ttft_ms.cpu_share};
    r.ttft_prefill_tok_s = rate({prefill_ms.front(), prefill_ms[mid]}, static_cast<double>(r.ttft_prompt_tokens));
  }

  // ---- one thread, for the scaling figures ----
  if (o.thread_scaling && threads > 1) {
    // Interleaved 1-thread / n-thread runs, so that load from other processes hits both alike.
    auto ids = random_ids(512, o.seed + 512, c.image_token_id);
    Timing vision_nt, prefill_nt;
    std::vector<double> v1, vn, p1, pn;
    for (int rep = 0; rep < o.repeats; ++rep) {
      for (int nt : {1, threads}) {
        set_num_threads(nt);
        Timer t;
        m.image_features(px1);
        (nt == 1 ? v1 : vn).push_back(t.elapsed_ms());
        t.reset();
        prefill(m, ids);
        (nt == 1 ? p1 : pn).push_back(t.elapsed_ms());
      }
    }
    set_num_threads(threads);
    r.vision_thread_scaling = *std::min_element(v1.begin(), v1.end()) / *std::min_element(vn.begin(), vn.end());
    r.prefill_thread_scaling = *std::min_element(p1.begin(), p1.end()) / *std::min_element(pn.begin(), pn.end());
  }
  r.peak_rss_bytes = std::max({peak_rss, peak_rss_bytes(), r.peak_rss_image_bytes});

  // ---- rooflines: a last full sample, then every fraction against the best seen ----
  if (o.rooflines) {
    roof.sample(true);
    r.read_gbs = roof.read_gbs;
    r.copy_gbs = roof.copy_gbs;
    r.gemm_peak_gflops = roof.gemm_gflops;
    r.gemm_peak_n = roof.gemm_n;
    r.roofline_samples = roof.samples;
    // Decode streams the weights once per step and writes almost nothing: the read-only
    // bandwidth is its ceiling (copy bandwidth, lower, would flatter it).
    const double bw_roof = r.read_gbs * 1e9;
    for (auto& d : r.decode) d.roofline_fraction = d.tok_s.best / d.batch * r.decode_weight_bytes / bw_roof;
    for (auto& p : r.prefill) p.roofline_fraction = p.tok_s.best / static_cast<double>(p.tokens) * p.gflop / r.gemm_peak_gflops;
    if (!r.decode.empty()) r.decode_roofline_fraction = r.decode.front().roofline_fraction;
    if (!r.prefill.empty()) r.prefill_roofline_fraction = r.prefill.back().roofline_fraction;
    if (r.vision_ms_image.min > 0) {
      r.encode_roofline_fraction = r.vision_gflop_per_tile / (r.vision_ms_image.min / 1e3) / r.gemm_peak_gflops;
    }
  }
  r.load_end = load_average();
  set_num_threads(saved_threads);
  return r;
}

Json BenchResult::to_json() const {
  auto timing = [](const Timing& t) { return Json{{"min", t.min}, {"median", t.median}, {"cpu_share", t.cpu_share}}; };
  auto rate_json = [](const Rate& r) { return Json{{"best", r.best}, {"median", r.median}, {"cpu_share", r.cpu_share}}; };
  Json j;
  j["compute"] = compute;
  j["quant"] = quant;
  j["isa"] = isa;
  j["threads"] = threads;
  j["repeats"] = repeats;
  j["vision_ms_per_tile_1"] = timing(vision_ms_1_tile);
  j["vision_ms_per_tile"] = timing(vision_ms_image);
  j["vision_ms_image"] = timing({vision_ms_image.min * image_tiles, vision_ms_image.median * image_tiles, vision_ms_image.cpu_share});
  j["image_tiles"] = image_tiles;
  j["vision_gflop_per_tile"] = vision_gflop_per_tile;
  Json pf = Json::array();
  for (const auto& p : prefill) {
    // tokens/s: "best" is the rate of the fastest run, "median" of the median run.
    pf.push_back({{"tokens", p.tokens}, {"tok_s", rate_json(p.tok_s)},
                  {"gflop", p.gflop}, {"roofline_fraction", p.roofline_fraction}});
  }
  j["prefill"] = pf;
  Json dc = Json::array();
  for (const auto& d : decode) {
    dc.push_back({{"batch", d.batch}, {"tok_s", rate_json(d.tok_s)},
                  {"roofline_fraction", d.roofline_fraction}});
  }
  j["decode"] = dc;
  j["decode_weight_bytes"] = decode_weight_bytes;
  j["decode_context"] = decode_context;
  j["ttft_ms"] = timing(ttft_ms);
  j["ttft_prompt_tokens"] = ttft_prompt_tokens;
  j["ttft_prefill_tok_s"] = {{"best", ttft_prefill_tok_s.best}, {"median", ttft_prefill_tok_s.median}};
  j["load_start"] = load_start;
  j["load_end"] = load_end;
  j["roofline_samples"] = roofline_samples;
  j["memory_read_gbs"] = read_gbs;
  j["memory_copy_gbs"] = copy_gbs;
  j["gemm_peak_gflops"] = gemm_peak_gflops;
  j["gemm_peak_n"] = gemm_peak_n;
  j["decode_roofline_fraction"] = decode_roofline_fraction;
  j["encode_roofline_fraction"] = encode_roofline_fraction;
  j["prefill_roofline_fraction"] = prefill_roofline_fraction;
  j["vision_thread_scaling"] = vision_thread_scaling;
  j["prefill_thread_scaling"] = prefill_thread_scaling;
  j["rss_after_load_bytes"] = rss_after_load_bytes;
  j["peak_rss_bytes"] = peak_rss_bytes;
  j["peak_rss_image_bytes"] = peak_rss_image_bytes;
  return j;
}

std::string BenchResult::to_text() const {
  std::ostringstream os;
  char buf[256];
  auto line = [&](const char* fmt, auto... args) {
    std::snprintf(buf, sizeof buf, fmt, args...);
    os << buf << "\n";
  };
  line("compute %s, quant %s, isa %s, %d threads, %d repeats (best / median)", compute.c_str(), quant.c_str(),
       isa.c_str(), threads, repeats);
  line("1-min load average: %.2f at the start, %.2f at the end (cpu = CPU share of the best run)", load_start, load_end);
  line("vision encode, 1 tile           %9.1f / %9.1f ms   (cpu %.2f)", vision_ms_1_tile.min, vision_ms_1_tile.median,
       vision_ms_1_tile.cpu_share);
  line("vision encode, %2d tiles, per tile %8.1f / %9.1f ms   (%.0f GFLOP/s, %.0f%% of GEMM peak)", image_tiles,
       vision_ms_image.min, vision_ms_image.median, vision_gflop_per_tile / (vision_ms_image.min / 1e3),
       100 * encode_roofline_fraction);
  for (const auto& p : prefill) {
    line("prefill %5lld tokens             %9.1f / %9.1f tok/s (%.0f GFLOP/s, %.0f%% of GEMM peak, cpu %.2f)",
         static_cast<long long>(p.tokens), p.tok_s.best, p.tok_s.median,
         p.tok_s.best / static_cast<double>(p.tokens) * p.gflop, 100 * p.roofline_fraction, p.tok_s.cpu_share);
  }
  for (const auto& d : decode) {
    line("decode batch %d, context %5lld    %9.2f / %9.2f tok/s (%.1f GB/s of weights, %.0f%% of bandwidth, cpu %.2f)",
         d.batch, static_cast<long long>(decode_context), d.tok_s.best, d.tok_s.median, d.tok_s.best / d.batch * decode_weight_bytes / 1e9,
         100 * d.roofline_fraction, d.tok_s.cpu_share);
  }
  line("time to first token (%lld tokens) %9.1f / %9.1f ms   (its prefill %.1f / %.1f tok/s)",
       static_cast<long long>(ttft_prompt_tokens), ttft_ms.min, ttft_ms.median, ttft_prefill_tok_s.best,
       ttft_prefill_tok_s.median);
  line("rooflines (best of %d samples): read %.1f GB/s, copy %.1f GB/s, oneDNN bf16 GEMM %.0f GFLOP/s (n=%lld)",
       roofline_samples, read_gbs, copy_gbs, gemm_peak_gflops, static_cast<long long>(gemm_peak_n));
  line("thread scaling (1 -> %d): vision %.2fx, prefill 512 %.2fx", threads, vision_thread_scaling,
       prefill_thread_scaling);
  line("RSS: after load %s, peak %s, peak during the image runs %s", human_bytes(static_cast<double>(rss_after_load_bytes)).c_str(),
       human_bytes(static_cast<double>(peak_rss_bytes)).c_str(), human_bytes(static_cast<double>(peak_rss_image_bytes)).c_str());
  return os.str();
}

}  // namespace internvl::runtime
