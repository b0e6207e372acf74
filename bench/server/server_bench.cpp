// Continuous batching over HTTP: the same N text requests (T new tokens each, EOS suppressed)
// sent one after another, then all at once, to an in-process `internvl serve` on loopback.
// Reports aggregate decode tokens/s of both and their ratio.
//
//   server_bench -m DIR [--requests 8] [--tokens 64] [--threads N] [--json]
//
// Decode tokens/s counts the tokens after each request's first one over the time the decode
// phase took: per request when sequential (summed), and from the earliest first token to the
// latest last token when concurrent.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>

#include "core/json.h"
#include "core/str.h"
#include "server/http_server.h"

using namespace internvl;
using Clock = std::chrono::steady_clock;

namespace {

struct Timing {
  Clock::time_point start, first, last;
  int tokens = 0;
  bool ok = false;
  std::string error;
};

/// Streams one completion and timestamps its tokens (one logprobs entry per token).
Timing run_one(int port, int i, int tokens) {
  Timing t;
  httplib::Client cli("127.0.0.1", port);
  cli.set_read_timeout(3600, 0);
  Json body = {{"model", "bench"},
               {"messages", Json::array({Json{{"role", "user"},
                                              {"content", str_cat("Request ", i, ": write a long story about the number ",
                                                                  i * 7 + 3, ".")}}})},
               {"max_tokens", tokens}, {"min_tokens", tokens}, {"temperature", 0}, {"logprobs", true},
               {"stream", true}};
  httplib::Request req;
  req.method = "POST";
  req.path = "/v1/chat/completions";
  req.set_header("Content-Type", "application/json");
  req.body = dump_json(body);
  std::string buf;
  req.content_receiver = [&](const char* data, std::size_t len, std::uint64_t, std::uint64_t) {
    buf.append(data, len);
    for (std::size_t end; (end = buf.find("\n\n")) != std::string::npos; buf.erase(0, end + 2)) {
      const std::string ev = buf.substr(0, end);
      if (!starts_with(ev, "data: {")) continue;
      auto j = parse_json(ev.substr(6), "chunk");
      if (!j.ok() || !(*j)["choices"].is_array() || (*j)["choices"].empty()) continue;
      const Json& lp = (*j)["choices"][0]["logprobs"];
      if (!lp.is_object()) continue;
      const auto now = Clock::now();
      for (std::size_t k = 0; k < lp["content"].size(); ++k) {
        if (t.tokens++ == 0) t.first = now;
        t.last = now;
      }
    }
    return true;
  };
  t.start = Clock::now();
  auto res = cli.send(req);
  t.ok = res && res->status == 200 && t.tokens == tokens;
  if (!t.ok) t.error = res ? str_cat("HTTP ", res->status, ", ", t.tokens, " tokens") : httplib::to_string(res.error());
  return t;
}

double secs(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

struct Phase {
  double wall_s = 0, decode_s = 0, ttft_s = 0;
  int tokens = 0, decode_tokens = 0;
};

Phase summarize(const std::vector<Timing>& ts, bool concurrent) {
  Phase p;
  Clock::time_point t0 = ts[0].start, t_first = ts[0].first, t_end = ts[0].last;
  for (const Timing& t : ts) {
    p.tokens += t.tokens;
    p.decode_tokens += t.tokens - 1;
    p.ttft_s += secs(t.first - t.start) / static_cast<double>(ts.size());
    if (!concurrent) p.decode_s += secs(t.last - t.first);
    t0 = std::min(t0, t.start);
    t_first = std::min(t_first, t.first);
    t_end = std::max(t_end, t.last);
  }
  if (concurrent) p.decode_s = secs(t_end - t_first);
  p.wall_s = concurrent ? secs(t_end - t0) : [&] {
    double s = 0;
    for (const Timing& t : ts) s += secs(t.last - t.start);
    return s;
  }();
  return p;
}

}  // namespace

int main(int argc, char** argv) {
  std::string model;
  int n = 8, tokens = 64, threads = 0;
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
    if (a == "-m") model = next();
    else if (a == "--requests") n = std::atoi(next().c_str());
    else if (a == "--tokens") tokens = std::atoi(next().c_str());
    else if (a == "--threads") threads = std::atoi(next().c_str());
    else if (a == "--json") json = true;
    else {
      std::fprintf(stderr, "usage: server_bench -m DIR [--requests 8] [--tokens 64] [--threads N] [--json]\n");
      return 2;
    }
  }
  if (model.empty() || n < 1 || tokens < 2) {
    std::fprintf(stderr, "server_bench: -m DIR is required; --requests >= 1, --tokens >= 2\n");
    return 2;
  }
  server::ServerConfig cfg;
  cfg.engine.model_dir = model;
  cfg.engine.threads = threads;
  cfg.port = 0;
  cfg.model_name = "bench";
  cfg.max_batch = n;
  auto engine = Engine::load(cfg.engine);
  if (!engine.ok()) {
    std::fprintf(stderr, "server_bench: %s\n", engine.status().to_string().c_str());
    return 1;
  }
  server::HttpServer srv(**engine, cfg);
  auto port = srv.bind();
  if (!port.ok()) {
    std::fprintf(stderr, "server_bench: %s\n", port.status().to_string().c_str());
    return 1;
  }
  std::thread http([&] { srv.run(); });

  run_one(*port, 99, 4);  // warm-up: first-touch of the weights, thread pools
  std::vector<Timing> seq, conc(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) seq.push_back(run_one(*port, i, tokens));
  std::vector<std::thread> clients;
  for (int i = 0; i < n; ++i) clients.emplace_back([&, i] { conc[static_cast<std::size_t>(i)] = run_one(*port, i, tokens); });
  for (auto& c : clients) c.join();
  srv.stop();
  http.join();
  for (const auto* set : {&seq, &conc}) {
    for (const Timing& t : *set) {
      if (!t.ok) {
        std::fprintf(stderr, "server_bench: a request failed: %s\n", t.error.c_str());
        return 1;
      }
    }
  }
  const Phase s = summarize(seq, false), c = summarize(conc, true);
  const double s_tps = s.decode_tokens / s.decode_s, c_tps = c.decode_tokens / c.decode_s;
  if (json) {
    Json j = {{"requests", n}, {"tokens", tokens},
              {"sequential", {{"wall_s", s.wall_s}, {"decode_tok_s", s_tps}, {"e2e_tok_s", s.tokens / s.wall_s}, {"ttft_s", s.ttft_s}}},
              {"concurrent", {{"wall_s", c.wall_s}, {"decode_tok_s", c_tps}, {"e2e_tok_s", c.tokens / c.wall_s}, {"ttft_s", c.ttft_s}}},
              {"decode_speedup", c_tps / s_tps}, {"e2e_speedup", s.wall_s / c.wall_s}};
    std::puts(dump_json(j, 2).c_str());
  } else {
    std::printf("%d requests x %d tokens\n", n, tokens);
    std::printf("  sequential: %7.2f s, decode %7.2f tok/s, end to end %7.2f tok/s, mean TTFT %.3f s\n", s.wall_s,
                s_tps, s.tokens / s.wall_s, s.ttft_s);
    std::printf("  concurrent: %7.2f s, decode %7.2f tok/s, end to end %7.2f tok/s, mean TTFT %.3f s\n", c.wall_s,
                c_tps, c.tokens / c.wall_s, c.ttft_s);
    std::printf("  decode speedup %.2fx, end-to-end speedup %.2fx\n", c_tps / s_tps, s.wall_s / c.wall_s);
  }
  return 0;
}
