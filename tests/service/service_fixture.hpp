// What the service tests share: real `lutfhe` processes (the server, workers, the CLI) on
// 127.0.0.1 with ports the kernel picks, a tiny compiled model with TOY keys, raw sockets for
// malformed requests, and bounded waits (every loop has a deadline).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "service/http_client.hpp"

namespace lutfhe::testing {

namespace fs = std::filesystem;

// A child process whose stdout and stderr go to files; killed (SIGKILL) when destroyed.
class Process {
 public:
  Process(const std::vector<std::string>& args, const fs::path& log, const std::string& user = {});
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  pid_t pid() const { return pid_; }
  void kill9();
  void signal(int sig);
  // Waits for the process to end (bounded); returns its exit status or -signal.
  int wait(double seconds = 30);
  bool running();
  std::string log_text() const;

 private:
  pid_t pid_ = -1;
  fs::path log_;
  int status_ = 0;
  bool reaped_ = false;
};

// Runs `lutfhe args...` to completion; fails the test (ADD_FAILURE) on a non-zero exit.
std::string lutfhe_ok(const std::vector<std::string>& args);

// Polls `done` every 20 ms until it is true or `seconds` pass; returns its last value.
bool eventually(double seconds, const std::function<bool()>& done);

// A tiny model (examples/models/tiny_mlp.json) compiled for TOY, one client key and its
// evaluation key, and encrypted inputs; made once per test binary under `dir`.
struct TinyModel {
  fs::path dir;
  fs::path models;      // models/tiny/{client.spec,server.circuit}
  fs::path spec;        // models/tiny/client.spec
  fs::path circuit;     // models/tiny/server.circuit
  fs::path client_key;  // client/client.key
  fs::path eval_key;    // client/eval.key (seeded)
  fs::path input_csv;   // 3 samples
  fs::path input;       // their encryption
  fs::path big_input;   // `big_samples` samples, for jobs that run a while
  std::size_t big_samples = 0;
  std::string key_id;  // hex
};
const TinyModel& tiny_model();

// `lutfhe run` on the model's circuit and key: the reference result bytes.
std::string reference_result(const fs::path& input, const fs::path& out);
std::string file_bytes(const fs::path& path);

// A `lutfhe serve` process on a fresh port (SQLite store in `data`), serving `models` (default:
// the tiny model's folder).
class ServerProcess {
 public:
  ServerProcess(const fs::path& data, std::vector<std::string> extra = {}, fs::path models = {});
  ~ServerProcess();
  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  Process& process() { return *process_; }
  // Starts it again on the same data folder (after kill9); a new port.
  void restart();
  void kill9() { process_->kill9(); }

 private:
  void start();
  fs::path data_;
  std::vector<std::string> extra_;
  fs::path models_;
  std::unique_ptr<Process> process_;
  int port_ = 0;
  int starts_ = 0;
};

// Creates a client in the store of `data` and returns its token.
std::string new_token(const fs::path& data, const std::string& name, const std::string& queue = {});

std::unique_ptr<service::ServiceClient> connect(const std::string& url, const std::string& token);

// Upload the tiny model's key and submit `input`; returns the job id.
std::string submit_job(service::ServiceClient& client, const fs::path& input,
                       const std::string& idempotency_key = {});
// Waits for a job to be done (bounded); returns its final status JSON.
std::string wait_done(service::ServiceClient& client, const std::string& job, double seconds);
// The "state" field of a job's status; with `wait` > 0 the server holds the request until the
// job changes or `wait` seconds pass.
std::string job_state(service::ServiceClient& client, const std::string& job, double wait = 0);

// Sends raw bytes to 127.0.0.1:port and reads the answer until the server closes or
// `seconds` pass. `shutdown_write`: half-close after sending (a body that ends early).
struct RawAnswer {
  int status = 0;
  std::string head;
  std::string body;
  bool closed = false;  // the server closed the connection
};
RawAnswer raw_request(int port, const std::string& bytes, bool shutdown_write, double seconds = 10);

// The key id in a lutfhe file's header, as hex.
std::string to_hex_id(const fs::path& file);

// A new, empty folder under the test's temporary root.
fs::path fresh_dir(const std::string& name);

// A TOY training step (4 features, batches of 2) served from models/sgd, keys, the 6 samples
// of `epochs` passes encrypted as separate files and as one job input, and the weights
// `train-encrypted run` decrypts to on the separate files (`expected`).
struct Training {
  fs::path dir, models, step, spec, client_key, eval_key, job_input;
  std::string expected;
};
Training make_training(const std::string& name, int epochs);
// The weights a training result file decrypts to, as `train-encrypted decrypt` prints them.
std::string decrypt(const Training& t, const fs::path& weights);

}  // namespace lutfhe::testing
