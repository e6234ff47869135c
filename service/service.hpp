// The service as one object: the job store, the served models, the data folder, the key cache,
// the metrics, the in-process workers, a cleaner for retention and the HTTP server. `lutfhe
// serve` makes one and runs it; the demo makes one on a random port; tests start the program.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "service/job_events.hpp"
#include "service/job_store.hpp"
#include "service/key_cache.hpp"
#include "service/metrics.hpp"
#include "service/model_registry.hpp"
#include "service/uploads.hpp"
#include "service/worker.hpp"

namespace lutfhe::service {

struct ServiceOptions {
  std::string data_dir = "lutfhe-service";
  std::string queue;  // empty: SQLite in data_dir; or postgresql://…
  std::string host = "127.0.0.1";
  int port = 8080;       // 0: any free port (see HttpServer::port)
  std::string tls_cert;  // both set: HTTPS (OpenSSL)
  std::string tls_key;
  int http_threads = 16;  // at most half of them wait on jobs (?wait=S)
  WorkerOptions workers;  // workers.workers = 0: HTTP only (separate `lutfhe worker`s)
  std::uint64_t key_cache_bytes = 4ull << 30;
  std::uint64_t max_key_bytes = 2ull << 30;
  std::uint64_t max_input_bytes = 256ull << 20;
  std::uint64_t max_samples = 100000;
  std::uint64_t max_active_jobs_per_client = 64;
  double request_seconds = 600;      // a whole upload must arrive within this
  double read_timeout_seconds = 10;  // silence on a connection before it is dropped
  double job_retention_seconds = 24 * 3600;
  double key_retention_seconds = 7 * 24 * 3600;
  double cleanup_interval_seconds = 60;
  bool log_requests = false;  // method, path, status: never bodies or tokens
};

// What a route handler may use (STYLE.md lesson 15: handlers parse, authorise, call the store
// or the compiler's API, answer).
struct ServiceContext {
  const ServiceOptions& options;
  JobStore& store;
  const ModelRegistry& models;
  const DataFolder& folder;
  KeyCache& keys;
  Metrics& metrics;
  JobEvents& events;
  WorkerPool* workers;  // null when this process runs no worker
};

// Removes what retention no longer keeps: finished jobs, jobs never given an input, unused
// keys, abandoned uploads. Returns the number of jobs and keys removed.
std::size_t clean_up_once(ServiceContext& ctx);

}  // namespace lutfhe::service
