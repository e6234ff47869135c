#include "service/postgres_job_store.hpp"

#include <libpq-fe.h>

#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/errors.hpp"

namespace lutfhe::service {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS clients(
  id BIGSERIAL PRIMARY KEY, name TEXT NOT NULL UNIQUE, token_digest TEXT NOT NULL UNIQUE,
  last_claim DOUBLE PRECISION NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS keys(
  client BIGINT NOT NULL, key_id TEXT NOT NULL, fingerprint TEXT NOT NULL,
  params_name TEXT NOT NULL, path TEXT NOT NULL, bytes BIGINT NOT NULL,
  created_at DOUBLE PRECISION NOT NULL, used_at DOUBLE PRECISION NOT NULL,
  PRIMARY KEY(client, key_id));
CREATE TABLE IF NOT EXISTS jobs(
  seq BIGSERIAL PRIMARY KEY, id TEXT NOT NULL UNIQUE, client BIGINT NOT NULL,
  model TEXT NOT NULL, key_id TEXT NOT NULL, idempotency_key TEXT NOT NULL,
  state INTEGER NOT NULL, samples BIGINT NOT NULL DEFAULT 0,
  samples_done BIGINT NOT NULL DEFAULT 0, estimate_seconds DOUBLE PRECISION NOT NULL DEFAULT 0,
  input_path TEXT NOT NULL DEFAULT '', result_path TEXT NOT NULL DEFAULT '',
  error TEXT NOT NULL DEFAULT '', worker TEXT NOT NULL DEFAULT '',
  attempt BIGINT NOT NULL DEFAULT 0, lease_until DOUBLE PRECISION NOT NULL DEFAULT 0,
  created_at DOUBLE PRECISION NOT NULL, started_at DOUBLE PRECISION NOT NULL DEFAULT 0,
  finished_at DOUBLE PRECISION NOT NULL DEFAULT 0, bootstraps BIGINT NOT NULL DEFAULT 0);
CREATE UNIQUE INDEX IF NOT EXISTS jobs_idempotency ON jobs(client, idempotency_key)
  WHERE idempotency_key <> '';
CREATE INDEX IF NOT EXISTS jobs_by_state ON jobs(state, seq);
CREATE TABLE IF NOT EXISTS totals(name TEXT PRIMARY KEY, value BIGINT NOT NULL);
INSERT INTO totals(name, value) VALUES ('bootstraps', 0) ON CONFLICT DO NOTHING;
)sql";

// The database's clock, so that leases agree between machines.
const std::string kNow = "extract(epoch from clock_timestamp())::double precision";
const std::string kJobColumns =
    "id, client, model, key_id, idempotency_key, state, samples, samples_done, "
    "estimate_seconds, input_path, result_path, error, worker, attempt, lease_until, "
    "created_at, started_at, finished_at";
const std::string kKeyColumns =
    "client, key_id, fingerprint, params_name, path, bytes, created_at, used_at";

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

std::string text(const Result& r, int row, int col) {
  return PQgetvalue(r.get(), row, col);
}
std::int64_t integer(const Result& r, int row, int col) {
  return std::strtoll(PQgetvalue(r.get(), row, col), nullptr, 10);
}
double real(const Result& r, int row, int col) {
  return std::strtod(PQgetvalue(r.get(), row, col), nullptr);
}

JobRecord read_job(const Result& r, int row, int c = 0) {
  JobRecord j;
  j.id = text(r, row, c + 0);
  j.client = integer(r, row, c + 1);
  j.model = text(r, row, c + 2);
  j.key_id = text(r, row, c + 3);
  j.idempotency_key = text(r, row, c + 4);
  j.state = static_cast<JobState>(integer(r, row, c + 5));
  j.samples = static_cast<std::uint64_t>(integer(r, row, c + 6));
  j.samples_done = static_cast<std::uint64_t>(integer(r, row, c + 7));
  j.estimate_seconds = real(r, row, c + 8);
  j.input_path = text(r, row, c + 9);
  j.result_path = text(r, row, c + 10);
  j.error = text(r, row, c + 11);
  j.worker = text(r, row, c + 12);
  j.attempt = integer(r, row, c + 13);
  j.lease_until = real(r, row, c + 14);
  j.created_at = real(r, row, c + 15);
  j.started_at = real(r, row, c + 16);
  j.finished_at = real(r, row, c + 17);
  return j;
}

KeyRecord read_key(const Result& r, int row) {
  KeyRecord k;
  k.client = integer(r, row, 0);
  k.key_id = text(r, row, 1);
  k.fingerprint = text(r, row, 2);
  k.params_name = text(r, row, 3);
  k.path = text(r, row, 4);
  k.bytes = static_cast<std::uint64_t>(integer(r, row, 5));
  k.created_at = real(r, row, 6);
  k.used_at = real(r, row, 7);
  return k;
}

std::string num(std::int64_t v) {
  return std::to_string(v);
}
std::string num(std::uint64_t v) {
  return std::to_string(v);
}
std::string num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

class PostgresJobStore final : public JobStore {
 public:
  explicit PostgresJobStore(const std::string& url) : url_(url) {
    connect();
    // Several processes may start at once: the schema is created under an advisory lock.
    query("SELECT pg_advisory_lock(7201)", {});
    try {
      exec_script(kSchema);
    } catch (...) {
      query("SELECT pg_advisory_unlock(7201)", {});
      throw;
    }
    query("SELECT pg_advisory_unlock(7201)", {});
  }
  ~PostgresJobStore() override { PQfinish(conn_); }

