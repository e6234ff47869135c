// What `GET /v1/metrics` reports, in Prometheus' text format: this process's counters (HTTP
// answers, bootstraps, evaluation time, uploads) plus the store's job counts (queue depth, jobs
// by state) and the key cache. Counters are atomics; nothing here blocks a request.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>

#include "service/job_store.hpp"
#include "service/key_cache.hpp"

namespace lutfhe::service {

class Metrics {
 public:
  void count_response(int status);
  void count_evaluation(std::uint64_t bootstraps, double seconds, bool ok);
  void count_upload(std::uint64_t bytes) { upload_bytes_ += bytes; }

  std::string prometheus_text(const StoreCounts& store, const KeyCacheStats& keys) const;

 private:
  std::atomic<std::uint64_t> responses_[6] = {};  // by status class 0xx..5xx
  std::atomic<std::uint64_t> bootstraps_{0};
  std::atomic<std::uint64_t> jobs_completed_{0};
  std::atomic<std::uint64_t> jobs_failed_{0};
  std::atomic<std::uint64_t> upload_bytes_{0};
  mutable std::mutex mutex_;
  double evaluation_seconds_ = 0;
};

}  // namespace lutfhe::service
