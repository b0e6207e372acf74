// A progress line on stderr for slow steps (model loading, encoding many tiles, long prefills,
// batches), drawn only when stderr is a terminal: piped output never sees it.
//
// The engine reports no intermediate progress while it loads or prefills, so those steps show
// an activity bar with the elapsed time; steps with a known count (batch lines) show a filled bar.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace internvl::cli {

class Progress {
 public:
  /// Draws nothing unless `enabled` (use stderr_is_terminal()) and the step lasts longer than
  /// `delay_ms` (INTERNVL_PROGRESS_DELAY_MS overrides it), so quick steps leave no trace.
  Progress(bool enabled, std::string label, int delay_ms = 400);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  /// A known fraction done (0..1) with a short "3/10" style note; switches to a filled bar.
  void set(double fraction, std::string note);
  /// Changes the label ("prefilling ...").
  void set_label(std::string label);
  /// Erases the line and stops drawing (also done by the destructor). Idempotent.
  void finish();

 private:
  void loop();
  void draw(double elapsed_s, int tick);

  bool enabled_;
  int delay_ms_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::string label_, note_;
  double fraction_ = -1;  // < 0: unknown
  bool done_ = false;
  bool drawn_ = false;
  std::thread thread_;
};

}  // namespace internvl::cli