  ClientRecord add_client(const std::string& name, const std::string& digest) override {
    std::lock_guard lock(mutex_);
    Result r =
        run("INSERT INTO clients(name, token_digest) VALUES ($1, $2) "
            "ON CONFLICT DO NOTHING RETURNING id",
            {name, digest});
    if (PQntuples(r.get()) != 1) throw InvalidArgument("client " + name + " already exists");
    return {integer(r, 0, 0), name};
  }

  std::optional<ClientRecord> client_by_token(const std::string& digest) override {
    std::lock_guard lock(mutex_);
    Result r = run("SELECT id, name FROM clients WHERE token_digest = $1", {digest});
    if (PQntuples(r.get()) == 0) return std::nullopt;
    return ClientRecord{integer(r, 0, 0), text(r, 0, 1)};
  }

  std::vector<ClientRecord> list_clients() override {
    std::lock_guard lock(mutex_);
    Result r = run("SELECT id, name FROM clients ORDER BY id", {});
    std::vector<ClientRecord> out;
    for (int i = 0; i < PQntuples(r.get()); ++i) out.push_back({integer(r, i, 0), text(r, i, 1)});
    return out;
  }

  bool remove_client(const std::string& name) override {
    std::lock_guard lock(mutex_);
    return PQntuples(run("DELETE FROM clients WHERE name = $1 RETURNING id", {name}).get()) == 1;
  }

  std::pair<KeyRecord, bool> put_key(const KeyRecord& k) override {
    std::lock_guard lock(mutex_);
    Result ins = run("INSERT INTO keys(" + kKeyColumns + ") VALUES ($1, $2, $3, $4, $5, $6, " +
                         kNow + ", " + kNow + ") ON CONFLICT DO NOTHING RETURNING key_id",
                     {num(k.client), k.key_id, k.fingerprint, k.params_name, k.path, num(k.bytes)});
    const bool inserted = PQntuples(ins.get()) == 1;
    Result r = run("SELECT " + kKeyColumns + " FROM keys WHERE client = $1 AND key_id = $2",
                   {num(k.client), k.key_id});
    if (PQntuples(r.get()) != 1) throw Error("job store: key vanished while storing it");
    return {read_key(r, 0), inserted};
  }

  std::optional<KeyRecord> find_key(std::int64_t client, const std::string& key_id) override {
    std::lock_guard lock(mutex_);
    Result r = run("SELECT " + kKeyColumns + " FROM keys WHERE client = $1 AND key_id = $2",
                   {num(client), key_id});
    if (PQntuples(r.get()) == 0) return std::nullopt;
    return read_key(r, 0);
  }

  void touch_key(std::int64_t client, const std::string& key_id) override {
    std::lock_guard lock(mutex_);
    run("UPDATE keys SET used_at = " + kNow + " WHERE client = $1 AND key_id = $2",
        {num(client), key_id});
  }

  std::optional<KeyRecord> delete_key(std::int64_t client, const std::string& key_id) override {
    std::lock_guard lock(mutex_);
    Result r = run("DELETE FROM keys WHERE client = $1 AND key_id = $2 RETURNING " + kKeyColumns,
                   {num(client), key_id});
    if (PQntuples(r.get()) == 0) return std::nullopt;
    return read_key(r, 0);
  }

  std::vector<KeyRecord> stale_keys(double before) override {
    std::lock_guard lock(mutex_);
    Result r = run("SELECT " + kKeyColumns +
                       " FROM keys k WHERE used_at < $1 AND NOT EXISTS (SELECT 1 FROM jobs j "
                       "WHERE j.client = k.client AND j.key_id = k.key_id AND j.state < 3)",
                   {num(before)});
    std::vector<KeyRecord> out;
    for (int i = 0; i < PQntuples(r.get()); ++i) out.push_back(read_key(r, i));
    return out;
  }

  bool key_path_in_use(const std::string& path) override {
    std::lock_guard lock(mutex_);
    return PQntuples(run("SELECT 1 FROM keys WHERE path = $1 LIMIT 1", {path}).get()) > 0;
  }

