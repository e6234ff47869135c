// OpenMP loops that carry exceptions out. An exception must not leave an OpenMP region (the
// program would terminate), so each of these keeps the first one thrown, lets the other
// iterations finish, and rethrows it after the region.
//
//   parallel_for(count, threads, [&](std::size_t i) { ... });
//   parallel_for(count, threads, [&] { return key.make_scratch(); },       // per-thread state
//                [&](std::size_t i, Scratch& scratch) { ... });
//   parallel_region(threads, [&](int thread, int team) { ... });          // one call per thread
//
// `threads` ≤ 0 means OpenMP's default (OMP_NUM_THREADS or the core count). Iterations are handed
// out dynamically one at a time, which suits the millisecond-scale bootstraps they carry.
#pragma once

#include <omp.h>

#include <cstddef>
#include <exception>
#include <mutex>
#include <optional>
#include <string>

#include "core/errors.hpp"

namespace lutfhe {

// The most threads any lutfhe loop or command accepts (OpenMP itself fails far above it).
inline constexpr int kMaxThreads = 4096;

// The team size `threads` asks for (≤ 0: OpenMP's default). InvalidArgument above kMaxThreads.
inline int resolve_threads(int threads) {
  if (threads > kMaxThreads) {
    throw InvalidArgument("thread count " + std::to_string(threads) + " is above the limit of " +
                          std::to_string(kMaxThreads));
  }
  return threads > 0 ? threads : omp_get_max_threads();
}

// Keeps the first exception of a parallel region.
class FirstException {
 public:
  template <class F>
  void run(F&& f) noexcept {
    try {
      f();
    } catch (...) {
      std::lock_guard lock(mutex_);
      if (!failure_) failure_ = std::current_exception();
    }
  }
  void rethrow() const {
    if (failure_) std::rethrow_exception(failure_);
  }

 private:
  std::mutex mutex_;
  std::exception_ptr failure_;
};

template <class Body>
void parallel_region(int threads, Body&& body) {
  FirstException failure;
#pragma omp parallel num_threads(resolve_threads(threads))
  failure.run([&] { body(omp_get_thread_num(), omp_get_num_threads()); });
  failure.rethrow();
}

template <class MakeState, class Body>
void parallel_for(std::size_t count, int threads, MakeState&& make_state, Body&& body) {
  using State = decltype(make_state());
  FirstException failure;
  const auto n = static_cast<std::ptrdiff_t>(count);
#pragma omp parallel num_threads(resolve_threads(threads))
  {
    // Every thread must reach the worksharing loop, so a thread whose state could not be made
    // still takes part and skips its iterations (the failure is rethrown below).
    std::optional<State> state;
    failure.run([&] { state.emplace(make_state()); });
#pragma omp for schedule(dynamic, 1)
    for (std::ptrdiff_t i = 0; i < n; ++i) {
      if (state) failure.run([&] { body(static_cast<std::size_t>(i), *state); });
    }
  }
  failure.rethrow();
}

template <class Body>
void parallel_for(std::size_t count, int threads, Body&& body) {
  parallel_for(
      count, threads, [] { return 0; }, [&](std::size_t i, int) { body(i); });
}

}  // namespace lutfhe
