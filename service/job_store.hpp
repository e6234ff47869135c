// The one place the service keeps state (STYLE.md lesson 16): clients, evaluation keys and
// jobs are rows; the bytes they refer to (keys, inputs, results) are files under the data
// folder (service/uploads.hpp), written completely and renamed before the row that names them
// commits. A process can die at any line: a restart finds every job created, queued, running
// (under a lease that expires) or finished, never half-written.
//
// Two implementations behind one interface: SQLite in WAL mode (sqlite_job_store.hpp, the
// default: one process, nothing else to run) and PostgreSQL (postgres_job_store.hpp: workers
// on other machines claim jobs with FOR UPDATE SKIP LOCKED). Times are seconds since the Unix
// epoch, taken from the store's own clock so that leases mean the same on every machine.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace lutfhe::service {

enum class JobState { kCreated, kQueued, kRunning, kDone, kFailed };
const char* state_name(JobState s);
std::optional<JobState> parse_state(const std::string& name);

struct ClientRecord {
  std::int64_t id = 0;
  std::string name;
};

struct KeyRecord {
  std::int64_t client = 0;
  std::string key_id;       // 32 hex digits, the file's key id
  std::string fingerprint;  // hex parameter fingerprint
  std::string params_name;
  std::string path;  // relative to the data folder
  std::uint64_t bytes = 0;
  double created_at = 0;
  double used_at = 0;
};

struct JobRecord {
  std::string id;  // 32 hex digits
  std::int64_t client = 0;
  std::string model;
  std::string key_id;
  std::string idempotency_key;  // empty: none
  JobState state = JobState::kCreated;
  std::uint64_t samples = 0;       // known once the input is stored
  std::uint64_t samples_done = 0;  // progress reported by the worker
  double estimate_seconds = 0;     // cost model, for the ETA before progress arrives
  std::string input_path;          // relative to the data folder
  std::string result_path;
  std::string error;   // kFailed: one line
  std::string worker;  // kRunning: who holds the lease
  std::int64_t attempt = 0;
  double lease_until = 0;
  double created_at = 0;
  double started_at = 0;
  double finished_at = 0;
};

struct StoreCounts {
  std::uint64_t by_state[5] = {};  // indexed by JobState
  std::uint64_t keys = 0;
  std::uint64_t clients = 0;
  std::uint64_t bootstraps = 0;  // completed jobs' bootstraps, all time
};

class JobStore {
 public:
  virtual ~JobStore() = default;

  // ---- clients (tokens are stored as digests only, service/ids.hpp)
  virtual ClientRecord add_client(const std::string& name, const std::string& token_digest) = 0;
  virtual std::optional<ClientRecord> client_by_token(const std::string& token_digest) = 0;
  virtual std::vector<ClientRecord> list_clients() = 0;
  // Revokes a client's token: the row goes, so the token no longer authenticates. Its keys and
  // jobs stay until retention removes them. False if there is no such client.
  virtual bool remove_client(const std::string& name) = 0;

  // ---- evaluation keys, one per (client, key id)
  // Inserts unless the client already has this key id; returns the stored record either way
  // and whether this call inserted it.
  virtual std::pair<KeyRecord, bool> put_key(const KeyRecord& key) = 0;
  virtual std::optional<KeyRecord> find_key(std::int64_t client, const std::string& key_id) = 0;
  virtual void touch_key(std::int64_t client, const std::string& key_id) = 0;
  // Removes the row and returns it (its file is the caller's to delete); nullopt if none.
  virtual std::optional<KeyRecord> delete_key(std::int64_t client, const std::string& key_id) = 0;
  // Keys unused since `before` with no job created, queued or running.
  virtual std::vector<KeyRecord> stale_keys(double before) = 0;
  // Whether any client still has a row naming this file (keys are stored once per key id).
  virtual bool key_path_in_use(const std::string& path) = 0;

  // ---- jobs
  // Creates a job in kCreated, or returns the client's existing job with the same non-empty
  // idempotency key (second: false).
  virtual std::pair<JobRecord, bool> create_job(const JobRecord& job) = 0;
  virtual std::optional<JobRecord> find_job(std::int64_t client, const std::string& id) = 0;
  virtual std::vector<JobRecord> list_jobs(std::int64_t client, std::size_t limit) = 0;
  // kCreated → kQueued with its input; false if the job is no longer kCreated.
  virtual bool queue_job(const std::string& id, const std::string& input_path,
                         std::uint64_t samples, double estimate_seconds) = 0;
  virtual std::optional<JobRecord> delete_job(std::int64_t client, const std::string& id) = 0;

  // ---- workers
  // Claims the next job: queued, or running under an expired lease. Fair across clients: the
  // client served least recently goes first, then the oldest job. Sets the lease to now +
  // lease_seconds and increments the attempt.
  virtual std::optional<JobRecord> claim_job(const std::string& worker, double lease_seconds) = 0;
  // Extends the lease and records progress; false if the job is no longer ours (lease lost,
  // deleted).
  virtual bool heartbeat(const std::string& id, const std::string& worker, std::int64_t attempt,
                         double lease_seconds, std::uint64_t samples_done) = 0;
  // kRunning → kDone exactly once: only the holder of the current attempt succeeds.
  virtual bool complete_job(const std::string& id, const std::string& worker, std::int64_t attempt,
                            const std::string& result_path, std::uint64_t bootstraps) = 0;
  virtual bool fail_job(const std::string& id, const std::string& worker, std::int64_t attempt,
                        const std::string& error) = 0;
  // After a crash of the only process that works on this store: running jobs go back to the
  // queue at once instead of waiting for their leases (SQLite; a shared PostgreSQL queue
  // relies on leases).
  virtual std::size_t requeue_running() = 0;

  // ---- retention
  // Finished jobs older than `before`, and created jobs never given an input since `before`.
  virtual std::vector<JobRecord> expired_jobs(double finished_before, double created_before) = 0;

  virtual StoreCounts counts() = 0;
  virtual double now() = 0;
};

// Opens the store a --queue value names: empty or "sqlite" → SQLite at data/service.db;
// "postgresql://…" or "postgres://…" → PostgreSQL.
std::unique_ptr<JobStore> open_job_store(const std::string& queue, const std::string& data_dir);

}  // namespace lutfhe::service