  std::pair<JobRecord, bool> create_job(const JobRecord& j) override {
    std::lock_guard lock(mutex_);
    Result ins =
        run("INSERT INTO jobs(id, client, model, key_id, idempotency_key, state, "
            "created_at) VALUES ($1, $2, $3, $4, $5, 0, " +
                kNow + ") ON CONFLICT DO NOTHING RETURNING id",
            {j.id, num(j.client), j.model, j.key_id, j.idempotency_key});
    const bool inserted = PQntuples(ins.get()) == 1;
    Result r =
        inserted
            ? run("SELECT " + kJobColumns + " FROM jobs WHERE id = $1", {j.id})
            : run("SELECT " + kJobColumns + " FROM jobs WHERE client = $1 AND idempotency_key = $2",
                  {num(j.client), j.idempotency_key});
    if (PQntuples(r.get()) != 1) throw Error("job store: job vanished while creating it");
    return {read_job(r, 0), inserted};
  }

  std::optional<JobRecord> find_job(std::int64_t client, const std::string& id) override {
    std::lock_guard lock(mutex_);
    Result r = run("SELECT " + kJobColumns + " FROM jobs WHERE id = $1 AND client = $2",
                   {id, num(client)});
    if (PQntuples(r.get()) == 0) return std::nullopt;
    return read_job(r, 0);
  }

  std::vector<JobRecord> list_jobs(std::int64_t client, std::size_t limit) override {
    std::lock_guard lock(mutex_);
    Result r =
        run("SELECT " + kJobColumns + " FROM jobs WHERE client = $1 ORDER BY seq DESC LIMIT $2",
            {num(client), num(static_cast<std::uint64_t>(limit))});
    std::vector<JobRecord> out;
    for (int i = 0; i < PQntuples(r.get()); ++i) out.push_back(read_job(r, i));
    return out;
  }

  bool queue_job(const std::string& id, const std::string& input_path, std::uint64_t samples,
                 double estimate_seconds) override {
    std::lock_guard lock(mutex_);
    Result r =
        run("UPDATE jobs SET state = 1, input_path = $2, samples = $3, "
            "estimate_seconds = $4 WHERE id = $1 AND state = 0 RETURNING id",
            {id, input_path, num(samples), num(estimate_seconds)});
    return PQntuples(r.get()) == 1;
  }

  std::optional<JobRecord> delete_job(std::int64_t client, const std::string& id) override {
    std::lock_guard lock(mutex_);
    Result r = run("DELETE FROM jobs WHERE id = $1 AND client = $2 RETURNING " + kJobColumns,
                   {id, num(client)});
    if (PQntuples(r.get()) == 0) return std::nullopt;
    return read_job(r, 0);
  }

  std::optional<JobRecord> claim_job(const std::string& worker, double lease_seconds) override {
    std::lock_guard lock(mutex_);
    // One statement: the row lock taken by FOR UPDATE SKIP LOCKED makes concurrent claimers
    // skip this job instead of waiting for it or taking it twice.
    Result r =
        run("WITH next AS (SELECT j.id, j.client FROM jobs j JOIN clients c ON c.id = "
            "j.client WHERE j.state = 1 OR (j.state = 2 AND j.lease_until < " +
                kNow +
                ") ORDER BY c.last_claim, j.seq LIMIT 1 FOR UPDATE OF j SKIP LOCKED), "
                "claimed AS (UPDATE jobs SET state = 2, worker = $1, attempt = attempt + "
                "1, samples_done = 0, lease_until = " +
                kNow + " + $2, started_at = " + kNow +
                " FROM next WHERE jobs.id = next.id RETURNING jobs.*) "
                "SELECT " +
                kJobColumns + " FROM claimed",
            {worker, num(lease_seconds)});
    if (PQntuples(r.get()) == 0) return std::nullopt;
    JobRecord j = read_job(r, 0);
    run("UPDATE clients SET last_claim = " + kNow + " WHERE id = $1", {num(j.client)});
    return j;
  }

  bool heartbeat(const std::string& id, const std::string& worker, std::int64_t attempt,
                 double lease_seconds, std::uint64_t done) override {
    std::lock_guard lock(mutex_);
    Result r = run("UPDATE jobs SET lease_until = " + kNow +
                       " + $4, samples_done = $5 WHERE id = $1 AND state = 2 AND worker = $2 "
                       "AND attempt = $3 RETURNING id",
                   {id, worker, num(attempt), num(lease_seconds), num(done)});
    return PQntuples(r.get()) == 1;
  }

