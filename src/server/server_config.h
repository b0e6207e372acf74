// Settings of `internvl serve`: where it listens, how much it batches and queues, and the limits
// every request is checked against. Defaults are safe for a loopback server on one machine.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "internvl/engine.h"

namespace internvl::server {

/// Per-request limits (each has a flag; see docs/server.md).
struct RequestLimits {
  std::size_t max_body_bytes = 64u << 20;         // whole request body (base64 images included)
  std::size_t max_media_bytes = 20u << 20;        // one image or video, encoded
  std::int64_t max_image_pixels = 50'000'000;     // decoded width x height of one image
  int max_images = 16;                            // images + videos in one request
  int max_tiles = 40;                             // upper bound of the `max_tiles` extension
  int default_video_frames = 8;                   // frames sampled from a video by default
  int max_video_frames = 32;                      // upper bound of `num_frames`
  int max_tokens = 4096;                          // upper bound of max_tokens (and its default)
  int max_stop = 4;                               // stop strings per request
  int fetch_timeout_ms = 30'000;                  // http(s) media, whole transfer
  bool allow_private_urls = false;                // http(s) media on loopback/private addresses
  bool allow_remote_urls = true;                  // http(s) media at all
  std::string file_root;                          // file:// media only under this directory; empty: refused
};

struct ServerConfig {
  EngineOptions engine;
  std::string host = "127.0.0.1";
  int port = 8080;
  std::string api_key;            // empty: no authentication
  std::string model_name;         // id reported by /v1/models; default: the directory's name
  int max_batch = 8;              // sequences decoding together
  int max_queue = 64;             // admitted requests waiting for a batch slot
  std::int64_t prefill_chunk = 512;  // prefill tokens per step across sequences
  int http_threads = 0;           // 0: enough for max_batch + max_queue connections
  int vision_workers = 1;         // concurrent image/video encodes outside the step loop
  std::size_t image_cache_bytes = 512u << 20;  // encoded-feature cache; 0 disables it
  int keep_alive_s = 5;           // idle keep-alive connections are closed after this (and shutdown waits for them)
  RequestLimits limits;
};

}  // namespace internvl::server
