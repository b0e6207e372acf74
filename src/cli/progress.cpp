#include "cli/progress.h"

#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace internvl::cli {

namespace {
constexpr int kBarWidth = 24;
constexpr auto kTick = std::chrono::milliseconds(100);

// INTERNVL_PROGRESS_DELAY_MS replaces every step's delay (0: draw at once; a slow terminal
// session may want it, and the tests use it to see the line on fast machines).
int delay_from_env(int fallback) {
  const char* text = std::getenv("INTERNVL_PROGRESS_DELAY_MS");
  if (text == nullptr) return fallback;
  int value = 0;
  const char* end = text + std::strlen(text);
  auto [p, ec] = std::from_chars(text, end, value);
  return ec == std::errc() && p == end && value >= 0 ? value : fallback;
}

}  // namespace

Progress::Progress(bool enabled, std::string label, int delay_ms)
    : enabled_(enabled), delay_ms_(delay_from_env(delay_ms)), label_(std::move(label)) {
  if (enabled_) thread_ = std::thread([this] { loop(); });
}

Progress::~Progress() { finish(); }

void Progress::set(double fraction, std::string note) {
  std::lock_guard<std::mutex> lock(mu_);
  fraction_ = fraction < 0 ? 0 : fraction > 1 ? 1 : fraction;
  note_ = std::move(note);
}

void Progress::set_label(std::string label) {
  std::lock_guard<std::mutex> lock(mu_);
  label_ = std::move(label);
}

void Progress::finish() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (done_) return;
    done_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Progress::loop() {
  const auto start = std::chrono::steady_clock::now();
  int tick = 0;
  std::unique_lock<std::mutex> lock(mu_);
  if (delay_ms_ == 0) draw(0, tick++);
  while (!cv_.wait_for(lock, kTick, [this] { return done_; })) {
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (elapsed * 1000 < delay_ms_) continue;
    draw(elapsed, tick++);
  }
  if (drawn_) {
    std::fputs("\r\033[2K", stderr);  // erase the line
    std::fflush(stderr);
  }
}

// Called with mu_ held.
void Progress::draw(double elapsed_s, int tick) {
  char bar[kBarWidth + 1];
  if (fraction_ >= 0) {
    const int filled = static_cast<int>(fraction_ * kBarWidth + 0.5);
    for (int i = 0; i < kBarWidth; ++i) bar[i] = i < filled ? '#' : '.';
  } else {
    // An activity bar: a block of 6 bouncing between the ends.
    const int span = kBarWidth - 6;
    const int pos = tick % (2 * span);
    const int at = pos < span ? pos : 2 * span - pos;
    for (int i = 0; i < kBarWidth; ++i) bar[i] = (i >= at && i < at + 6) ? '=' : ' ';
  }
  bar[kBarWidth] = '\0';
  std::fprintf(stderr, "\r\033[2K%s [%s] %s%s%.1f s", label_.c_str(), bar, note_.c_str(), note_.empty() ? "" : "  ",
               elapsed_s);
  std::fflush(stderr);
  drawn_ = true;
}

}  // namespace internvl::cli
