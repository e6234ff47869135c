#include "service/worker.hpp"

#include <omp.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <iostream>
#include <optional>
#include <utility>
#include <vector>

#include "compiler/server.hpp"
#include "core/ciphertext_files.hpp"
#include "core/errors.hpp"
#include "models/training_server.hpp"
#include "service/uploads.hpp"

namespace lutfhe::service {
namespace {

std::string default_worker_name() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return std::string(host[0] ? host : "worker") + ":" + std::to_string(getpid());
}

std::string one_line(std::string s) {
  for (char& c : s) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  return s;
}

// Renews a job's lease and reports progress while the job runs, from its own thread.
class Heartbeat {
 public:
  Heartbeat(JobStore& store, const JobRecord& job, const std::string& worker, double lease)
      : thread_([this, &store, job, worker, lease] {
          const auto period = std::chrono::duration<double>(std::min(lease / 3.0, 1.0));
          std::unique_lock lock(mutex_);
          while (!stop_) {
            if (wake_.wait_for(lock, period, [&] { return stop_; })) break;
            lock.unlock();
            try {
              if (!store.heartbeat(job.id, worker, job.attempt, lease, done.load())) lost = true;
            } catch (const std::exception&) {
              // The store is unreachable for now; the lease may lapse and another worker
              // take over, in which case complete_job will refuse this attempt.
            }
            lock.lock();
          }
        }) {}
  ~Heartbeat() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }
  std::atomic<std::uint64_t> done{0};
  std::atomic<bool> lost{false};

 private:
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

using Progress = std::function<void(std::size_t)>;

// From the input file to the result file a chunk of samples at a time: a job's memory does not
// grow with its size (a seeded input of 8 bytes per ciphertext would otherwise expand to
// 8·(k·N + 1) bytes per ciphertext all at once — 25 GB for 2,000 MNIST digits).
void evaluate(const Model& model, const ServerKey& key, const std::filesystem::path& input,
              const std::filesystem::path& result, int threads, const Progress& progress,
              std::uint64_t& bootstraps) {
  compiler::CircuitServer server(model.circuit, key, threads);
  server.evaluate_file(input, result, 0, [&](std::size_t done, std::size_t) { progress(done); });
  bootstraps = server.stats().bootstraps;
}

// A training job's encrypted weights after its latest step, in its folder
// (jobs/<id>/checkpoint-<steps done>.ct, written atomically, the previous one removed), so that
// an attempt taken over after a crash or restart resumes there. They are ciphertexts under the
// client's key like the result; deleting the job deletes them.
class TrainingCheckpoints {
 public:
  TrainingCheckpoints(const DataFolder& folder, std::string job_id)
      : folder_(folder), job_(std::move(job_id)) {}

  // The latest checkpoint that loads and fits (same key and parameters as the batches, as
  // many weights as the step takes): (steps done, weights); (0, nothing) when there is none.
  std::pair<std::size_t, std::optional<CiphertextBatch>> latest(
      const models::TrainingServer& server, const CiphertextBatchInfo& batches,
      std::size_t steps) const {
    std::error_code ec;
    std::vector<std::size_t> found;
    for (const auto& entry :
         std::filesystem::directory_iterator(folder_.absolute("jobs/" + job_), ec)) {
      const std::string name = entry.path().filename().string();
      std::size_t step = 0;
      if (std::sscanf(name.c_str(), "checkpoint-%zu.ct", &step) == 1 && step >= 1 &&
          step <= steps && name == "checkpoint-" + std::to_string(step) + ".ct") {
        found.push_back(step);
      }
    }
    std::sort(found.rbegin(), found.rend());
    for (const std::size_t step : found) {
      try {
        CiphertextBatch w =
            load_ciphertexts(folder_.absolute(DataFolder::checkpoint_path(job_, step)));
        if (w.key_id == batches.key_id && w.params.version == batches.params.version &&
            w.ciphertexts.size() == server.weights()) {
          return {step, std::move(w)};
        }
      } catch (const Error&) {
        // Unreadable (removed by another attempt meanwhile, or damaged): try an older one.
      }
    }
    return {0, std::nullopt};
  }

