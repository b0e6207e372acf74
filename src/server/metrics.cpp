#include "server/metrics.h"

#include <cmath>
#include <sstream>

namespace internvl::server {

namespace {

std::string number(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  std::ostringstream os;
  os.precision(10);
  os << v;
  return os.str();
}

void scalar(const std::string& name, const char* type, const std::string& help, double value, std::string* out) {
  *out += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
  *out += name + " " + number(value) + "\n";
}

const std::vector<double> kSeconds = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300};

}  // namespace

// ---- Histogram ----

Histogram::Histogram(std::vector<double> bounds) : bounds_(std::move(bounds)), counts_(bounds_.size() + 1, 0) {}

void Histogram::observe(double v) {
  std::size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  counts_[i]++;
  sum_ += v;
  count_++;
}

void Histogram::render(const std::string& name, const std::string& help, std::string* out) const {
  *out += "# HELP " + name + " " + help + "\n# TYPE " + name + " histogram\n";
  std::int64_t cum = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    cum += counts_[i];
    const double le = i < bounds_.size() ? bounds_[i] : INFINITY;
    *out += name + "_bucket{le=\"" + number(le) + "\"} " + std::to_string(cum) + "\n";
  }
  *out += name + "_sum " + number(sum_) + "\n";
  *out += name + "_count " + std::to_string(count_) + "\n";
}

// ---- Metrics ----

Metrics::Metrics()
    : latency_(kSeconds), ttft_(kSeconds), queue_wait_(kSeconds),
      decode_batch_({1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 128}) {}

void Metrics::count_request(const std::string& endpoint, int http_status) {
  std::lock_guard<std::mutex> lock(mu_);
  requests_[{endpoint, http_status}]++;
}

void Metrics::observe_completion(std::int64_t prompt_tokens, std::int64_t completion_tokens, double latency_s,
                                 double ttft_s, double queue_s) {
  std::lock_guard<std::mutex> lock(mu_);
  prompt_tokens_ += prompt_tokens;
  completion_tokens_ += completion_tokens;
  latency_.observe(latency_s);
  if (completion_tokens > 0) ttft_.observe(ttft_s);
  queue_wait_.observe(queue_s);
}

void Metrics::count_cancelled() {
  std::lock_guard<std::mutex> lock(mu_);
  cancelled_++;
}

void Metrics::observe_step(int decode_batch, std::int64_t prefill_tokens) {
  std::lock_guard<std::mutex> lock(mu_);
  steps_++;
  prefill_tokens_ += prefill_tokens;
  decode_tokens_ += decode_batch;
  if (decode_batch > 0) decode_batch_.observe(decode_batch);
}

std::string Metrics::render(const MetricsSnapshot& g) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  out += "# HELP internvl_requests_total HTTP requests by endpoint and status code.\n"
         "# TYPE internvl_requests_total counter\n";
  for (const auto& [key, n] : requests_) {
    out += "internvl_requests_total{endpoint=\"" + key.first + "\",code=\"" + std::to_string(key.second) + "\"} " +
           std::to_string(n) + "\n";
  }
  scalar("internvl_requests_cancelled_total", "counter", "Chat completions ended because the client disconnected.",
         static_cast<double>(cancelled_), &out);
  scalar("internvl_prompt_tokens_total", "counter", "Prompt tokens of completed requests.",
         static_cast<double>(prompt_tokens_), &out);
  scalar("internvl_generation_tokens_total", "counter", "Generated tokens of completed requests.",
         static_cast<double>(completion_tokens_), &out);
  scalar("internvl_queue_length", "gauge", "Admitted requests waiting for a batch slot.", g.queued, &out);
  scalar("internvl_requests_running", "gauge", "Requests in the running batch.", g.running, &out);
  scalar("internvl_steps_total", "counter", "Decoder steps run by the scheduler.", static_cast<double>(steps_), &out);
  scalar("internvl_decode_tokens_total", "counter", "Tokens decoded across all steps.",
         static_cast<double>(decode_tokens_), &out);
  scalar("internvl_prefill_tokens_total", "counter", "Prompt tokens prefilled across all steps.",
         static_cast<double>(prefill_tokens_), &out);
  latency_.render("internvl_request_duration_seconds", "Chat completion latency, arrival to last token.", &out);
  ttft_.render("internvl_time_to_first_token_seconds", "Arrival to the first generated token.", &out);
  queue_wait_.render("internvl_queue_wait_seconds", "Arrival to joining the batch (media loading included).", &out);
  decode_batch_.render("internvl_decode_batch_size", "Sequences decoded together per step.", &out);
  scalar("internvl_image_cache_hits_total", "counter", "Images/videos served from the feature cache.",
         static_cast<double>(g.cache.hits), &out);
  scalar("internvl_image_cache_misses_total", "counter", "Images/videos decoded and encoded.",
         static_cast<double>(g.cache.misses), &out);
  scalar("internvl_image_cache_evictions_total", "counter", "Cache entries dropped for space.",
         static_cast<double>(g.cache.evictions), &out);
  scalar("internvl_image_cache_entries", "gauge", "Entries in the feature cache.",
         static_cast<double>(g.cache.entries), &out);
  scalar("internvl_image_cache_bytes", "gauge", "Bytes of features held by the cache.",
         static_cast<double>(g.cache.bytes), &out);
  return out;
}

}  // namespace internvl::server
