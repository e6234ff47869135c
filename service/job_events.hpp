// Wakes requests that wait for a job (GET /v1/jobs/{id}?wait=S) when a worker of this process
// reports progress or finishes a job, so a client learns of its result within milliseconds
// without polling. Jobs finished by workers in other processes (PostgreSQL) are seen by the
// waiters' periodic look at the store instead.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace lutfhe::service {

class JobEvents {
 public:
  explicit JobEvents(int max_waiters) : max_waiters_(max_waiters) {}

  // Something about a job changed (progress, state).
  void notify();
  std::uint64_t generation() const;
  // Waits until notify() has been called since generation `seen`, or `timeout` passes.
  std::uint64_t wait(std::uint64_t seen, std::chrono::milliseconds timeout);

  // A waiting request holds an HTTP thread: at most `max_waiters` wait at once, the others are
  // answered at once. try_enter() is false when the limit is reached.
  bool try_enter();
  void leave();

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::uint64_t generation_ = 0;
  int waiters_ = 0;
  int max_waiters_;
};

}  // namespace lutfhe::service
