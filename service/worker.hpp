// Workers: threads that claim jobs from the store, evaluate them with the compiler's server
// API (compiler/server.hpp) and record the result. Used by `lutfhe serve` (in-process workers)
// and by `lutfhe worker` (a process on another machine, PostgreSQL queue).
//
// A job's life on a worker: claim (lease, attempt n) → heartbeats renew the lease and report
// progress while it runs → the result is written atomically to result-<n>.ct → complete_job
// succeeds only if attempt n still holds the job, so a job is completed exactly once even when
// a worker that lost its lease finishes late (its file is then removed). Evaluation is
// deterministic, so every attempt computes the same bytes.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "service/job_events.hpp"
#include "service/job_store.hpp"
#include "service/key_cache.hpp"
#include "service/metrics.hpp"
#include "service/model_registry.hpp"
#include "service/uploads.hpp"

namespace lutfhe::service {

struct WorkerOptions {
  int workers = 1;          // threads claiming jobs
  int threads_per_job = 0;  // OpenMP threads for one job; 0: all cores
  double lease_seconds = 30;
  double poll_seconds = 0.5;  // idle wait between claims when nothing wakes the pool
  std::string name;           // worker id prefix; default host:pid
  bool log = false;           // one stderr line per claim and per outcome (ids only)
};

class WorkerPool {
 public:
  // `events` (may be null) is told of progress and outcomes, for requests that wait on a job.
  WorkerPool(JobStore& store, const ModelRegistry& models, const DataFolder& folder, KeyCache& keys,
             Metrics& metrics, WorkerOptions options, JobEvents* events = nullptr);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void start();
  // Stops claiming; jobs in progress run to their end first.
  void stop();
  // A job was queued: an idle worker claims it now rather than after its poll interval.
  void wake();
  int threads_per_job() const;

 private:
  void run(int index);
  void process(const JobRecord& job, const std::string& worker);

  JobStore& store_;
  const ModelRegistry& models_;
  const DataFolder& folder_;
  KeyCache& keys_;
  Metrics& metrics_;
  WorkerOptions options_;
  JobEvents* events_;
  std::vector<std::thread> threads_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::uint64_t wakeups_ = 0;
  std::atomic<bool> stopping_{false};
};

}  // namespace lutfhe::service