  bool complete_job(const std::string& id, const std::string& worker, std::int64_t attempt,
                    const std::string& result_path, std::uint64_t bootstraps) override {
    std::lock_guard lock(mutex_);
    Result r =
        run("WITH done AS (UPDATE jobs SET state = 3, result_path = $4, samples_done = "
            "samples, bootstraps = $5, finished_at = " +
                kNow +
                " WHERE id = $1 AND state = 2 AND worker = $2 AND attempt = $3 "
                "RETURNING bootstraps) UPDATE totals SET value = value + (SELECT "
                "COALESCE(SUM(bootstraps), 0) FROM done) WHERE name = 'bootstraps' "
                "RETURNING (SELECT COUNT(*) FROM done)",
            {id, worker, num(attempt), result_path, num(bootstraps)});
    return PQntuples(r.get()) == 1 && integer(r, 0, 0) == 1;
  }

  bool fail_job(const std::string& id, const std::string& worker, std::int64_t attempt,
                const std::string& error) override {
    std::lock_guard lock(mutex_);
    Result r = run("UPDATE jobs SET state = 4, error = $4, finished_at = " + kNow +
                       " WHERE id = $1 AND state = 2 AND worker = $2 AND attempt = $3 "
                       "RETURNING id",
                   {id, worker, num(attempt), error});
    return PQntuples(r.get()) == 1;
  }

  std::size_t requeue_running() override { return 0; }  // shared queue: leases decide

  std::vector<JobRecord> expired_jobs(double finished_before, double created_before) override {
    std::lock_guard lock(mutex_);
    Result r = run("SELECT " + kJobColumns +
                       " FROM jobs WHERE (state >= 3 AND finished_at < $1) OR (state = 0 AND "
                       "created_at < $2)",
                   {num(finished_before), num(created_before)});
    std::vector<JobRecord> out;
    for (int i = 0; i < PQntuples(r.get()); ++i) out.push_back(read_job(r, i));
    return out;
  }

  StoreCounts counts() override {
    std::lock_guard lock(mutex_);
    StoreCounts c;
    Result r = run("SELECT state, COUNT(*) FROM jobs GROUP BY state", {});
    for (int i = 0; i < PQntuples(r.get()); ++i) {
      const auto st = integer(r, i, 0);
      if (st >= 0 && st < 5) c.by_state[st] = static_cast<std::uint64_t>(integer(r, i, 1));
    }
    c.keys = static_cast<std::uint64_t>(integer(run("SELECT COUNT(*) FROM keys", {}), 0, 0));
    c.clients = static_cast<std::uint64_t>(integer(run("SELECT COUNT(*) FROM clients", {}), 0, 0));
    c.bootstraps = static_cast<std::uint64_t>(
        integer(run("SELECT value FROM totals WHERE name = 'bootstraps'", {}), 0, 0));
    return c;
  }

  double now() override {
    std::lock_guard lock(mutex_);
    return real(run("SELECT " + kNow, {}), 0, 0);
  }

 private:
  void connect() {
    conn_ = PQconnectdb(url_.c_str());
    if (PQstatus(conn_) != CONNECTION_OK) {
      std::string why = PQerrorMessage(conn_);
      while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
      for (char& ch : why) {
        if (ch == '\n') ch = ' ';
      }
      PQfinish(conn_);
      conn_ = nullptr;
      // The URL may hold a password: name the database by its failure only.
      throw FileAccessError("--queue: cannot connect to PostgreSQL: " + why);
    }
  }

  // A statement with text parameters; reconnects once when the connection was lost.
  Result run(const std::string& sql, const std::vector<std::string>& params) {
    for (int tries = 0;; ++tries) {
      std::vector<const char*> values;
      for (const auto& p : params) values.push_back(p.c_str());
      Result r(PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr,
                            values.data(), nullptr, nullptr, 0));
      const auto status = PQresultStatus(r.get());
      if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return r;
      if (PQstatus(conn_) == CONNECTION_BAD && tries == 0) {
        PQreset(conn_);
        continue;
      }
      std::string why = PQresultErrorMessage(r.get());
      while (!why.empty() && why.back() == '\n') why.pop_back();
      throw Error("job store (PostgreSQL): " + why);
    }
  }
  Result query(const std::string& sql, const std::vector<std::string>& params) {
    std::lock_guard lock(mutex_);
    return run(sql, params);
  }
  void exec_script(const char* sql) {
    std::lock_guard lock(mutex_);
    Result r(PQexec(conn_, sql));
    if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) {
      throw Error(std::string("job store (PostgreSQL): ") + PQresultErrorMessage(r.get()));
    }
  }

  std::string url_;
  PGconn* conn_ = nullptr;
  std::mutex mutex_;
};

}  // namespace

std::unique_ptr<JobStore> open_postgres_job_store(const std::string& url) {
  return std::make_unique<PostgresJobStore>(url);
}

}  // namespace lutfhe::service
