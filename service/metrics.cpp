#include "service/metrics.hpp"

#include <sstream>

namespace lutfhe::service {

void Metrics::count_response(int status) {
  const int cls = status / 100;
  if (cls >= 0 && cls < 6) ++responses_[cls];
}

void Metrics::count_evaluation(std::uint64_t bootstraps, double seconds, bool ok) {
  bootstraps_ += bootstraps;
  ++(ok ? jobs_completed_ : jobs_failed_);
  std::lock_guard lock(mutex_);
  evaluation_seconds_ += seconds;
}

std::string Metrics::prometheus_text(const StoreCounts& store, const KeyCacheStats& keys) const {
  std::ostringstream o;
  const auto metric = [&](const char* name, const char* type, const char* help) {
    o << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n';
  };
  metric("lutfhe_queue_depth", "gauge", "Jobs waiting for a worker (queued).");
  o << "lutfhe_queue_depth " << store.by_state[static_cast<int>(JobState::kQueued)] << '\n';
  metric("lutfhe_jobs", "gauge", "Jobs in the store by state.");
  for (JobState s : {JobState::kCreated, JobState::kQueued, JobState::kRunning, JobState::kDone,
                     JobState::kFailed}) {
    o << "lutfhe_jobs{state=\"" << state_name(s) << "\"} " << store.by_state[static_cast<int>(s)]
      << '\n';
  }
  metric("lutfhe_keys_stored", "gauge", "Evaluation keys in the store.");
  o << "lutfhe_keys_stored " << store.keys << '\n';
  metric("lutfhe_store_bootstraps_total", "counter",
         "Bootstraps of all completed jobs, all workers.");
  o << "lutfhe_store_bootstraps_total " << store.bootstraps << '\n';
  metric("lutfhe_bootstraps_total", "counter", "Bootstraps evaluated by this process.");
  o << "lutfhe_bootstraps_total " << bootstraps_.load() << '\n';
  double seconds = 0;
  {
    std::lock_guard lock(mutex_);
    seconds = evaluation_seconds_;
  }
  metric("lutfhe_evaluation_seconds_total", "counter", "Time this process spent evaluating jobs.");
  o << "lutfhe_evaluation_seconds_total " << seconds << '\n';
  metric("lutfhe_bootstraps_per_second", "gauge",
         "Bootstraps per second of evaluation in this process (busy throughput).");
  o << "lutfhe_bootstraps_per_second "
    << (seconds > 0 ? static_cast<double>(bootstraps_.load()) / seconds : 0.0) << '\n';
  metric("lutfhe_worker_jobs_total", "counter", "Jobs this process finished, by outcome.");
  o << "lutfhe_worker_jobs_total{outcome=\"done\"} " << jobs_completed_.load() << '\n';
  o << "lutfhe_worker_jobs_total{outcome=\"failed\"} " << jobs_failed_.load() << '\n';
  metric("lutfhe_upload_bytes_total", "counter", "Bytes of keys and inputs received.");
  o << "lutfhe_upload_bytes_total " << upload_bytes_.load() << '\n';
  metric("lutfhe_key_cache_bytes", "gauge", "Memory held by prepared evaluation keys.");
  o << "lutfhe_key_cache_bytes " << keys.bytes << '\n';
  metric("lutfhe_key_cache_budget_bytes", "gauge", "Memory budget of the key cache.");
  o << "lutfhe_key_cache_budget_bytes " << keys.budget << '\n';
  metric("lutfhe_key_cache_entries", "gauge", "Prepared evaluation keys in memory.");
  o << "lutfhe_key_cache_entries " << keys.entries << '\n';
  metric("lutfhe_key_cache_requests_total", "counter", "Key cache look-ups by result.");
  o << "lutfhe_key_cache_requests_total{result=\"hit\"} " << keys.hits << '\n';
  o << "lutfhe_key_cache_requests_total{result=\"miss\"} " << keys.misses << '\n';
  metric("lutfhe_key_cache_evictions_total", "counter", "Keys evicted to stay in budget.");
  o << "lutfhe_key_cache_evictions_total " << keys.evictions << '\n';
  metric("lutfhe_http_responses_total", "counter", "HTTP answers by status class.");
  for (int c = 1; c < 6; ++c) {
    o << "lutfhe_http_responses_total{class=\"" << c << "xx\"} " << responses_[c].load() << '\n';
  }
  return o.str();
}

}  // namespace lutfhe::service
