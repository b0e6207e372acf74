// `internvl bench`: speed and memory of a loaded model on this machine, each figure next to the
// roofline measured in the same run (memory bandwidth for decode, oneDNN's bf16 GEMM peak for
// vision encode and prefill). Random token ids and pixels: speed does not depend on content.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/json.h"
#include "internvl/status.h"
#include "model/internvl_model.h"

namespace internvl::runtime {

struct BenchOptions {
  int threads = 0;                 // kernel threads (0: all hardware threads)
  int repeats = 3;                 // timed runs per figure, after one untimed warm-up
  int image_tiles = 13;            // the "13-tile image"
  std::vector<std::int64_t> prefill_lengths = {512, 3328};
  int decode_steps = 16;           // tokens timed per decode figure
  std::vector<int> decode_batches = {1, 8};
  std::int64_t decode_context = 64;  // prompt tokens before the timed decode steps
  bool vision = true;              // one tile (the image figures come from the ttft runs)
  bool prefill = true;
  bool decode = true;
  bool ttft = true;                // 13-tile image + question: ttft, vision per tile, image prefill
  bool thread_scaling = true;      // also time one vision tile and prefill 512 on one thread
  bool rooflines = true;           // measure bandwidth and the GEMM peak (at the end of the run)
  std::uint64_t seed = 1;
};

/// A time over the repeats: best (min) and median. cpu_share: CPU time this process got during
/// the fastest run / (wall time x threads); well below 1 means other processes took the cores
/// (a shared machine) or the threads waited on each other.
struct Timing {
  double min = 0, median = 0, cpu_share = 0;
};
/// A rate over the repeats: best (from the fastest run) and median.
struct Rate {
  double best = 0, median = 0, cpu_share = 0;
};

struct BenchResult {
  std::string compute, quant, isa;
  int threads = 0, repeats = 0;
  // vision (ms; per-tile figures divide the batch time by its tiles)
  int image_tiles = 0;
  Timing vision_ms_1_tile, vision_ms_image;
  double vision_gflop_per_tile = 0;
  // prefill (tokens/s) and decode (tokens/s summed over the batch)
  struct Prefill {
    std::int64_t tokens = 0;
    Rate tok_s;
    double gflop = 0, roofline_fraction = 0;
  };
  std::vector<Prefill> prefill;
  struct Decode {
    int batch = 0;
    Rate tok_s;
    double roofline_fraction = 0;
  };
  std::vector<Decode> decode;
  double decode_weight_bytes = 0;  // weight bytes streamed per decode step
  std::int64_t decode_context = 0;  // tokens in each sequence's cache before the timed steps
  // time to first token of a 13-tile image + short question (vision + prefill + first logits);
  // the same runs give the image's vision time (vision_ms_image) and prefill rate.
  Timing ttft_ms;
  std::int64_t ttft_prompt_tokens = 0;
  Rate ttft_prefill_tok_s;
  // Rooflines of this run, each the best of several measurements spread over the run (start,
  // between sections, end): on a shared machine a roofline caught in a busy moment would
  // flatter every figure measured in a quiet one.
  //   read_gbs: read-only streaming bandwidth, all threads, best of a sequential pass and 4/8
  //             interleaved prefetched streams (the GEMV pattern); decode only reads weights.
  //   copy_gbs: memcpy bandwidth (bytes copied / s), for reference only.
  //   gemm_peak_gflops: best oneDNN bf16 x bf16 -> f32 square matmul (n = 2048, 3072, 4096),
  //             2 n^3 FLOP, all threads.
  double read_gbs = 0, copy_gbs = 0, gemm_peak_gflops = 0;
  std::int64_t gemm_peak_n = 0;
  int roofline_samples = 0;
  double decode_roofline_fraction = 0;   // batch 1, best run: (weight bytes / s) / read_gbs
  double encode_roofline_fraction = 0;   // vision encode of the image: (FLOP / s) / GEMM peak
  double prefill_roofline_fraction = 0;  // longest prefill
  double load_start = 0, load_end = 0;   // 1-minute load average before and after the run
  // threads: time on 1 thread / time on `threads` threads (best runs)
  double vision_thread_scaling = 0, prefill_thread_scaling = 0;
  // memory
  std::int64_t rss_after_load_bytes = 0;
  std::int64_t peak_rss_bytes = 0;        // over the workloads (the roofline buffers excluded)
  std::int64_t peak_rss_image_bytes = 0;  // during the 13-tile time-to-first-token runs

  /// The figures as one JSON object (keys as the fields; fractions in [0, 1]).
  Json to_json() const;
  /// A human-readable table.
  std::string to_text() const;
};

/// Runs every benchmark on `m` (its compute mode and quantization as loaded).
Result<BenchResult> run_benchmarks(const model::InternVLModel& m, const BenchOptions& options = {});

/// FLOPs of encoding one tile (patch embedding, encoder layers with attention, projector).
double vision_flops_per_tile(const io::ModelConfig& c);
/// FLOPs of a causal prefill of n tokens after `past` cached ones (logits of the last token).
double prefill_flops(const io::ModelConfig& c, std::int64_t n, std::int64_t past = 0);
/// Weight bytes a decode step reads (every language-model matrix, lm_head, one embedding row).
double decode_weight_bytes(const model::InternVLModel& m);

/// Current and peak resident set size of this process (bytes), and a reset of the peak.
std::int64_t current_rss_bytes();
std::int64_t peak_rss_bytes();
void reset_peak_rss();

}  // namespace internvl::runtime
