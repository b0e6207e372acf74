#include "server/serve_command.h"

#include <pthread.h>

#include <csignal>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "core/log.h"
#include "server/http_server.h"
#include "server/serve_options.h"

namespace internvl::server {

int serve_main(int argc, char** argv) {
  std::vector<std::string> args(argv + (argc > 0 ? 1 : 0), argv + argc);
  bool help = false;
  auto config = parse_serve_args(args, &help);
  if (help) {
    std::fputs(serve_usage().c_str(), stdout);
    return 0;
  }
  if (!config.ok()) {
    std::fprintf(stderr, "internvl serve: %s\n", config.status().message().c_str());
    return 2;
  }
  // SIGINT/SIGTERM go to one thread that stops the server; block them in every other thread
  // (threads created from here on inherit the mask).
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  std::fprintf(stderr, "internvl serve: loading %s\n", config->engine.model_dir.c_str());
  auto engine = Engine::load(config->engine);
  if (!engine.ok()) {
    std::fprintf(stderr, "internvl serve: %s\n", engine.status().to_string().c_str());
    return 1;
  }
  const std::string host = config->host, name = config->model_name;
  HttpServer server(**engine, std::move(config).value());
  auto port = server.bind();
  if (!port.ok()) {
    std::fprintf(stderr, "internvl serve: %s\n", port.status().message().c_str());
    return 1;
  }
  std::thread signal_thread([&server, stop_signals] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    server.stop();
  });
  std::fprintf(stderr, "internvl serve: listening on http://%s:%d (model '%s')\n", host.c_str(), *port, name.c_str());
  std::fflush(stderr);
  const bool ok = server.run();
  server.stop();
  pthread_kill(signal_thread.native_handle(), SIGTERM);  // wakes sigwait if run() ended on its own
  signal_thread.join();
  std::fprintf(stderr, "internvl serve: stopped\n");
  return ok ? 0 : 1;
}

}  // namespace internvl::server

int serve_main(int argc, char** argv) { return internvl::server::serve_main(argc, argv); }
