#include "service/sqlite_job_store.hpp"

#include <sqlite3.h>

#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "core/errors.hpp"

namespace lutfhe::service {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS clients(
  id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, token_digest TEXT NOT NULL UNIQUE,
  last_claim REAL NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS keys(
  client INTEGER NOT NULL, key_id TEXT NOT NULL, fingerprint TEXT NOT NULL,
  params_name TEXT NOT NULL, path TEXT NOT NULL, bytes INTEGER NOT NULL,
  created_at REAL NOT NULL, used_at REAL NOT NULL, PRIMARY KEY(client, key_id));
CREATE TABLE IF NOT EXISTS jobs(
  seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, client INTEGER NOT NULL,
  model TEXT NOT NULL, key_id TEXT NOT NULL, idempotency_key TEXT NOT NULL,
  state INTEGER NOT NULL, samples INTEGER NOT NULL DEFAULT 0,
  samples_done INTEGER NOT NULL DEFAULT 0, estimate_seconds REAL NOT NULL DEFAULT 0,
  input_path TEXT NOT NULL DEFAULT '', result_path TEXT NOT NULL DEFAULT '',
  error TEXT NOT NULL DEFAULT '', worker TEXT NOT NULL DEFAULT '',
  attempt INTEGER NOT NULL DEFAULT 0, lease_until REAL NOT NULL DEFAULT 0,
  created_at REAL NOT NULL, started_at REAL NOT NULL DEFAULT 0,
  finished_at REAL NOT NULL DEFAULT 0, bootstraps INTEGER NOT NULL DEFAULT 0);
CREATE UNIQUE INDEX IF NOT EXISTS jobs_idempotency ON jobs(client, idempotency_key)
  WHERE idempotency_key <> '';
CREATE INDEX IF NOT EXISTS jobs_by_state ON jobs(state, seq);
CREATE TABLE IF NOT EXISTS totals(name TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO totals(name, value) VALUES ('bootstraps', 0);
)sql";

constexpr const char* kNow = "((julianday('now') - 2440587.5) * 86400.0)";
constexpr const char* kJobColumns =
    "id, client, model, key_id, idempotency_key, state, samples, samples_done, "
    "estimate_seconds, input_path, result_path, error, worker, attempt, lease_until, "
    "created_at, started_at, finished_at";
constexpr const char* kKeyColumns =
    "client, key_id, fingerprint, params_name, path, bytes, created_at, used_at";

class Statement {
 public:
  Statement(sqlite3* db, const std::string& sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt_, nullptr) != SQLITE_OK) {
      throw Error(std::string("job store: ") + sqlite3_errmsg(db));
    }
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int i, const std::string& v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& bind(int i, std::int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  Statement& bind(int i, double v) {
    sqlite3_bind_double(stmt_, i, v);
    return *this;
  }
  // True while a row is available.
  bool step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw Error(std::string("job store: ") + sqlite3_errmsg(db_));
  }
  void run() {
    while (step()) {
    }
  }
  std::string text(int c) const {
    const auto* p = sqlite3_column_text(stmt_, c);
    return p ? std::string(reinterpret_cast<const char*>(p),
                           static_cast<std::size_t>(sqlite3_column_bytes(stmt_, c)))
             : std::string();
  }
  std::int64_t integer(int c) const { return sqlite3_column_int64(stmt_, c); }
  double real(int c) const { return sqlite3_column_double(stmt_, c); }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

JobRecord read_job(const Statement& s) {
  JobRecord j;
  j.id = s.text(0);
  j.client = s.integer(1);
  j.model = s.text(2);
  j.key_id = s.text(3);
  j.idempotency_key = s.text(4);
  j.state = static_cast<JobState>(s.integer(5));
  j.samples = static_cast<std::uint64_t>(s.integer(6));
  j.samples_done = static_cast<std::uint64_t>(s.integer(7));
  j.estimate_seconds = s.real(8);
  j.input_path = s.text(9);
  j.result_path = s.text(10);
  j.error = s.text(11);
  j.worker = s.text(12);
  j.attempt = s.integer(13);
  j.lease_until = s.real(14);
  j.created_at = s.real(15);
  j.started_at = s.real(16);
  j.finished_at = s.real(17);
  return j;
}

KeyRecord read_key(const Statement& s) {
  KeyRecord k;
  k.client = s.integer(0);
  k.key_id = s.text(1);
  k.fingerprint = s.text(2);
  k.params_name = s.text(3);
  k.path = s.text(4);
  k.bytes = static_cast<std::uint64_t>(s.integer(5));
  k.created_at = s.real(6);
  k.used_at = s.real(7);
  return k;
}

std::int64_t as_int(std::uint64_t v) {
  return static_cast<std::int64_t>(v);
}

class SqliteJobStore final : public JobStore {
 public:
  explicit SqliteJobStore(const std::filesystem::path& file) {
    if (sqlite3_open_v2(file.c_str(), &db_,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                        nullptr) != SQLITE_OK) {
      const std::string why = db_ ? sqlite3_errmsg(db_) : "out of memory";
      sqlite3_close(db_);
      throw FileAccessError(file.string() + ": cannot open the job store: " + why);
    }
    sqlite3_busy_timeout(db_, 10000);
    exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;");
    exec(kSchema);
  }
  ~SqliteJobStore() override { sqlite3_close(db_); }

  ClientRecord add_client(const std::string& name, const std::string& digest) override {
    std::lock_guard lock(mutex_);
    Statement s(db_, "INSERT INTO clients(name, token_digest) VALUES (?1, ?2)");
    s.bind(1, name).bind(2, digest);
    try {
      s.run();
    } catch (const Error&) {
      throw InvalidArgument("client " + name + " already exists");
    }
    return {sqlite3_last_insert_rowid(db_), name};
  }

  std::optional<ClientRecord> client_by_token(const std::string& digest) override {
    std::lock_guard lock(mutex_);
    Statement s(db_, "SELECT id, name FROM clients WHERE token_digest = ?1");
    s.bind(1, digest);
    if (!s.step()) return std::nullopt;
    return ClientRecord{s.integer(0), s.text(1)};
  }

  std::vector<ClientRecord> list_clients() override {
    std::lock_guard lock(mutex_);
    Statement s(db_, "SELECT id, name FROM clients ORDER BY id");
    std::vector<ClientRecord> out;
    while (s.step()) out.push_back({s.integer(0), s.text(1)});
    return out;
  }

  bool remove_client(const std::string& name) override {
    std::lock_guard lock(mutex_);
    Statement s(db_, "DELETE FROM clients WHERE name = ?1");
    s.bind(1, name).run();
    return sqlite3_changes(db_) == 1;
  }

  std::pair<KeyRecord, bool> put_key(const KeyRecord& k) override {
    std::lock_guard lock(mutex_);
    Statement s(db_, std::string("INSERT OR IGNORE INTO keys(") + kKeyColumns +
                         ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, " + kNow + ", " + kNow + ")");
    s.bind(1, k.client).bind(2, k.key_id).bind(3, k.fingerprint).bind(4, k.params_name);
    s.bind(5, k.path).bind(6, as_int(k.bytes));
    s.run();
    const bool inserted = sqlite3_changes(db_) == 1;
    return {*find_key_locked(k.client, k.key_id), inserted};
  }

  std::optional<KeyRecord> find_key(std::int64_t client, const std::string& key_id) override {
    std::lock_guard lock(mutex_);
    return find_key_locked(client, key_id);
  }

  void touch_key(std::int64_t client, const std::string& key_id) override {
    std::lock_guard lock(mutex_);
    Statement s(db_, std::string("UPDATE keys SET used_at = ") + kNow +
                         " WHERE client = ?1 AND key_id = ?2");
    s.bind(1, client).bind(2, key_id).run();
  }

  std::optional<KeyRecord> delete_key(std::int64_t client, const std::string& key_id) override {
    std::lock_guard lock(mutex_);
    auto k = find_key_locked(client, key_id);
    if (!k) return std::nullopt;
    Statement s(db_, "DELETE FROM keys WHERE client = ?1 AND key_id = ?2");
    s.bind(1, client).bind(2, key_id).run();
    return k;
  }

  std::vector<KeyRecord> stale_keys(double before) override {
    std::lock_guard lock(mutex_);
    Statement s(db_, std::string("SELECT ") + kKeyColumns +
                         " FROM keys k WHERE used_at < ?1 AND NOT EXISTS (SELECT 1 FROM jobs j "
                         "WHERE j.client = k.client AND j.key_id = k.key_id AND j.state < 3)");
    s.bind(1, before);
    std::vector<KeyRecord> out;
    while (s.step()) out.push_back(read_key(s));
    return out;
  }

  bool key_path_in_use(const std::string& path) override {
    std::lock_guard lock(mutex_);
    Statement s(db_, "SELECT 1 FROM keys WHERE path = ?1 LIMIT 1");
    s.bind(1, path);
    return s.step();
  }

  std::pair<JobRecord, bool> create_job(const JobRecord& j) override {
    std::lock_guard lock(mutex_);
    if (!j.idempotency_key.empty()) {
      Statement s(db_, std::string("SELECT ") + kJobColumns +
                           " FROM jobs WHERE client = ?1 AND idempotency_key = ?2");
      s.bind(1, j.client).bind(2, j.idempotency_key);
      if (s.step()) return {read_job(s), false};
    }
    Statement s(db_, std::string("INSERT INTO jobs(id, client, model, key_id, idempotency_key, "
                                 "state, created_at) VALUES (?1, ?2, ?3, ?4, ?5, 0, ") +
                         kNow + ")");
    s.bind(1, j.id).bind(2, j.client).bind(3, j.model).bind(4, j.key_id);
    s.bind(5, j.idempotency_key).run();
    return {*find_job_locked(j.client, j.id), true};
  }

  std::optional<JobRecord> find_job(std::int64_t client, const std::string& id) override {
    std::lock_guard lock(mutex_);
    return find_job_locked(client, id);
  }

  std::vector<JobRecord> list_jobs(std::int64_t client, std::size_t limit) override {
    std::lock_guard lock(mutex_);
    Statement s(db_, std::string("SELECT ") + kJobColumns +
                         " FROM jobs WHERE client = ?1 ORDER BY seq DESC LIMIT ?2");
    s.bind(1, client).bind(2, static_cast<std::int64_t>(limit));
    std::vector<JobRecord> out;
    while (s.step()) out.push_back(read_job(s));
    return out;
  }

  bool queue_job(const std::string& id, const std::string& input_path, std::uint64_t samples,
                 double estimate_seconds) override {
    std::lock_guard lock(mutex_);
    Statement s(db_,
                "UPDATE jobs SET state = 1, input_path = ?2, samples = ?3, estimate_seconds = ?4 "
                "WHERE id = ?1 AND state = 0");
    s.bind(1, id).bind(2, input_path).bind(3, as_int(samples)).bind(4, estimate_seconds).run();
    return sqlite3_changes(db_) == 1;
  }

  std::optional<JobRecord> delete_job(std::int64_t client, const std::string& id) override {
    std::lock_guard lock(mutex_);
    auto j = find_job_locked(client, id);
    if (!j) return std::nullopt;
    Statement s(db_, "DELETE FROM jobs WHERE id = ?1");
    s.bind(1, id).run();
    return j;
  }

  std::optional<JobRecord> claim_job(const std::string& worker, double lease_seconds) override {
    std::lock_guard lock(mutex_);
    exec("BEGIN IMMEDIATE");
    try {
      std::optional<JobRecord> claimed;
      std::string id;
      std::int64_t client = 0;
      {
        Statement s(db_, std::string("SELECT j.id, j.client FROM jobs j JOIN clients c ON "
                                     "c.id = j.client WHERE j.state = 1 OR (j.state = 2 AND "
                                     "j.lease_until < ") +
                             kNow + ") ORDER BY c.last_claim, j.seq LIMIT 1");
        if (s.step()) {
          id = s.text(0);
          client = s.integer(1);
        }
      }
      if (!id.empty()) {
        Statement u(db_, std::string("UPDATE jobs SET state = 2, worker = ?2, attempt = attempt "
                                     "+ 1, samples_done = 0, lease_until = ") +
                             kNow + " + ?3, started_at = " + kNow + " WHERE id = ?1");
        u.bind(1, id).bind(2, worker).bind(3, lease_seconds).run();
        Statement c(db_, std::string("UPDATE clients SET last_claim = ") + kNow + " WHERE id = ?1");
        c.bind(1, client).run();
        claimed = find_job_locked(client, id);
      }
      exec("COMMIT");
      return claimed;
    } catch (...) {
      exec_noexcept("ROLLBACK");
      throw;
    }
  }

  bool heartbeat(const std::string& id, const std::string& worker, std::int64_t attempt,
                 double lease_seconds, std::uint64_t done) override {
    std::lock_guard lock(mutex_);
    Statement s(db_, std::string("UPDATE jobs SET lease_until = ") + kNow +
                         " + ?4, samples_done = ?5 WHERE id = ?1 AND state = 2 AND worker = ?2 "
                         "AND attempt = ?3");
    s.bind(1, id).bind(2, worker).bind(3, attempt).bind(4, lease_seconds).bind(5, as_int(done));
    s.run();
    return sqlite3_changes(db_) == 1;
  }

  bool complete_job(const std::string& id, const std::string& worker, std::int64_t attempt,
                    const std::string& result_path, std::uint64_t bootstraps) override {
    std::lock_guard lock(mutex_);
    exec("BEGIN IMMEDIATE");
    try {
      Statement s(db_, std::string("UPDATE jobs SET state = 3, result_path = ?4, samples_done "
                                   "= samples, bootstraps = ?5, finished_at = ") +
                           kNow + " WHERE id = ?1 AND state = 2 AND worker = ?2 AND attempt = ?3");
      s.bind(1, id).bind(2, worker).bind(3, attempt).bind(4, result_path);
      s.bind(5, as_int(bootstraps)).run();
      const bool ok = sqlite3_changes(db_) == 1;
      if (ok) {
        Statement t(db_, "UPDATE totals SET value = value + ?1 WHERE name = 'bootstraps'");
        t.bind(1, as_int(bootstraps)).run();
      }
      exec("COMMIT");
      return ok;
    } catch (...) {
      exec_noexcept("ROLLBACK");
      throw;
    }
  }

  bool fail_job(const std::string& id, const std::string& worker, std::int64_t attempt,
                const std::string& error) override {
    std::lock_guard lock(mutex_);
    Statement s(db_, std::string("UPDATE jobs SET state = 4, error = ?4, finished_at = ") + kNow +
                         " WHERE id = ?1 AND state = 2 AND worker = ?2 AND attempt = ?3");
    s.bind(1, id).bind(2, worker).bind(3, attempt).bind(4, error).run();
    return sqlite3_changes(db_) == 1;
  }

  std::size_t requeue_running() override {
    std::lock_guard lock(mutex_);
    Statement s(db_, "UPDATE jobs SET state = 1, worker = '' WHERE state = 2");
    s.run();
    return static_cast<std::size_t>(sqlite3_changes(db_));
  }

  std::vector<JobRecord> expired_jobs(double finished_before, double created_before) override {
    std::lock_guard lock(mutex_);
    Statement s(db_, std::string("SELECT ") + kJobColumns +
                         " FROM jobs WHERE (state >= 3 AND finished_at < ?1) OR (state = 0 AND "
                         "created_at < ?2)");
    s.bind(1, finished_before).bind(2, created_before);
    std::vector<JobRecord> out;
    while (s.step()) out.push_back(read_job(s));
    return out;
  }

  StoreCounts counts() override {
    std::lock_guard lock(mutex_);
    StoreCounts c;
    {
      Statement s(db_, "SELECT state, COUNT(*) FROM jobs GROUP BY state");
      while (s.step()) {
        const auto st = s.integer(0);
        if (st >= 0 && st < 5) c.by_state[st] = static_cast<std::uint64_t>(s.integer(1));
      }
    }
    c.keys = scalar("SELECT COUNT(*) FROM keys");
    c.clients = scalar("SELECT COUNT(*) FROM clients");
    c.bootstraps = scalar("SELECT value FROM totals WHERE name = 'bootstraps'");
    return c;
  }

  double now() override {
    std::lock_guard lock(mutex_);
    Statement s(db_, std::string("SELECT ") + kNow);
    s.step();
    return s.real(0);
  }

 private:
  void exec(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
      const std::string why = err ? err : "unknown error";
      sqlite3_free(err);
      throw Error("job store: " + why);
    }
  }
  void exec_noexcept(const char* sql) noexcept {
    sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
  }

  std::uint64_t scalar(const char* sql) {
    Statement s(db_, sql);
    return s.step() ? static_cast<std::uint64_t>(s.integer(0)) : 0;
  }

  std::optional<KeyRecord> find_key_locked(std::int64_t client, const std::string& key_id) {
    Statement s(
        db_, std::string("SELECT ") + kKeyColumns + " FROM keys WHERE client = ?1 AND key_id = ?2");
    s.bind(1, client).bind(2, key_id);
    if (!s.step()) return std::nullopt;
    return read_key(s);
  }

  std::optional<JobRecord> find_job_locked(std::int64_t client, const std::string& id) {
    Statement s(db_,
                std::string("SELECT ") + kJobColumns + " FROM jobs WHERE id = ?1 AND client = ?2");
    s.bind(1, id).bind(2, client);
    if (!s.step()) return std::nullopt;
    return read_job(s);
  }

  sqlite3* db_ = nullptr;
  std::mutex mutex_;
};

}  // namespace

std::unique_ptr<JobStore> open_sqlite_job_store(const std::filesystem::path& file) {
  return std::make_unique<SqliteJobStore>(file);
}

}  // namespace lutfhe::service
