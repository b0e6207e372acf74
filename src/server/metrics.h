// Server metrics in the Prometheus text format (GET /metrics): request counts by status,
// tokens, queue length, latency histograms, the decode batch-size histogram and the image cache.
// Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "server/media_cache.h"

namespace internvl::server {

/// A Prometheus histogram with fixed upper bounds.
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void observe(double v);
  /// Appends the _bucket/_sum/_count lines (with HELP and TYPE) to *out.
  void render(const std::string& name, const std::string& help, std::string* out) const;
  std::int64_t count() const { return count_; }

 private:
  std::vector<double> bounds_;
  std::vector<std::int64_t> counts_;  // per bucket, not cumulative; last = +Inf
  double sum_ = 0;
  std::int64_t count_ = 0;
};

/// Gauges read when /metrics is rendered.
struct MetricsSnapshot {
  int queued = 0;    // admitted, waiting for a batch slot (media loading included)
  int running = 0;   // in the batch
  MediaCacheStats cache;
};

class Metrics {
 public:
  Metrics();
  /// A finished HTTP request to `endpoint` ("chat_completions", "models", ...) with its status.
  void count_request(const std::string& endpoint, int http_status);
  /// A chat completion that ran: tokens and timings (seconds).
  void observe_completion(std::int64_t prompt_tokens, std::int64_t completion_tokens, double latency_s,
                          double ttft_s, double queue_s);
  /// A request ended early because its client went away.
  void count_cancelled();
  /// One runner step: decoding sequences and prefill tokens in it.
  void observe_step(int decode_batch, std::int64_t prefill_tokens);
  std::string render(const MetricsSnapshot& gauges) const;

 private:
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, std::int64_t> requests_;
  std::int64_t prompt_tokens_ = 0, completion_tokens_ = 0, cancelled_ = 0;
  std::int64_t steps_ = 0, decode_tokens_ = 0, prefill_tokens_ = 0;
  Histogram latency_, ttft_, queue_wait_, decode_batch_;
};

}  // namespace internvl::server