  void save(std::size_t step, const CiphertextBatch& weights) {
    save_ciphertexts(folder_.absolute(DataFolder::checkpoint_path(job_, step)), weights, false);
    if (step > 1) folder_.remove(DataFolder::checkpoint_path(job_, step - 1));
  }

  void clear() {
    std::error_code ec;
    for (const auto& entry :
         std::filesystem::directory_iterator(folder_.absolute("jobs/" + job_), ec)) {
      if (entry.path().filename().string().rfind("checkpoint-", 0) == 0) {
        std::filesystem::remove(entry.path(), ec);
      }
    }
  }

 private:
  const DataFolder& folder_;
  std::string job_;
};

// A training job: one step per batch from the initial weights, the encrypted weights carried
// from step to step; progress counts steps. After each step but the last the weights are
// checkpointed, and an attempt that finds a checkpoint resumes after it (the steps are
// deterministic, so the result is the same bytes as without the interruption). The input is
// read one step at a time (as evaluation jobs are, a chunk of samples at a time): memory does
// not grow with the number of steps.
CiphertextBatch train(const Model& model, const ServerKey& key, const std::filesystem::path& input,
                      int threads, const Progress& progress, std::uint64_t& bootstraps,
                      TrainingCheckpoints& checkpoints, std::size_t& resumed_at) {
  models::TrainingServer server(model.circuit, key, threads);
  const CiphertextBatchInfo info = read_ciphertexts_info(input);
  require_same_key(input, info.params, info.key_id, key.parameters(), key.key_id());
  const std::size_t steps = server.steps_in_job(info.count);
  auto [done, saved] = checkpoints.latest(server, info, steps);
  resumed_at = done;
  CiphertextBatch weights =
      saved ? std::move(*saved)
            : CiphertextBatch{info.params, info.key_id, info.encoding, {}, std::nullopt};
  if (saved) progress(done);
  // One ciphertext at a time: the initial weights (unless resumed), then one step's worth.
  CiphertextBatch batch{info.params, info.key_id, info.encoding, {}, std::nullopt};
  std::size_t read = 0;
  std::size_t step = 0;  // the step being read
  read_ciphertexts_in_chunks(input, 1,
                             [&](const CiphertextBatchInfo&, std::vector<LweCiphertext>&& one) {
                               if (read++ < server.weights()) {
                                 if (done == 0) weights.ciphertexts.push_back(std::move(one.at(0)));
                                 return;
                               }
                               if (step >= done) batch.ciphertexts.push_back(std::move(one.at(0)));
                               if ((read - server.weights()) % server.step_values() != 0) return;
                               if (step >= done) {
                                 weights = server.step(batch, 0, weights);
                                 bootstraps = server.bootstraps();
                                 if (step + 1 < steps) checkpoints.save(step + 1, weights);
                                 progress(step + 1);
                                 batch.ciphertexts.clear();
                               }
                               ++step;
                             });
  return weights;
}

}  // namespace

WorkerPool::WorkerPool(JobStore& store, const ModelRegistry& models, const DataFolder& folder,
                       KeyCache& keys, Metrics& metrics, WorkerOptions options, JobEvents* events)
    : store_(store),
      models_(models),
      folder_(folder),
      keys_(keys),
      metrics_(metrics),
      options_(std::move(options)),
      events_(events) {
  if (options_.name.empty()) options_.name = default_worker_name();
}

WorkerPool::~WorkerPool() {
  stop();
}

int WorkerPool::threads_per_job() const {
  return options_.threads_per_job > 0 ? options_.threads_per_job : omp_get_max_threads();
}

void WorkerPool::start() {
  for (int i = 0; i < options_.workers; ++i) threads_.emplace_back([this, i] { run(i); });
}

