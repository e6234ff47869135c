// Jobs survive: kill -9 of the server while a job runs, restart, and the job completes once
// with the result `lutfhe run` gives (ServiceRestart once; ServiceRestartLong
// min(20, LUTFHE_LARGE_SAMPLES) times, label large). PostgreSQL: a throwaway cluster (initdb as
// an unprivileged user, a random port on 127.0.0.1), `lutfhe serve --workers 0` and two
// `lutfhe worker`s; the worker that runs a job is killed and the other finishes it after the
// lease.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <set>

#include "service/client_calls.hpp"
#include "service/json.hpp"
#include "tests/service/service_fixture.hpp"
#include "tests/support/cli_runner.hpp"

namespace lutfhe::testing {
namespace {

std::int64_t attempts(service::ServiceClient& client, const std::string& job) {
  const auto a = client.get("/v1/jobs/" + job);
  rapidjson::Document doc;
  std::string error;
  if (!service::parse_json_object(a.body, doc, error) || !doc.HasMember("attempts") ||
      !doc["attempts"].IsInt64()) {
    return -1;
  }
  return doc["attempts"].GetInt64();
}

std::string result_of(service::ServiceClient& client, const std::string& job, const fs::path& out) {
  std::string error;
  if (client.download("/v1/jobs/" + job + "/result", out, error) != 200) return "error: " + error;
  return file_bytes(out);
}

const std::string& big_reference() {
  static const std::string bytes =
      reference_result(tiny_model().big_input, fresh_dir("big-reference") / "big.ct");
  return bytes;
}

// Result files a job's folder holds: a job completed once has exactly one.
std::size_t result_files(const fs::path& data, const std::string& job) {
  std::size_t n = 0;
  for (const auto& e : fs::directory_iterator(data / "jobs" / job)) {
    n += e.path().filename().string().rfind("result-", 0) == 0;
  }
  return n;
}

void kill_and_restart_rounds(std::size_t rounds) {
  const fs::path dir = fresh_dir("restart");
  const std::string& expected = big_reference();
  ASSERT_FALSE(expected.empty());
  ServerProcess server(dir / "data");
  const std::string token = new_token(dir / "data", "alice");
  std::vector<std::string> jobs;
  std::size_t killed_while_running = 0;
  for (std::size_t round = 0; round < rounds; ++round) {
    auto client = connect(server.url(), token);
    const std::string key = "round-" + std::to_string(round);
    const std::string job = submit_job(*client, tiny_model().big_input, key);
    jobs.push_back(job);
    const bool running = eventually(30, [&] { return job_state(*client, job) == "running"; });
    killed_while_running += running;
    EXPECT_EQ(client->del("/v1/keys/" + tiny_model().key_id).status, 409)
        << "a key in use by a running job is not deleted";
    server.kill9();
    server.restart();
    auto again = connect(server.url(), token);
    EXPECT_EQ(submit_job(*again, tiny_model().big_input, key), job)
        << "a retried submit after the crash finds the same job";
  }
  EXPECT_EQ(killed_while_running, rounds) << "every kill hit a running job";
  auto client = connect(server.url(), token);
  for (const auto& job : jobs) {
    EXPECT_EQ(wait_done(*client, job, 120), "done") << job;
    EXPECT_EQ(result_of(*client, job, dir / (job + ".ct")), expected) << job;
    EXPECT_GE(attempts(*client, job), 2) << job;
    EXPECT_EQ(result_files(dir / "data", job), 1u) << "job " << job << " completed more than once";
  }
  const std::string list = client->get("/v1/jobs").body;
  std::size_t listed = 0;
  for (std::size_t at = 0; (at = list.find("\"job_id\"", at)) != std::string::npos; ++at) ++listed;
  EXPECT_EQ(listed, rounds) << "no job lost, none duplicated";
}

TEST(ServiceRestart, KillNineWhileAJobRunsThenRestart) {
  kill_and_restart_rounds(1);
}

TEST(ServiceRestartLong, RepeatedKillNineLosesNothing) {
  std::size_t rounds = 20;
  if (const char* s = std::getenv("LUTFHE_LARGE_SAMPLES")) {
    rounds = std::clamp<std::size_t>(std::strtoul(s, nullptr, 10), 1, 20);
  }
  kill_and_restart_rounds(rounds);
}

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// A PostgreSQL cluster in a temporary folder owned by `nobody` (PostgreSQL refuses root).
class PostgresCluster {
 public:
  PostgresCluster() {
    const fs::path bin = "/usr/lib/postgresql/15/bin";
    if (!fs::exists(bin / "initdb")) {
      throw std::runtime_error("PostgreSQL 15 is not installed (scripts/setup installs it)");
    }
    char tmpl[] = "/tmp/lutfhe-pg-XXXXXX";
    if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
    root_ = tmpl;
    const passwd* pw = ::getpwnam("nobody");
    if (!pw || ::chown(root_.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
      throw std::runtime_error("cannot give " + root_.string() + " to nobody");
    }
    Process initdb({(bin / "initdb").string(), "-D", (root_ / "db").string(), "-U", "lutfhe",
                    "--auth=trust", "-E", "UTF8", "--no-sync"},
                   root_ / "initdb.log", "nobody");
    if (initdb.wait(120) != 0) {
      const std::string log = initdb.log_text();
      std::error_code ec;
      fs::remove_all(root_, ec);
      throw std::runtime_error("initdb failed: " + log);
    }
    port_ = free_port();
    server_ = std::make_unique<Process>(
        std::vector<std::string>{(bin / "postgres").string(), "-D", (root_ / "db").string(), "-p",
                                 std::to_string(port_), "-c", "listen_addresses=127.0.0.1", "-k",
                                 root_.string(), "-c", "fsync=off", "-c", "max_connections=30"},
        root_ / "postgres.log", "nobody");
  }
  ~PostgresCluster() {
    server_->signal(SIGINT);  // fast shutdown: backends end with the postmaster
    server_->wait(30);
    std::error_code ec;
    fs::remove_all(root_, ec);
  }
  std::string url() const {
    return "postgresql://lutfhe@127.0.0.1:" + std::to_string(port_) + "/postgres";
  }
  std::string log() const { return file_bytes(root_ / "postgres.log"); }

 private:
  fs::path root_;
  int port_ = 0;
  std::unique_ptr<Process> server_;
};

// A token of a new client in the PostgreSQL store (retried while the cluster starts).
std::string postgres_token(const PostgresCluster& pg, const fs::path& data,
                           const std::string& name) {
  std::string token;
  const bool made = eventually(60, [&] {
    const CliResult r =
        run_cli({"token", "--data", data.string(), "--queue", pg.url(), "--name", name});
    if (r.exit_code == 0) token = r.out.substr(0, r.out.find('\n'));
    return r.exit_code == 0;
  });
  if (!made) ADD_FAILURE() << "no token from PostgreSQL: " << pg.log();
  return token;
}

// Two `lutfhe worker`s on the queue with 2 s leases, logging to dir/worker{0,1}.log.
std::vector<std::unique_ptr<Process>> two_workers(const PostgresCluster& pg, const fs::path& data,
                                                  const fs::path& models, const fs::path& dir) {
  const std::vector<std::string> args = {
      cli_path().string(), "worker",   "--queue",       pg.url(),          "--data",
      data.string(),       "--models", models.string(), "--lease-seconds", "2",
      "--threads-per-job", "1"};
  std::vector<std::unique_ptr<Process>> workers;
  for (int i = 0; i < 2; ++i) {
    workers.push_back(
        std::make_unique<Process>(args, dir / ("worker" + std::to_string(i) + ".log")));
  }
  return workers;
}

// The index of the worker whose log says it claimed `job` (-1 if none within 10 s).
int claiming_worker(const std::vector<std::unique_ptr<Process>>& workers, const std::string& job) {
  int holder = -1;
  eventually(10, [&] {
    for (int i = 0; i < 2; ++i) {
      if (workers[i]->log_text().find("job " + job + " claimed") != std::string::npos) holder = i;
    }
    return holder >= 0;
  });
  return holder;
}

TEST(ServicePostgres, AKilledWorkersJobIsFinishedByAnotherAfterItsLease) {
  const TinyModel& m = tiny_model();
  const std::string& expected = big_reference();
  const fs::path dir = fresh_dir("postgres");
  const std::string small_expected = reference_result(m.input, dir / "small.ct");
  PostgresCluster pg;
  const fs::path data = dir / "data";
  const std::string token = postgres_token(pg, data, "alice");
  ASSERT_FALSE(token.empty());
  ServerProcess server(data, {"--queue", pg.url(), "--workers", "0"});
  const auto workers = two_workers(pg, data, m.models, dir);
  auto client = connect(server.url(), token);
  const std::string job = submit_job(*client, m.big_input);
  ASSERT_TRUE(eventually(30, [&] { return job_state(*client, job) == "running"; }));
  const int holder = claiming_worker(workers, job);
  ASSERT_GE(holder, 0);
  workers[holder]->kill9();
  workers[holder]->wait();
  EXPECT_EQ(wait_done(*client, job, 120), "done");
  EXPECT_EQ(result_of(*client, job, dir / "big.ct"), expected);
  EXPECT_EQ(attempts(*client, job), 2);
  EXPECT_EQ(result_files(data, job), 1u);
  const std::string survivor = workers[1 - holder]->log_text();
  EXPECT_NE(survivor.find("job " + job + " done"), std::string::npos) << survivor;
  EXPECT_EQ(workers[holder]->log_text().find("job " + job + " done"), std::string::npos);

  // The queue goes on with one worker: nothing lost, nothing done twice.
  std::vector<std::string> more;
  for (int i = 0; i < 3; ++i) more.push_back(submit_job(*client, m.input));
  for (const auto& j : more) {
    EXPECT_EQ(wait_done(*client, j, 60), "done");
    EXPECT_EQ(result_of(*client, j, dir / (j + ".ct")), small_expected);
    EXPECT_EQ(attempts(*client, j), 1);
  }
  const std::string metrics = client->get("/v1/metrics").body;
  EXPECT_NE(metrics.find("lutfhe_jobs{state=\"done\"} 4"), std::string::npos) << metrics;
}

// A training job on the PostgreSQL queue: the worker that claims it is killed after a few
// steps; the other takes it over after the lease, resumes from the server-side checkpoint
// (its log says so) and finishes with the weights of `train-encrypted run`.
TEST(ServicePostgres, ATrainingJobResumesOnAnotherWorkerFromItsCheckpoint) {
  const Training t = make_training("postgres-training", 10);
  PostgresCluster pg;
  const fs::path data = t.dir / "data";
  const std::string token = postgres_token(pg, data, "owner");
  ASSERT_FALSE(token.empty());
  ServerProcess server(data, {"--queue", pg.url(), "--workers", "0"}, t.models);
  const auto workers = two_workers(pg, data, t.models, t.dir);
  auto client = connect(server.url(), token);
  service::upload_key(*client, "sgd", t.eval_key);
  const std::string job = service::submit_job(*client, "sgd", t.job_input, "pg-training-1");
  ASSERT_TRUE(eventually(30, [&] { return job_state(*client, job) == "running"; }));
  const int holder = claiming_worker(workers, job);
  ASSERT_GE(holder, 0);
  // Killed once a checkpoint after at least two (and fewer than all 30) steps exists.
  ASSERT_TRUE(eventually(30, [&] {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(data / "jobs" / job, ec)) {
      std::size_t step = 0;
      if (std::sscanf(e.path().filename().c_str(), "checkpoint-%zu.ct", &step) == 1 && step >= 2) {
        return true;
      }
    }
    return false;
  })) << "no checkpoint after two steps";
  workers[holder]->kill9();
  workers[holder]->wait();
  EXPECT_EQ(wait_done(*client, job, 120), "done");
  EXPECT_EQ(attempts(*client, job), 2);
  service::fetch_result(*client, job, t.dir / "final.ct");
  EXPECT_EQ(decrypt(t, t.dir / "final.ct"), t.expected);
  const std::string survivor = workers[1 - holder]->log_text();
  EXPECT_NE(survivor.find("job " + job + " resumed from its checkpoint after step"),
            std::string::npos)
      << survivor;
  EXPECT_NE(survivor.find("job " + job + " done"), std::string::npos) << survivor;
}

}  // namespace
}  // namespace lutfhe::testing
