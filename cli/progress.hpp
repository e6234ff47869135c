// A progress bar on stderr for long operations (key generation, loading a server key, batch
// bootstrapping). Drawn only when stderr is a terminal and --quiet was not given.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>

#include "core/progress.hpp"

namespace lutfhe::cli {

// True when a bar should be drawn: stderr is a terminal and the user did not ask for quiet.
bool progress_wanted(bool quiet);

class ProgressBar {
 public:
  // A disabled bar ignores every update.
  ProgressBar(std::string label, bool enabled);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  bool enabled() const { return enabled_; }
  // Redraws at most every 100 ms (and always at the end). Safe to call from several threads.
  void update(std::size_t done, std::size_t total);
  // Clears the bar's line so that later output starts on a clean line.
  void finish();
  // update() as an engine ProgressCallback; the bar must outlive it.
  ProgressCallback callback();

 private:
  void draw(std::size_t done, std::size_t total);

  std::string label_;
  bool enabled_;
  bool drawn_ = false;
  std::mutex mutex_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace lutfhe::cli