void WorkerPool::stop() {
  stopping_ = true;
  wake();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

void WorkerPool::wake() {
  {
    std::lock_guard lock(mutex_);
    ++wakeups_;
  }
  wake_.notify_all();
}

void WorkerPool::run(int index) {
  const std::string worker = options_.name + "/" + std::to_string(index);
  const auto poll = std::chrono::duration<double>(options_.poll_seconds);
  while (!stopping_) {
    std::uint64_t seen;
    {
      std::lock_guard lock(mutex_);
      seen = wakeups_;
    }
    std::optional<JobRecord> job;
    try {
      job = store_.claim_job(worker, options_.lease_seconds);
    } catch (const std::exception& e) {
      std::cerr << "lutfhe worker: cannot claim a job: " << one_line(e.what()) << "\n";
    }
    if (job) {
      process(*job, worker);
      continue;
    }
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, poll, [&] { return stopping_ || wakeups_ != seen; });
  }
}

void WorkerPool::process(const JobRecord& job, const std::string& worker) {
  const auto start = std::chrono::steady_clock::now();
  if (options_.log) {
    std::cerr << "lutfhe worker " << worker << ": job " << job.id << " claimed (attempt "
              << job.attempt << ", " << job.samples << " samples)\n";
  }
  Heartbeat heartbeat(store_, job, worker, options_.lease_seconds);
  std::string error;
  std::uint64_t bootstraps = 0;
  bool completed = false;
  const std::string result = DataFolder::result_path(job.id, job.attempt);
  try {
    const auto model = models_.find(job.model);
    if (!model) throw InvalidArgument("model " + job.model + " is no longer served");
    const auto key = keys_.get(folder_.absolute(DataFolder::key_path(job.client, job.key_id)));
    const auto progress = [&](std::size_t done) {
      heartbeat.done = done;
      if (events_) events_->notify();
    };
    TrainingCheckpoints checkpoints(folder_, job.id);
    std::size_t resumed_at = 0;
    if (model->training) {
      const CiphertextBatch output =
          train(*model, *key, folder_.absolute(job.input_path), threads_per_job(), progress,
                bootstraps, checkpoints, resumed_at);
      save_ciphertexts(folder_.absolute(result), output, false);
    } else {
      evaluate(*model, *key, folder_.absolute(job.input_path), folder_.absolute(result),
               threads_per_job(), progress, bootstraps);
    }
    if (options_.log && resumed_at > 0) {
      std::cerr << "lutfhe worker " << worker << ": job " << job.id
                << " resumed from its checkpoint after step " << resumed_at << "\n";
    }
    completed = store_.complete_job(job.id, worker, job.attempt, result, bootstraps);
    if (completed && model->training) checkpoints.clear();
    if (!completed) folder_.remove(result);  // another attempt owns the job now, or it was deleted
  } catch (const Error& e) {
    error = one_line(e.what());
    for (std::size_t at; (at = error.find(folder_.root().string() + "/")) != std::string::npos;) {
      error.erase(at, folder_.root().string().size() + 1);
    }
  } catch (const std::bad_alloc&) {
    error = "out of memory while evaluating";
  } catch (const std::exception& e) {
    error = "internal error: " + one_line(e.what());
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!error.empty()) {
    try {
      store_.fail_job(job.id, worker, job.attempt, error);
    } catch (const std::exception& e) {
      std::cerr << "lutfhe worker: cannot record a failed job: " << one_line(e.what()) << "\n";
    }
  }
  metrics_.count_evaluation(bootstraps, seconds, error.empty() && completed);
  if (events_) events_->notify();
  if (options_.log) {
    std::cerr << "lutfhe worker " << worker << ": job " << job.id << " "
              << (!error.empty() ? "failed: " + error
                  : completed    ? std::string("done")
                                 : std::string("lost (taken over or deleted)"))
              << " after " << seconds << " s\n";
  }
}

}  // namespace lutfhe::service
