#include "server/serve_options.h"

#include <CLI/CLI.hpp>

#include <filesystem>
#include <limits>
#include <memory>
#include <optional>

#include "app/options.h"
#include "core/str.h"

namespace internvl::server {

namespace {

constexpr std::int64_t kIntMax = std::numeric_limits<int>::max();

/// The command line: the registry's model options (-m, -t/--threads, --quant, --context-limit,
/// with their environment variables) plus the server's own flags, bound to `c` and the extras.
struct ServeCli {
  CLI::App app{"OpenAI-compatible chat completions server (docs/server.md).", "internvl serve"};
  app::Options opts;
  app::CliOptions model{&opts, {app::OptionGroup::kModel}};
  std::optional<std::int64_t> ctx;
  std::optional<std::int64_t> cache_mb, body_mb, media_mb;
  std::string media_dir;
  bool private_urls = false, no_remote_urls = false;

  explicit ServeCli(ServerConfig& c) {
    model.add_to(app);
    RequestLimits& l = c.limits;
    auto range = [](std::int64_t lo, std::int64_t hi) { return CLI::Range(lo, hi); };
    app.add_option("--ctx", ctx, "context limit in tokens, prompt + answer (same as --context-limit)")
        ->check(range(1, std::numeric_limits<std::int64_t>::max()));
    app.add_option("--host", c.host, "address to bind (loopback by default)")->capture_default_str();
    app.add_option("--port", c.port, "port; 0 picks a free one")->check(range(0, 65535))->capture_default_str();
    app.add_option("--api-key", c.api_key, "require 'Authorization: Bearer KEY' (every endpoint but /health)")
        ->envname("INTERNVL_API_KEY");
    app.add_option("--model-name", c.model_name, "model id in /v1/models and responses (default: the directory's name)");
    app.add_option("--max-batch", c.max_batch, "requests decoding together")->check(range(1, 256))->capture_default_str();
    app.add_option("--max-queue", c.max_queue, "admitted requests waiting for a batch place before 503")
        ->check(range(0, 100000))->capture_default_str();
    app.add_option("--prefill-chunk", c.prefill_chunk, "prompt tokens prefilled per step across requests")
        ->check(range(1, 1 << 20))->capture_default_str();
    app.add_option("--http-threads", c.http_threads, "HTTP worker threads (default max-batch + max-queue + 16)")
        ->check(range(1, 4096));
    app.add_option("--vision-workers", c.vision_workers, "requests running the vision tower at once")
        ->check(range(1, 64))->capture_default_str();
    app.add_option("--image-cache-mb", cache_mb, "image feature cache in MiB; 0 disables it (default 512)")
        ->check(range(0, 1 << 24));
    app.add_option("--keep-alive", c.keep_alive_s, "seconds an idle keep-alive connection stays open")
        ->check(range(1, 3600))->capture_default_str();
    app.add_option("--max-body-mb", body_mb, "largest request body in MiB (default 64)")->check(range(1, 1 << 14));
    app.add_option("--max-media-mb", media_mb, "largest image or video in MiB, encoded (default 20)")
        ->check(range(1, 1 << 14));
    app.add_option("--max-image-pixels", l.max_image_pixels, "largest decoded image, width x height")
        ->check(range(1, std::numeric_limits<std::int64_t>::max()))->capture_default_str();
    app.add_option("--max-images", l.max_images, "images + videos per request")->check(range(0, kIntMax))
        ->capture_default_str();
    app.add_option("--max-tiles", l.max_tiles, "upper bound of the per-image max_tiles extension")
        ->check(range(1, 1024))->capture_default_str();
    app.add_option("--video-frames", l.default_video_frames, "frames sampled from a video by default")
        ->check(range(1, 4096))->capture_default_str();
    app.add_option("--max-video-frames", l.max_video_frames, "upper bound of a video's num_frames")
        ->check(range(1, 4096))->capture_default_str();
    app.add_option("--max-tokens", l.max_tokens, "upper bound and default of max_tokens")->check(range(1, kIntMax))
        ->capture_default_str();
    app.add_option("--max-stop", l.max_stop, "stop strings per request")->check(range(0, 1024))->capture_default_str();
    app.add_option("--media-dir", media_dir, "allow file:// media, only inside DIR (default: file:// refused)");
    app.add_flag("--allow-private-urls", private_urls, "allow http(s) media on loopback and private addresses");
    app.add_flag("--no-remote-urls", no_remote_urls, "refuse http(s) media (data: and file:// only)");
    app.add_option("--fetch-timeout-ms", l.fetch_timeout_ms, "time limit of one http(s) media download")
        ->check(range(1, 3'600'000))->capture_default_str();
  }
};

}  // namespace

std::string serve_usage() {
  ServerConfig c;
  ServeCli cli(c);
  return cli.app.help();
}

Result<ServerConfig> parse_serve_args(const std::vector<std::string>& args, bool* help) {
  ServerConfig c;
  *help = false;
  auto cli = std::make_unique<ServeCli>(c);
  try {
    cli->app.parse(std::vector<std::string>(args.rbegin(), args.rend()));  // CLI11 takes them reversed
  } catch (const CLI::CallForHelp&) {
    *help = true;
    return c;
  } catch (const CLI::ParseError& e) {
    return invalid_argument(e.what());
  } catch (const std::exception& e) {  // CLI11 reports some problems with other exceptions
    return invalid_argument(e.what());
  }
  INTERNVL_RETURN_IF_ERROR(cli->model.apply());
  c.engine = app::engine_options(cli->opts.model);
  if (cli->ctx) c.engine.context_limit = *cli->ctx;
  if (c.engine.model_dir.empty()) return invalid_argument("-m/--model DIR is required");
  if (cli->cache_mb) c.image_cache_bytes = static_cast<std::size_t>(*cli->cache_mb) << 20;
  if (cli->body_mb) c.limits.max_body_bytes = static_cast<std::size_t>(*cli->body_mb) << 20;
  if (cli->media_mb) c.limits.max_media_bytes = static_cast<std::size_t>(*cli->media_mb) << 20;
  if (!cli->media_dir.empty()) {
    std::error_code ec;
    if (!std::filesystem::is_directory(cli->media_dir, ec)) {
      return invalid_argument("--media-dir: '", cli->media_dir, "' is not a directory");
    }
    c.limits.file_root = cli->media_dir;
  }
  if (cli->private_urls) c.limits.allow_private_urls = true;
  if (cli->no_remote_urls) c.limits.allow_remote_urls = false;
  if (c.limits.default_video_frames > c.limits.max_video_frames) {
    return invalid_argument("--video-frames ", c.limits.default_video_frames, " is above --max-video-frames ",
                            c.limits.max_video_frames);
  }
  if (c.model_name.empty()) {
    std::filesystem::path p(c.engine.model_dir);
    c.model_name = (p.has_filename() ? p.filename() : p.parent_path().filename()).string();
    if (c.model_name.empty()) c.model_name = "internvl";
  }
  return c;
}

}  // namespace internvl::server
