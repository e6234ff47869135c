#include "service/job_events.hpp"

namespace lutfhe::service {

void JobEvents::notify() {
  {
    std::lock_guard lock(mutex_);
    ++generation_;
  }
  changed_.notify_all();
}

std::uint64_t JobEvents::generation() const {
  std::lock_guard lock(mutex_);
  return generation_;
}

std::uint64_t JobEvents::wait(std::uint64_t seen, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, timeout, [&] { return generation_ != seen; });
  return generation_;
}

bool JobEvents::try_enter() {
  std::lock_guard lock(mutex_);
  if (waiters_ >= max_waiters_) return false;
  ++waiters_;
  return true;
}

void JobEvents::leave() {
  std::lock_guard lock(mutex_);
  --waiters_;
}

}  // namespace lutfhe::service
